import { patternToken, patternToRegExp } from './adblock-pattern.js';
import { hostMatches } from './host-name.js';
import { type HostKey, hostHash } from './host-table.js';
import type { MatchRequest } from './match-request.js';
import type { PatternRule } from './rule.js';

interface Compiled {
  rule: PatternRule;
  /** Null for a host rule with options (`||host^$third-party`): the host walk already matched. */
  re: RegExp | null;
  /** The host it is indexed by, for rules in `byHost`. */
  host?: string;
  /** The token it is indexed by, for rules in `byToken`. */
  token?: string;
}

const HOST_PREFIX = /^\|\|([a-z0-9_.-]+)(?=[/^:?*]|$)/i;

/**
 * URL patterns and optioned host rules, indexed so a lookup tests only the few that could match:
 * by anchored host (walked by label suffix), by a token the URL must contain, or else linearly.
 * The host index is keyed by the hash HostKey already holds for each suffix of the request
 * host, so the walk slices no strings and hashes nothing again.
 */
export class PatternSet {
  private readonly byHost = new Map<number, Compiled[]>();
  /** A bit per hash (mod 64k) in byHost and byToken: most suffixes and tokens skip the Map. */
  private readonly hostBits = new Int32Array(FILTER_WORDS);
  private readonly tokenBits = new Int32Array(FILTER_WORDS);
  /** Keyed by tokenHash(token): the URL scan hashes tokens as it reads them, slicing nothing. */
  private readonly byToken = new Map<number, Compiled[]>();
  private readonly generic: Compiled[] = [];
  size = 0;

  add(rule: PatternRule): void {
    this.size++;
    if (rule.host) {
      this.indexHost(rule.host, { rule, re: null, host: rule.host });
      return;
    }
    const c: Compiled = { rule, re: patternToRegExp(rule.pattern, rule.options.matchCase) };
    const anchored = HOST_PREFIX.exec(rule.pattern);
    if (anchored) {
      c.host = anchored[1]!.toLowerCase();
      this.indexHost(c.host, c);
      return;
    }
    const token = patternToken(rule.pattern);
    if (token) {
      c.token = token;
      const h = tokenHash(token, 0, token.length);
      push(this.byToken, h, c);
      setBit(this.tokenBits, h);
    } else {
      this.generic.push(c);
    }
  }

  /**
   * The first rule matching the request, or null; `key` is `req.host` encoded. Host-anchored
   * rules are tried from the whole host to its shortest suffix. Patterns with a path never
   * match CONNECT.
   */
  match(req: MatchRequest, key: HostKey): PatternRule | null {
    if (this.size === 0) return null;
    if (this.byHost.size > 0) {
      for (let k = key.suffixes - 1; k >= 0; k--) {
        const h = key.hashes[k]!;
        if (!hasBit(this.hostBits, h)) continue;
        const list = this.byHost.get(h);
        if (!list) continue;
        const start = key.starts[k]!;
        for (const c of list) if (key.suffixIs(start, c.host!) && test(c, req)) return c.rule;
      }
    }
    const url = req.url;
    if (url === null) return null;
    if (this.byToken.size > 0) {
      const found = this.matchTokens(req, url);
      if (found) return found;
    }
    for (const c of this.generic) if (test(c, req)) return c.rule;
    return null;
  }

  private indexHost(host: string, c: Compiled): void {
    const h = hostHash(host);
    push(this.byHost, h, c);
    setBit(this.hostBits, h);
  }

  /**
   * The first token-indexed rule matching, reading the URL's tokens (runs of letters, digits
   * and `%`, lower-cased) in order. A non-ASCII character (rare: URLs are percent-encoded) is
   * read on the Unicode lower-cased URL instead, as the tokens were written.
   */
  private matchTokens(req: MatchRequest, url: string): PatternRule | null {
    let start = -1;
    let h = 0;
    for (let i = 0; i <= url.length; i++) {
      let c = i < url.length ? url.charCodeAt(i) : 0;
      if (c >= 65 && c <= 90) c += 32;
      else if (c > 127 && url === req.url) return this.matchTokens(req, req.urlLower!);
      if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 37) {
        if (start < 0) {
          start = i;
          h = TOKEN_SEED;
        }
        h = Math.imul(h ^ c, TOKEN_PRIME);
      } else if (start >= 0) {
        const list = hasBit(this.tokenBits, h) ? this.byToken.get(h) : undefined;
        if (list) {
          for (const r of list) if (sameToken(url, start, i, r.token!) && test(r, req)) return r.rule;
        }
        start = -1;
      }
    }
    return null;
  }
}

/** 64k bits (8 KB): a few thousand hosts or tokens leave most bits clear, and it stays cached. */
const FILTER_WORDS = 2048;

function filterBit(h: number): number {
  return Math.imul(h, 0x9e3779b1) >>> 16;
}

function setBit(bits: Int32Array, h: number): void {
  const b = filterBit(h);
  bits[b >>> 5]! |= 1 << (b & 31);
}

function hasBit(bits: Int32Array, h: number): boolean {
  const b = filterBit(h);
  return (bits[b >>> 5]! & (1 << (b & 31))) !== 0;
}

const TOKEN_SEED = 0x811c9dc5 | 0;
const TOKEN_PRIME = 16777619;

/** FNV-1a of `s[start, end)`, ASCII lower-cased. */
function tokenHash(s: string, start: number, end: number): number {
  let h = TOKEN_SEED;
  for (let i = start; i < end; i++) {
    let c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    h = Math.imul(h ^ c, TOKEN_PRIME);
  }
  return h;
}

/** Whether `url[start, end)`, ASCII lower-cased, is `token`. */
function sameToken(url: string, start: number, end: number, token: string): boolean {
  if (end - start !== token.length) return false;
  for (let i = 0; i < token.length; i++) {
    let c = url.charCodeAt(start + i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== token.charCodeAt(i)) return false;
  }
  return true;
}

function push<K>(map: Map<K, Compiled[]>, key: K, c: Compiled): void {
  const list = map.get(key);
  if (list) list.push(c);
  else map.set(key, [c]);
}

function test(c: Compiled, req: MatchRequest): boolean {
  if (c.re !== null && (req.url === null || !c.re.test(req.url))) return false;
  const o = c.rule.options;
  if (o.thirdParty !== undefined && req.thirdParty !== o.thirdParty) return false;
  if (o.domains || o.notDomains) {
    const page = req.pageHost;
    if (page === null) return !o.domains;
    if (o.notDomains?.some((d) => hostMatches(page, d))) return false;
    if (o.domains && !o.domains.some((d) => hostMatches(page, d))) return false;
  }
  return true;
}
