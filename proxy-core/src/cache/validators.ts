import { getHeader, type HeaderList } from '../proxy/header-list.js';
import { parseHttpDate } from './http-date.js';

/** RFC 9111 §4.3.1: the conditional fields that revalidate a stored response (its ETag, its Last-Modified). */
export function revalidationFields(stored: HeaderList): { ifNoneMatch?: string; ifModifiedSince?: string } {
  const out: { ifNoneMatch?: string; ifModifiedSince?: string } = {};
  const etag = getHeader(stored, 'etag');
  const modified = getHeader(stored, 'last-modified');
  if (etag !== undefined) out.ifNoneMatch = etag;
  if (modified !== undefined && parseHttpDate(modified) !== null) out.ifModifiedSince = modified;
  return out;
}

/**
 * RFC 9111 §4.3.4: true when a 304 selects the stored response: its entity-tag matches (weak
 * comparison, RFC 9110 §8.8.3.2), or, without one, its Last-Modified does. A 304 with no
 * validator at all answers the request Veil made from this very entry, so it selects it.
 */
export function notModifiedSelects(stored: HeaderList, notModified: HeaderList): boolean {
  const tag = getHeader(notModified, 'etag');
  if (tag !== undefined) {
    const storedTag = getHeader(stored, 'etag');
    return storedTag !== undefined && opaque(storedTag) === opaque(tag);
  }
  const modified = getHeader(notModified, 'last-modified');
  if (modified !== undefined) return getHeader(stored, 'last-modified') === modified;
  return true;
}

/**
 * RFC 9111 §4.3.5: true when a HEAD response describes the stored GET response — matching
 * validators, or neither has one and their Content-Length agrees.
 */
export function headDescribes(stored: HeaderList, head: HeaderList): boolean {
  const tag = getHeader(head, 'etag');
  const modified = getHeader(head, 'last-modified');
  if (tag !== undefined || modified !== undefined) {
    if (tag !== undefined && opaque(getHeader(stored, 'etag') ?? '') !== opaque(tag)) return false;
    if (modified !== undefined && getHeader(stored, 'last-modified') !== modified) return false;
    return true;
  }
  if (getHeader(stored, 'etag') !== undefined || getHeader(stored, 'last-modified') !== undefined) return false;
  const length = getHeader(head, 'content-length');
  return length !== undefined && length === getHeader(stored, 'content-length');
}

/** The opaque part of an entity-tag, for the weak comparison. */
function opaque(tag: string): string {
  return tag.trim().replace(/^W\//, '');
}
