import { getDomain } from 'tldts';
import type { RequestFacts } from '../proxy/exchange-policy.js';
import { getHeader, type HeaderList } from '../proxy/header-list.js';
import { normalizeRequestHost } from './host-name.js';

/**
 * What a blocklist looks at in a request. Nothing is worked out up front: host rules read the
 * raw host (the matcher encodes and normalises it as bytes), and most lists are only host rules.
 * The normalised host string, the page, the third-party flag and the lower-cased URL cost
 * string copies, a URL parse and public-suffix lookups, so each is worked out the first time a
 * pattern rule or an explanation asks, and kept.
 */
export class MatchRequest {
  private normalHost: string | undefined;
  private lowerUrl: string | null | undefined;
  private page: string | null | undefined;
  private third: boolean | null | undefined;

  constructor(
    /** The host as the engine has it (any case, maybe a trailing dot or IPv6 brackets). */
    readonly rawHost: string,
    /** The full URL for plain HTTP; null for CONNECT, where only the host is known. */
    readonly url: string | null,
    /** The request headers (for Referer, Origin and Sec-Fetch-Site), or null to use the two below. */
    private readonly headers: HeaderList | null,
    private readonly referer: string | null = null,
    private readonly secFetchSite: string | null = null,
  ) {}

  /** Lower-case host without a trailing dot or IPv6 brackets. */
  get host(): string {
    if (this.normalHost === undefined) this.normalHost = normalizeRequestHost(this.rawHost);
    return this.normalHost;
  }

  /** `url` lower-cased (for tokens); null with it. */
  get urlLower(): string | null {
    if (this.lowerUrl === undefined) this.lowerUrl = this.url === null ? null : this.url.toLowerCase();
    return this.lowerUrl;
  }

  /** The page's host (from Referer or Origin), when known. */
  get pageHost(): string | null {
    if (this.page === undefined) {
      const referer = this.headers
        ? (getHeader(this.headers, 'referer') ?? getHeader(this.headers, 'origin') ?? null)
        : this.referer;
      this.page = referer ? hostOf(referer) : null;
    }
    return this.page;
  }

  /**
   * Whether the request goes to another site than the page; null when Veil cannot know (CONNECT).
   * A plain HTTP request with neither Referer nor Sec-Fetch-Site is a navigation: first-party.
   */
  get thirdParty(): boolean | null {
    if (this.third === undefined) this.third = this.url === null ? null : this.isThirdParty();
    return this.third;
  }

  private isThirdParty(): boolean {
    const site = this.headers ? (getHeader(this.headers, 'sec-fetch-site') ?? null) : this.secFetchSite;
    if (site === 'cross-site') return true;
    if (site === 'same-site' || site === 'same-origin' || site === 'none') return false;
    const page = this.pageHost;
    return page ? siteOf(page) !== siteOf(this.host) : false;
  }
}

/** Builds the matcher's view of a request the engine is handling (reads nothing but the host yet). */
export function matchRequestFromFacts(facts: RequestFacts): MatchRequest {
  if (facts.kind === 'connect') return new MatchRequest(facts.host, null, null);
  return new MatchRequest(facts.host, facts.url.href, facts.headers);
}

/** Builds the view from a host, a URL (null: CONNECT), the page URL and Sec-Fetch-Site. */
export function matchRequestFor(
  host: string,
  url: string | null,
  referer: string | null,
  secFetchSite: string | null,
): MatchRequest {
  return new MatchRequest(host, url, null, referer, secFetchSite);
}

/**
 * Page hosts and sites repeat from request to request (a page loads many resources), and a URL
 * parse (~0.7 µs here) and a public-suffix lookup (~0.4 µs) cost more than a whole host-rule
 * decision, so both are remembered, a bounded number at a time.
 */
const CACHE_MAX = 1024;
const pageHosts = new Map<string, string | null>();
const sites = new Map<string, string>();

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(key, value);
  return value;
}

/** An http(s) URL's scheme and authority, when they end cleanly (else the whole URL is parsed). */
const ORIGIN = /^https?:\/\/[^/\\?#\s]*(?=[/\\?#]|$)/i;

/** The host of the page URL in a Referer or Origin, lower-case; null when it has none. */
function hostOf(url: string): string | null {
  const origin = ORIGIN.exec(url)?.[0] ?? url;
  const known = pageHosts.get(origin);
  if (known !== undefined) return known;
  let host: string | null;
  try {
    host = new URL(origin).hostname.toLowerCase() || null;
  } catch {
    host = null;
  }
  return remember(pageHosts, origin, host);
}

function siteOf(host: string): string {
  return sites.get(host) ?? remember(sites, host, getDomain(host) ?? host);
}
