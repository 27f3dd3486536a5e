import { getHeader, type HeaderList, setHeader } from '../proxy/header-list.js';
import { parseContentRange } from './byte-ranges.js';
import { cacheControl, fieldNames } from './cache-directives.js';
import type { ClientConditionals } from './client-conditionals.js';
import { freshnessOf, HEURISTICALLY_CACHEABLE, hasExplicitLifetime } from './freshness.js';
import { withoutFields } from './header-update.js';
import { formatHttpDate } from './http-date.js';
import { type RequestView, varyKey, varyNames } from './request-view.js';
import type { StoredEntry } from './stored-entry.js';

/** What a lookup knows about the request. */
export interface Lookup {
  url: string;
  view: RequestView;
  conditionals: ClientConditionals;
  authorized: boolean;
  /** The request said no-store (RFC 9111 §5.2.1.5): its response is not stored. */
  noStore?: boolean;
}

/** Why a response may be stored: the request fields it varies on and the headers to keep. */
export interface StoreVerdict {
  vary: string[];
  /** The headers to store: without private="…" fields, with a Date when the origin sent none. */
  headers: HeaderList;
  /** A 206: where its bytes sit in the whole representation. */
  span?: { start: number; total: number };
}

/** The cache settings the decision depends on. */
export interface StoreLimits {
  maxEntryBytes: number;
  /** Veil listens beyond loopback: several clients share the cache. */
  exposed: boolean;
  /** Never store an answer that sets a cookie, even a `public` one (a reverse proxy's visitors). */
  neverCookies?: boolean;
}

/**
 * Status codes whose caching rules Veil implements, for `must-understand` (RFC 9111 §5.2.2.3):
 * the heuristically cacheable ones and the redirects.
 */
const UNDERSTOOD = new Set([...HEURISTICALLY_CACHEABLE, 302, 303, 307]);

/**
 * RFC 9111 §3 for a shared cache: whether a response to a GET may be stored, and in what form.
 * Any final status with explicit freshness qualifies (§3 bullet 6); without it, only the
 * heuristically cacheable codes (RFC 9110 §15.1) and `public`. Null when it may not be stored.
 */
export function storable(
  q: Lookup,
  status: number,
  headers: HeaderList,
  limits: StoreLimits,
  responseTime: number,
): StoreVerdict | null {
  // 1xx never reach here (the engine relays them); a 304 only ever updates an entry
  if (status < 200 || status === 304) return null;
  const cc = cacheControl(headers);
  if (cc.has('must-understand')) {
    // §5.2.2.3: a status Veil does not understand is not stored; one it does overrides no-store
    if (!UNDERSTOOD.has(status)) return null;
  } else if (cc.has('no-store')) return null;
  // §5.2.2.7: a shared cache never stores private; private="f" only withholds the fields
  const privateFields = fieldNames(cc.get('private'));
  if (cc.has('private') && privateFields === null) return null;
  // §3.5: a response to an authenticated request only when the origin says it may be shared
  if (q.authorized && !cc.has('public') && !cc.has('s-maxage') && !cc.has('must-revalidate')) return null;
  // inside an inspected HTTPS tunnel Veil sees what only the user was meant to: an answer to
  // a signed-in request or one marked private (even private="f") is never kept
  if (q.url.startsWith('https:') && (q.authorized || cc.has('private'))) return null;
  const explicit = hasExplicitLifetime(headers, cc) || cc.has('public');
  if (!explicit && !HEURISTICALLY_CACHEABLE.has(status)) return null;
  const vary = varyNames(joined(headers, 'vary'));
  if (vary.includes('*')) return null;
  const length = Number(getHeader(headers, 'content-length'));
  if (Number.isFinite(length) && length > limits.maxEntryBytes) return null;
  let span: StoreVerdict['span'];
  if (status === 206) {
    // §3.3: only a single range of a representation whose length is known can be used again
    const range = parseContentRange(getHeader(headers, 'content-range'));
    if (!range || range.total === null) return null;
    span = { start: range.start, total: range.total };
  }
  const kept = withoutFields(headers, privateFields ?? []).slice();
  // judged on what is kept: private="Set-Cookie" leaves no cookie to leak
  if (!mayStoreCookies(kept, limits.exposed, limits.neverCookies)) return null;
  // RFC 9110 §6.6.1: a cache records when a response without Date arrived
  if (getHeader(kept, 'date') === undefined) {
    setHeader(kept, 'Date', formatHttpDate(responseTime));
  }
  const validator = getHeader(headers, 'etag') !== undefined || getHeader(headers, 'last-modified') !== undefined;
  // an entry that is never fresh, never servable stale and has no validator could never be used
  if (!validator && !cc.has('stale-while-revalidate')) {
    const { lifetime } = freshnessOf(status, kept, cc, responseTime, responseTime);
    if (lifetime <= 0) return null;
  }
  return span ? { vary, headers: kept, span } : { vary, headers: kept };
}

/** Beyond loopback, one client's cookie must never reach another: Set-Cookie is kept only when public. */
export function mayStoreCookies(headers: HeaderList, exposed: boolean, never = false): boolean {
  if (getHeader(headers, 'set-cookie') === undefined) return true;
  if (never) return false;
  if (!exposed) return true;
  return cacheControl(headers).has('public');
}

/** The stored form of a response the verdict allowed. */
export function makeEntry(
  q: Lookup,
  status: number,
  statusMessage: string,
  verdict: StoreVerdict,
  bodyLength: number,
  requestTime: number,
  responseTime: number,
): StoredEntry {
  const entry: StoredEntry = {
    key: varyKey(q.url, verdict.vary, q.view),
    url: q.url,
    host: new URL(q.url).hostname.toLowerCase(),
    vary: verdict.vary,
    status,
    statusMessage,
    headers: verdict.headers,
    requestTime,
    responseTime,
    bodyLength,
    storedAt: responseTime,
  };
  if (verdict.span) entry.span = verdict.span;
  return entry;
}

function joined(headers: HeaderList, lower: string): string | undefined {
  const values: string[] = [];
  for (let i = 0; i < headers.length; i += 2) if (headers[i]!.toLowerCase() === lower) values.push(headers[i + 1]!);
  return values.length > 0 ? values.join(', ') : undefined;
}
