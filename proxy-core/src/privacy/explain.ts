import { FORWARDING_HEADERS } from './built-in-profiles.js';
import { cookieAction, refererFor } from './header-rules.js';
import type { PrivacyPolicy } from './privacy-policy.js';
import type { PrivacyExplanation } from './privacy-schema.js';
import { partyOf } from './site-of.js';

/**
 * Says, in words, what the policy does to a request for `url` sent from a page at `referer`,
 * and which rule decides each part (`rule standard/cookies`, `site:*.bank.com/cookies`, …).
 */
export function explainRequest(policy: PrivacyPolicy, url: URL, referer?: string): PrivacyExplanation {
  const host = url.hostname;
  const c = policy.rulesFor(host);
  const { rules, labels } = c;
  const headers = referer ? ['Referer', referer] : [];
  const party = partyOf(host, headers);
  const allowedBy = policy.cookieAllowedBy(host);
  const why: string[] = [];
  const by = (label: string): string => ` — rule ${label}`;
  const profile = c.source.profileId;
  why.push(
    c.source.siteRule
      ? `Site rule ${c.source.siteRule} applies to ${host} (profile ${profile}${
          c.source.overridden.size ? `, overriding ${[...c.source.overridden].join(', ')}` : ''
        })`
      : `No site rule matches ${host}: the global profile ${profile} applies`,
  );
  why.push(`Party: ${party.thirdParty ? 'third' : 'first'} party (${party.reason})`);
  if (rules.removeForwardingHeaders) {
    const extra = c.removeAlways.size - rules.removeHeaders.length - FORWARDING_HEADERS.length;
    why.push(
      `Forwarding headers (${FORWARDING_HEADERS.join(', ')}${extra > 0 ? ` and ${extra} more` : ''}): removed${by(labels.removeForwardingHeaders)}`,
    );
  } else {
    why.push(`Forwarding headers: kept${by(labels.removeForwardingHeaders)}`);
  }
  const ua = {
    keep: 'kept',
    reduce: 'reduced to the common form of the same browser and major version',
    replace: 'replaced with the uniform string every strict user sends',
    remove: 'removed',
  }[rules.userAgent];
  why.push(`User-Agent: ${ua}${by(labels.userAgent)}`);
  why.push(`Sec-CH-UA* client hints: ${c.stripClientHints ? 'removed' : 'kept'}${by(labels.removeClientHints)}`);
  if (referer) {
    why.push(`Referer: ${refererFor(rules.referer, referer, host).why}${by(labels.referer)}`);
  } else {
    why.push(`Referer: ${rules.referer}${by(labels.referer)}`);
  }
  const cookies = cookieAction(rules.cookies, party.thirdParty, allowedBy !== null);
  const cookieWords = {
    keep: 'kept',
    remove: 'removed (Cookie and Set-Cookie)',
    session: 'kept; Set-Cookie loses Expires/Max-Age (session only)',
  }[cookies];
  why.push(
    allowedBy
      ? `Cookies: ${cookieWords} — ${host} is on the cookie allow list (${allowedBy})`
      : `Cookies: ${cookieWords} (mode ${rules.cookies}, ${party.thirdParty ? 'third' : 'first'} party)${by(labels.cookies)}`,
  );
  why.push(`Sec-GPC: ${rules.sendGpc ? 'sent as 1' : 'not added'}${by(labels.sendGpc)}`);
  why.push(
    `Accept-Language: ${rules.acceptLanguage === null ? 'kept' : `set to ${rules.acceptLanguage}`}${by(labels.acceptLanguage)}`,
  );
  if (rules.removeHeaders.length) why.push(`${rules.removeHeaders.join(', ')}: removed${by(labels.removeHeaders)}`);
  why.push(
    `If-None-Match: ${rules.removeThirdPartyEtag && party.thirdParty ? 'removed (third party: ETag tracking)' : 'kept'}${by(labels.removeThirdPartyEtag)}`,
  );
  if (url.protocol === 'https:') {
    why.push(
      'HTTPS: through a plain CONNECT tunnel Veil sees only host and port; the headers inside TLS are not changed. ' +
        'The upstream route (IP masking) still applies.',
    );
  }
  return { profile, siteRule: c.source.siteRule, why };
}
