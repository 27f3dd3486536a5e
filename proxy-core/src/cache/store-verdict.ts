import type CachePolicy from 'http-cache-semantics';
import { getHeader, type HeaderList } from '../proxy/header-list.js';
import { cacheControl, POLICY_OPTIONS, type PolicyClass, type PolicyHeaders, policyHeaders } from './cache-policy.js';
import type { ClientConditionals } from './client-conditionals.js';
import { policyRequest, varyKey, varyNames } from './request-view.js';
import type { StoredEntry } from './stored-entry.js';

/** What a lookup knows about the request. */
export interface Lookup {
  url: string;
  view: PolicyHeaders;
  conditionals: ClientConditionals;
  authorized: boolean;
}

/** Why a response may be stored: its policy and the request headers it varies on. */
export interface StoreVerdict {
  policy: CachePolicy;
  vary: string[];
}

/** The cache settings the decision depends on. */
export interface StoreLimits {
  Policy: PolicyClass;
  maxEntryBytes: number;
  /** Veil listens beyond loopback: several clients share the cache. */
  exposed: boolean;
}

/** The policy and Vary names when a response may be stored; null when it may not. */
export function storable(q: Lookup, status: number, headers: HeaderList, limits: StoreLimits): StoreVerdict | null {
  const resHeaders = policyHeaders(headers);
  // no freshness and no validator: never usable, whatever the rest says (the check below would
  // reach the same null after building a CachePolicy, which costs on every uncacheable response)
  if (
    resHeaders['cache-control'] === undefined &&
    resHeaders.expires === undefined &&
    resHeaders.etag === undefined &&
    resHeaders['last-modified'] === undefined
  )
    return null;
  // inside an inspected HTTPS tunnel Veil sees what only the user was meant to: an answer to
  // a signed-in request or one marked private is never kept, whatever else its headers allow
  if (q.url.startsWith('https:') && (q.authorized || cacheControl(headers).has('private'))) return null;
  const vary = varyNames(resHeaders.vary);
  if (vary.includes('*')) return null;
  const policy = new limits.Policy(policyRequest(q.url, q.view, vary), { status, headers: resHeaders }, POLICY_OPTIONS);
  if (!policy.storable()) return null;
  if (!mayStoreCookies(headers, limits.exposed)) return null;
  const length = Number(resHeaders['content-length']);
  if (Number.isFinite(length) && length > limits.maxEntryBytes) return null;
  // an entry that is never fresh and has no validator could never be used
  if (policy.timeToLive() <= 0 && !resHeaders.etag && !resHeaders['last-modified']) return null;
  return { policy, vary };
}

/** Beyond loopback, one client's cookie must never reach another: Set-Cookie is kept only when public. */
export function mayStoreCookies(headers: HeaderList, exposed: boolean): boolean {
  if (!exposed || getHeader(headers, 'set-cookie') === undefined) return true;
  return cacheControl(headers).has('public');
}

/** The stored form of a response the verdict allowed. */
export function makeEntry(
  q: Lookup,
  status: number,
  statusMessage: string,
  headers: HeaderList,
  verdict: StoreVerdict,
  bodyLength: number,
  storedAt: number,
): StoredEntry {
  return {
    key: varyKey(q.url, verdict.vary, q.view),
    url: q.url,
    host: new URL(q.url).hostname.toLowerCase(),
    vary: verdict.vary,
    status,
    statusMessage,
    headers: headers.slice(),
    policy: verdict.policy.toObject(),
    bodyLength,
    storedAt,
  };
}
