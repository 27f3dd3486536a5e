import type { ReceiptEntry } from '../proxy/exchange-record.js';
import type { HeaderList } from '../proxy/header-list.js';
import type { CompiledRules } from './compiled-rules.js';
import { type CookieAction, cookieAction, isUaClientHint, refererFor, sessionOnlyCookie } from './header-rules.js';
import type { Party } from './site-of.js';
import { reduceUserAgent } from './user-agent-reduction.js';

/** What the rewriters need to know about one exchange beyond its headers. */
export interface ExchangeContext {
  targetHost: string;
  /** First or third party, computed on first use. */
  party(): Party;
  /** The cookie allow-list pattern matching the target, or null. */
  cookieAllowedBy: string | null;
}

/**
 * Applies the rules to request headers in place, in one pass over the raw array, and
 * returns one receipt entry per header removed, replaced or added.
 */
export function rewriteRequestHeaders(c: CompiledRules, x: ExchangeContext, headers: HeaderList): ReceiptEntry[] {
  if (c.noop) return [];
  const { rules, labels } = c;
  const receipt: ReceiptEntry[] = [];
  let cookies: CookieAction | undefined;
  let sawGpc = false;
  let w = 0;
  for (let r = 0; r < headers.length; r += 2) {
    const name = headers[r]!;
    let value: string | null = headers[r + 1]!;
    const lower = name.toLowerCase();
    let rule = c.removeAlways.get(lower);
    if (rule !== undefined) {
      value = null;
    } else if (c.stripClientHints && isUaClientHint(lower)) {
      value = null;
      rule = labels.removeClientHints;
    } else {
      switch (lower) {
        case 'user-agent':
          rule = labels.userAgent;
          if (rules.userAgent === 'remove') value = null;
          else if (rules.userAgent === 'replace') value = c.userAgent;
          else if (rules.userAgent === 'reduce') value = reduceUserAgent(value);
          break;
        case 'referer':
          rule = labels.referer;
          value = refererFor(rules.referer, value, x.targetHost).value;
          break;
        case 'cookie':
          cookies ??= cookieAction(
            rules.cookies,
            rules.cookies === 'block-third-party' && x.party().thirdParty,
            !!x.cookieAllowedBy,
          );
          rule = x.cookieAllowedBy ? `cookie-allow-list:${x.cookieAllowedBy}` : labels.cookies;
          if (cookies === 'remove') value = null;
          break;
        case 'accept-language':
          rule = labels.acceptLanguage;
          if (rules.acceptLanguage !== null) value = rules.acceptLanguage;
          break;
        case 'sec-gpc':
          rule = labels.sendGpc;
          if (rules.sendGpc) {
            if (sawGpc) value = null;
            else value = '1';
            sawGpc = true;
          }
          break;
        case 'if-none-match':
          rule = labels.removeThirdPartyEtag;
          if (rules.removeThirdPartyEtag && x.party().thirdParty) value = null;
          break;
      }
    }
    const old = headers[r + 1]!;
    if (value === null) {
      receipt.push({ direction: 'request', action: 'removed', header: name, oldValue: old, rule: rule! });
      continue;
    }
    if (value !== old) {
      receipt.push({
        direction: 'request',
        action: 'replaced',
        header: name,
        oldValue: old,
        newValue: value,
        rule: rule!,
      });
    }
    headers[w] = name;
    headers[w + 1] = value;
    w += 2;
  }
  headers.length = w;
  if (rules.sendGpc && !sawGpc) {
    headers.push('Sec-GPC', '1');
    receipt.push({ direction: 'request', action: 'added', header: 'Sec-GPC', newValue: '1', rule: labels.sendGpc });
  }
  return receipt;
}

/** Applies the cookie rules to response headers (Set-Cookie) in place. */
export function rewriteResponseHeaders(c: CompiledRules, x: ExchangeContext, headers: HeaderList): ReceiptEntry[] {
  const mode = c.rules.cookies;
  if (mode === 'allow' || x.cookieAllowedBy) return [];
  let action: CookieAction | undefined;
  let receipt: ReceiptEntry[] | undefined;
  let w = 0;
  for (let r = 0; r < headers.length; r += 2) {
    const name = headers[r]!;
    const old = headers[r + 1]!;
    if (name.length === 10 && name.toLowerCase() === 'set-cookie') {
      action ??= cookieAction(mode, mode === 'block-third-party' && x.party().thirdParty, false);
      receipt ??= [];
      if (action === 'remove') {
        receipt.push({ direction: 'response', action: 'removed', header: name, oldValue: old, rule: c.labels.cookies });
        continue;
      }
      if (action === 'session') {
        const value = sessionOnlyCookie(old);
        if (value !== old) {
          receipt.push({
            direction: 'response',
            action: 'replaced',
            header: name,
            oldValue: old,
            newValue: value,
            rule: c.labels.cookies,
          });
          headers[r + 1] = value;
        }
      }
    }
    headers[w] = name;
    headers[w + 1] = headers[r + 1]!;
    w += 2;
  }
  headers.length = w;
  return receipt ?? [];
}
