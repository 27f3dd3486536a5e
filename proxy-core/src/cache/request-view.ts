import type CachePolicy from 'http-cache-semantics';
import type { HeaderList } from '../proxy/header-list.js';
import { type PolicyHeaders, policyHeaders } from './cache-policy.js';
import { sha256 } from './entry-file.js';

// Credentials only matter to the cache as "same or not": it keeps a digest, never the value.
const SECRET_FIELDS = ['authorization', 'cookie'];

// What the library reads from a stored request besides the Vary fields.
const POLICY_FIELDS = ['host', 'cache-control', 'pragma', 'authorization'];

/** The forwarded request headers as the cache compares them: lower-case, credentials digested. */
export function requestView(forwarded: HeaderList): PolicyHeaders {
  const view = policyHeaders(forwarded);
  for (const name of SECRET_FIELDS) {
    const value = view[name];
    if (value !== undefined) view[name] = `sha256:${sha256(value)}`;
  }
  return view;
}

/**
 * The request as the library sees it. With `vary`, only the fields the stored policy needs are
 * kept, so a stored entry never holds the rest of a client's request headers.
 */
export function policyRequest(url: string, view: PolicyHeaders, vary?: string[]): CachePolicy.Request {
  if (!vary) return { url, method: 'GET', headers: view };
  const headers: PolicyHeaders = {};
  for (const name of [...POLICY_FIELDS, ...vary]) {
    const value = view[name];
    if (value !== undefined) headers[name] = value;
  }
  return { url, method: 'GET', headers };
}

/** The lower-case field names of a Vary header ([] when absent). */
export function varyNames(vary: string | undefined): string[] {
  if (!vary) return [];
  return vary
    .split(',')
    .map((n) => n.trim().toLowerCase())
    .filter((n) => n.length > 0);
}

/** The store key of a variant: the URL plus the values of the selecting request fields. */
export function varyKey(url: string, vary: string[], view: PolicyHeaders): string {
  if (vary.length === 0) return url;
  return `${url}\n${vary.join(',')}\n${JSON.stringify(vary.map((n) => view[n] ?? null))}`;
}
