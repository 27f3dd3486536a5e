import { createHmac, randomBytes } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import { type CompiledRules, compileRules } from '../privacy/compiled-rules.js';
import { rewriteRequestHeaders } from '../privacy/header-rewrite.js';
import type { ProfileRules } from '../privacy/header-rules.js';
import { addCidr } from '../proxy/access-control.js';
import type { ReceiptEntry } from '../proxy/exchange-record.js';
import { getHeaderAll, type HeaderList } from '../proxy/header-list.js';

export type VisitorAddressMode = 'anonymous' | 'pseudonymous' | 'forward';

/**
 * The reverse listener's request rules, as data for the privacy rule system: every forwarding
 * and client-address header that arrives from outside is removed, and nothing else is touched
 * (the backends are the operator's own: their cookies and User-Agent are theirs to see).
 */
export const REVERSE_REQUEST_RULES: ProfileRules = {
  removeForwardingHeaders: true,
  userAgent: 'keep',
  removeClientHints: false,
  referer: 'keep',
  cookies: 'allow',
  sendGpc: false,
  acceptLanguage: null,
  removeHeaders: [],
  removeThirdPartyEtag: false,
};

const RULE = 'reverse/visitor-address';

/**
 * What a backend learns about who is visiting. The headers a visitor sends about itself are
 * never believed; in `forward` mode, those from a trusted proxy in front of Veil are.
 */
export class VisitorAddress {
  private readonly rules: CompiledRules;
  private readonly trusted = new BlockList();
  private key = { day: -1, secret: Buffer.alloc(0) };

  constructor(
    private readonly mode: VisitorAddressMode,
    trustedProxies: readonly string[],
    private readonly now: () => number = Date.now,
  ) {
    this.rules = compileRules(
      REVERSE_REQUEST_RULES,
      { profileId: 'reverse', siteRule: null, overridden: new Set() },
      '',
      [],
    );
    for (const cidr of trustedProxies) addCidr(this.trusted, cidr);
  }

  /** Rewrites the headers about to reach a backend, in place; returns the receipt. */
  apply(headers: HeaderList, peer: string, proto: 'http' | 'https'): ReceiptEntry[] {
    // read before the rules remove it: a trusted proxy's chain is kept in forward mode
    const chain = this.mode === 'forward' && this.isTrusted(peer) ? getHeaderAll(headers, 'x-forwarded-for') : [];
    const receipt = rewriteRequestHeaders(
      this.rules,
      { targetHost: '', party: notAsked, cookieAllowedBy: null },
      headers,
    );
    for (const r of receipt) r.rule = RULE;
    const add = (name: string, value: string): void => {
      headers.push(name, value);
      receipt.push({ direction: 'request', action: 'added', header: name, newValue: value, rule: RULE });
    };
    if (this.mode === 'pseudonymous') {
      // RFC 7239 §6.3: an obfuscated identifier starts with "_"; it is the same visitor all day, not an address
      add('Forwarded', `for=_${this.pseudonym(peer)};proto=${proto}`);
    } else if (this.mode === 'forward') {
      add('X-Forwarded-For', [...chain, bare(peer)].join(', '));
    }
    add('X-Forwarded-Proto', proto);
    return receipt;
  }

  /** The visitor's pseudonym for today: a keyed hash, the key replaced each UTC day and never stored. */
  pseudonym(peer: string): string {
    const day = Math.floor(this.now() / 86_400_000);
    if (this.key.day !== day) this.key = { day, secret: randomBytes(32) };
    return createHmac('sha256', this.key.secret).update(bare(peer)).digest('hex').slice(0, 16);
  }

  private isTrusted(peer: string): boolean {
    const addr = bare(peer);
    const family = isIP(addr);
    if (family === 0) return false;
    return this.trusted.check(addr, family === 4 ? 'ipv4' : 'ipv6');
  }
}

function notAsked(): never {
  throw new Error('the reverse request rules never ask for the party');
}

/** An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) as the IPv4 address it is. */
export function bare(addr: string): string {
  return addr.startsWith('::ffff:') && isIP(addr.slice(7)) === 4 ? addr.slice(7) : addr;
}
