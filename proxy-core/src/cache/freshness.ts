import { getHeader, getHeaderAll, type HeaderList } from '../proxy/header-list.js';
import { type Directives, deltaSeconds } from './cache-directives.js';
import { parseHttpDate } from './http-date.js';

/** RFC 9110 §15.1: the status codes a cache may give a heuristic lifetime. */
export const HEURISTICALLY_CACHEABLE = new Set([200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501]);

// RFC 9111 §4.2.2: "a typical setting of this fraction might be 10%"
const HEURISTIC_FRACTION = 0.1;

/** What the freshness of a stored response depends on, read once from its headers. */
export interface FreshnessFacts {
  /** RFC 9111 §4.2.1 freshness_lifetime in seconds. */
  lifetime: number;
  /** The lifetime came from §4.2.2 heuristics, not from the origin. */
  heuristic: boolean;
  /** §4.2.3 corrected_initial_age in seconds. */
  initialAge: number;
}

/**
 * RFC 9111 §4.2.1 and §4.2.3 for a shared cache: the lifetime (s-maxage, max-age, Expires − Date,
 * then the heuristic) and the age the response already had when it arrived. `requestTime` and
 * `responseTime` are epoch ms of when Veil sent the request and received the response.
 */
export function freshnessOf(
  status: number,
  headers: HeaderList,
  cc: Directives,
  requestTime: number,
  responseTime: number,
): FreshnessFacts {
  const date = parseHttpDate(getHeader(headers, 'date')) ?? responseTime;
  const initialAge = correctedInitialAge(headers, date, requestTime, responseTime);
  const explicit = explicitLifetime(headers, cc, date);
  if (explicit !== null) return { lifetime: explicit, heuristic: false, initialAge };
  if (!HEURISTICALLY_CACHEABLE.has(status) && !cc.has('public')) return { lifetime: 0, heuristic: false, initialAge };
  const modified = parseHttpDate(getHeader(headers, 'last-modified'));
  if (modified === null) return { lifetime: 0, heuristic: true, initialAge };
  return { lifetime: Math.max(0, ((date - modified) / 1000) * HEURISTIC_FRACTION), heuristic: true, initialAge };
}

/** True when the response says how long it stays fresh (s-maxage, max-age or Expires, even an invalid one). */
export function hasExplicitLifetime(headers: HeaderList, cc: Directives): boolean {
  return cc.has('s-maxage') || cc.has('max-age') || getHeader(headers, 'expires') !== undefined;
}

function explicitLifetime(headers: HeaderList, cc: Directives, date: number): number | null {
  // a directive present with a malformed argument makes the response stale rather than heuristic
  if (cc.has('s-maxage')) return deltaSeconds(cc.get('s-maxage')) ?? 0;
  if (cc.has('max-age')) return deltaSeconds(cc.get('max-age')) ?? 0;
  const expires = getHeaderAll(headers, 'expires');
  if (expires.length === 0) return null;
  // §5.3: an invalid Expires (`0` among them) means already expired; two differing ones too
  const at = parseHttpDate(expires[0]);
  if (at === null || expires.some((e) => e !== expires[0])) return 0;
  return Math.max(0, (at - date) / 1000);
}

/**
 * §4.2.3: age_value (an Age that is not a non-negative integer is ignored, §5.1), the apparent
 * age from Date, and the time the response spent on the way, in seconds.
 */
function correctedInitialAge(headers: HeaderList, date: number, requestTime: number, responseTime: number): number {
  const ages = getHeaderAll(headers, 'age');
  const ageValue = ages.length === 1 ? (deltaSeconds(ages[0]!.trim()) ?? 0) : 0;
  // Date has whole seconds: the milliseconds past it are no age, only the header's resolution
  const apparentAge = Math.max(0, Math.floor((responseTime - date) / 1000));
  const responseDelay = Math.max(0, (responseTime - requestTime) / 1000);
  return Math.max(apparentAge, ageValue + responseDelay);
}
