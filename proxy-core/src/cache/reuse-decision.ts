import { getHeader, type HeaderList } from '../proxy/header-list.js';
import { cacheControl, deltaSeconds } from './cache-directives.js';

/** The request's Cache-Control directives a reuse decision reads (RFC 9111 §5.2.1). */
export interface RequestDirectives {
  noCache: boolean;
  noStore: boolean;
  onlyIfCached: boolean;
  maxAge: number | null;
  /** Staleness the client accepts in seconds; Infinity for `max-stale` without an argument. */
  maxStale: number | null;
  minFresh: number | null;
}

/** Reads the request directives; `Pragma: no-cache` counts only without Cache-Control (§5.4). */
export function requestDirectives(headers: HeaderList): RequestDirectives {
  const cc = cacheControl(headers);
  const pragma =
    getHeader(headers, 'cache-control') === undefined &&
    /(^|,)\s*no-cache\s*(,|$)/i.test(getHeader(headers, 'pragma') ?? '');
  const maxStale = cc.get('max-stale');
  return {
    noCache: cc.has('no-cache') || pragma,
    noStore: cc.has('no-store'),
    onlyIfCached: cc.has('only-if-cached'),
    maxAge: cc.has('max-age') ? (deltaSeconds(cc.get('max-age')) ?? 0) : null,
    maxStale:
      maxStale === undefined ? null : maxStale === true ? Number.POSITIVE_INFINITY : (deltaSeconds(maxStale) ?? 0),
    minFresh: cc.has('min-fresh') ? (deltaSeconds(cc.get('min-fresh')) ?? 0) : null,
  };
}

/** A request that can use a stored response without asking the origin (and a collapsed miss's result). */
export function acceptsStored(r: RequestDirectives): boolean {
  return !r.noCache && !r.noStore && r.maxAge !== 0;
}

/** What a stored response's own directives allow, as the decision reads them. */
export interface StoredRules {
  lifetime: number;
  /** Unqualified `no-cache`: every use is revalidated (§5.2.2.4). */
  noCache: boolean;
  /** must-revalidate, proxy-revalidate or s-maxage: never served stale (§5.2.2.2, §5.2.2.8, §5.2.2.10). */
  mustRevalidate: boolean;
  /** RFC 5861 stale-while-revalidate window in seconds (0 without). */
  staleWhileRevalidate: number;
}

/**
 * How a stored response may answer this request at `age` seconds (RFC 9111 §4, §4.2.4, §5.2.1):
 * `fresh`, `stale` (the client accepts it with max-stale), `background` (stale within
 * stale-while-revalidate: serve it and revalidate once in the background), or `revalidate`.
 */
export type Reuse = 'fresh' | 'stale' | 'background' | 'revalidate';

export function reuse(rules: StoredRules, age: number, req: RequestDirectives): Reuse {
  if (req.noCache || rules.noCache) return 'revalidate';
  if (req.maxAge !== null && age > req.maxAge) return 'revalidate';
  if (req.minFresh !== null && rules.lifetime - age < req.minFresh) return 'revalidate';
  if (rules.lifetime > age) return 'fresh';
  if (rules.mustRevalidate) return 'revalidate';
  const staleness = age - rules.lifetime;
  if (req.maxStale !== null && staleness <= req.maxStale) return 'stale';
  if (rules.staleWhileRevalidate > 0 && staleness <= rules.staleWhileRevalidate) return 'background';
  return 'revalidate';
}
