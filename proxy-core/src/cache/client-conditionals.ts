import { getHeader, type HeaderList } from '../proxy/header-list.js';
import { parseHttpDate } from './http-date.js';

/** The validators a client sent (If-None-Match, If-Modified-Since), read before Veil adds its own. */
export interface ClientConditionals {
  ifNoneMatch?: string;
  ifModifiedSince?: string;
}

export function readConditionals(headers: HeaderList): ClientConditionals {
  const out: ClientConditionals = {};
  const inm = getHeader(headers, 'if-none-match');
  const ims = getHeader(headers, 'if-modified-since');
  if (inm !== undefined) out.ifNoneMatch = inm;
  if (ims !== undefined) out.ifModifiedSince = ims;
  return out;
}

export function hasConditionals(c: ClientConditionals): boolean {
  return c.ifNoneMatch !== undefined || c.ifModifiedSince !== undefined;
}

/**
 * RFC 9110 §13.1.2–13.1.3 for GET/HEAD: true when the client's copy is current and a 304 answers it.
 * If-None-Match (weak comparison) takes precedence; If-Modified-Since counts only without it.
 */
export function notModified(c: ClientConditionals, served: HeaderList): boolean {
  if (c.ifNoneMatch !== undefined) {
    const etag = getHeader(served, 'etag');
    if (c.ifNoneMatch.trim() === '*') return etag !== undefined;
    if (etag === undefined) return false;
    const want = weak(etag);
    return c.ifNoneMatch.split(',').some((t) => weak(t) === want);
  }
  if (c.ifModifiedSince !== undefined) {
    // §13.1.3: an If-Modified-Since that is not a valid HTTP-date is ignored
    const since = parseHttpDate(c.ifModifiedSince);
    const modified = parseHttpDate(getHeader(served, 'last-modified'));
    return since !== null && modified !== null && modified <= since;
  }
  return false;
}

function weak(tag: string): string {
  return tag.trim().replace(/^W\//, '');
}
