import type { HeaderList } from '../proxy/header-list.js';
import { sha256 } from './entry-file.js';
import { selectingValue } from './vary-normalise.js';

/** Request headers by lower-case name, repeated field lines joined with ", " (RFC 9110 §5.3). */
export type RequestView = Record<string, string>;

// Credentials only matter to the cache as "same or not": it keeps a digest, never the value.
const SECRET_FIELDS = ['authorization', 'cookie'];

/** The forwarded request headers as the cache compares them: lower-case, credentials digested. */
export function requestView(forwarded: HeaderList): RequestView {
  const view: RequestView = {};
  for (let i = 0; i < forwarded.length; i += 2) {
    const name = forwarded[i]!.toLowerCase();
    const value = forwarded[i + 1]!;
    view[name] = name in view ? `${view[name]}, ${value}` : value;
  }
  for (const name of SECRET_FIELDS) {
    const value = view[name];
    if (value !== undefined) view[name] = `sha256:${sha256(value)}`;
  }
  return view;
}

/** The lower-case field names of a Vary header ([] when absent). */
export function varyNames(vary: string | undefined): string[] {
  if (!vary) return [];
  return vary
    .split(',')
    .map((n) => n.trim().toLowerCase())
    .filter((n) => n.length > 0);
}

/**
 * The store key of a variant: the URL plus the selecting request fields' values, normalised the
 * way RFC 9111 §4.1 allows, so equivalent requests share one entry.
 */
export function varyKey(url: string, vary: string[], view: RequestView): string {
  if (vary.length === 0) return url;
  return `${url}\n${vary.join(',')}\n${JSON.stringify(vary.map((n) => selectingValue(n, view[n])))}`;
}
