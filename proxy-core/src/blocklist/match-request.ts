import { getDomain } from 'tldts';
import type { RequestFacts } from '../proxy/exchange-policy.js';
import { getHeader } from '../proxy/header-list.js';

/** What a blocklist looks at in a request. */
export interface MatchRequest {
  /** Lower-case host without a trailing dot. */
  host: string;
  /** The full URL for plain HTTP; null for CONNECT, where only the host is known. */
  url: string | null;
  /** `url` lower-cased (for tokens); null with it. */
  urlLower: string | null;
  /** The page's host (from Referer or Origin), when known. */
  pageHost: string | null;
  /** Whether the request goes to another site than the page; null when Veil cannot know (CONNECT). */
  thirdParty: boolean | null;
}

/** Builds the matcher's view of a request the engine is handling. */
export function matchRequestFromFacts(facts: RequestFacts): MatchRequest {
  if (facts.kind === 'connect') return matchRequestFor(facts.host, null, null, null);
  const referer = getHeader(facts.headers, 'referer') ?? getHeader(facts.headers, 'origin') ?? null;
  const site = getHeader(facts.headers, 'sec-fetch-site') ?? null;
  return matchRequestFor(facts.host, facts.url.href, referer, site);
}

/**
 * Builds the view from a host, a URL (null: CONNECT), the page URL and Sec-Fetch-Site.
 * A plain HTTP request with neither Referer nor Sec-Fetch-Site is a navigation: first-party.
 */
export function matchRequestFor(
  hostRaw: string,
  url: string | null,
  referer: string | null,
  secFetchSite: string | null,
): MatchRequest {
  let host = hostRaw.toLowerCase();
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host.startsWith('[')) host = host.slice(1, -1);
  let pageHost: string | null = null;
  if (referer) {
    try {
      pageHost = new URL(referer).hostname.toLowerCase() || null;
    } catch {
      pageHost = null;
    }
  }
  let thirdParty: boolean | null = null;
  if (url !== null) {
    if (secFetchSite === 'cross-site') thirdParty = true;
    else if (secFetchSite === 'same-site' || secFetchSite === 'same-origin' || secFetchSite === 'none')
      thirdParty = false;
    else if (pageHost) thirdParty = siteOf(pageHost) !== siteOf(host);
    else thirdParty = false;
  }
  return { host, url, urlLower: url === null ? null : url.toLowerCase(), pageHost, thirdParty };
}

function siteOf(host: string): string {
  return getDomain(host) ?? host;
}
