import { getDomain } from 'tldts';
import { getHeader, type HeaderList } from '../proxy/header-list.js';
import { normalizeHost } from './host-pattern.js';

// Registrable domains repeat endlessly on the hot path; a bounded memo avoids re-walking the PSL.
const memo = new Map<string, string>();
const MEMO_MAX = 20_000;

/**
 * The site of a host: its registrable domain by the Public Suffix List (private section
 * included, as browsers do: a.github.io and b.github.io are different sites). IP addresses
 * and single-label names are their own site.
 */
export function siteOf(host: string): string {
  const h = normalizeHost(host);
  let site = memo.get(h);
  if (site === undefined) {
    site = getDomain(h, { allowPrivateDomains: true }) ?? h;
    if (memo.size >= MEMO_MAX) memo.clear();
    memo.set(h, site);
  }
  return site;
}

/** Whether a request is first- or third-party, and why (for receipts and `explain`). */
export interface Party {
  thirdParty: boolean;
  /** The initiating site (from Origin or Referer), or null when the request carries none. */
  initiator: string | null;
  reason: string;
}

/**
 * Decides first or third party: the target's site against the site of the Origin header,
 * else the Referer. With neither, `Sec-Fetch-Site: cross-site` still marks it third party;
 * otherwise it is a first-party navigation. An opaque `Origin: null` counts as third party.
 */
export function partyOf(targetHost: string, headers: HeaderList): Party {
  const target = siteOf(targetHost);
  const origin = getHeader(headers, 'origin');
  if (origin !== undefined) {
    if (origin.trim() === 'null') return { thirdParty: true, initiator: null, reason: 'opaque origin (Origin: null)' };
    const site = hostSite(origin);
    if (site !== null) return compare(target, site, 'Origin');
  }
  const referer = getHeader(headers, 'referer');
  if (referer !== undefined) {
    const site = hostSite(referer);
    if (site !== null) return compare(target, site, 'Referer');
  }
  const fetchSite = getHeader(headers, 'sec-fetch-site');
  if (fetchSite?.toLowerCase() === 'cross-site') {
    return { thirdParty: true, initiator: null, reason: 'Sec-Fetch-Site: cross-site' };
  }
  return { thirdParty: false, initiator: null, reason: 'no Origin or Referer (a direct navigation)' };
}

function compare(target: string, initiator: string, source: string): Party {
  return target === initiator
    ? { thirdParty: false, initiator, reason: `${source} site ${initiator} is the target's site` }
    : { thirdParty: true, initiator, reason: `${source} site ${initiator} is not ${target}` };
}

/** The site of an absolute URL's host, or null when it is not a URL with a host. */
export function hostSite(url: string): string | null {
  const host = urlHost(url);
  return host ? siteOf(host) : null;
}

// scheme://[userinfo@]host[:port] — parsed by hand: a full WHATWG URL parse per header costs more than the rest of the policy
const AUTHORITY = /^([a-z][a-z0-9+.-]*):\/\/(?:[^@/?#]*@)?(\[[^\]/?#]*\]|[^:/?#]*)(?::(\d*))?(?:[/?#]|$)/i;

/** Scheme, host (lower-case, IPv6 without brackets) and port of an absolute URL, or null. */
export function splitUrl(url: string): { scheme: string; host: string; port: string } | null {
  const m = AUTHORITY.exec(url);
  if (!m?.[2]) return null;
  return { scheme: m[1]!.toLowerCase(), host: normalizeHost(m[2]), port: m[3] ?? '' };
}

/** The host of an absolute URL, or null. */
export function urlHost(url: string): string | null {
  return splitUrl(url)?.host ?? null;
}
