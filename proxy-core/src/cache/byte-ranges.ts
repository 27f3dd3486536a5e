import { getHeader, type HeaderList } from '../proxy/header-list.js';
import { parseHttpDate } from './http-date.js';

/** One byte range of a representation, inclusive at both ends (RFC 9110 §14.1.1). */
export interface ByteSpan {
  start: number;
  end: number;
}

/**
 * RFC 9110 §14.2 Range against a representation of `length` bytes: one span, `unsatisfiable`
 * (416), or `ignore` when the cache answers the whole representation instead — a header it does
 * not parse, another unit, or several ranges (a server MAY ignore Range, §14.2).
 */
export function resolveRange(value: string, length: number): ByteSpan | 'unsatisfiable' | 'ignore' {
  const m = /^bytes=([^,]*)$/i.exec(value.trim());
  if (!m) return 'ignore';
  const spec = /^\s*(\d*)-(\d*)\s*$/.exec(m[1]!);
  if (!spec || (spec[1] === '' && spec[2] === '')) return 'ignore';
  if (spec[1] === '') {
    // suffix-range: the last N bytes; a zero-length suffix selects nothing
    const suffix = Number(spec[2]);
    if (suffix === 0 || length === 0) return 'unsatisfiable';
    return { start: Math.max(0, length - suffix), end: length - 1 };
  }
  const start = Number(spec[1]);
  const last = spec[2] === '' ? Number.POSITIVE_INFINITY : Number(spec[2]);
  // first > last is an invalid range-spec, which makes the whole header ignorable (§14.1.1)
  if (last < start) return 'ignore';
  if (start >= length) return 'unsatisfiable';
  return { start, end: Math.min(last, length - 1) };
}

/** A `Content-Range: bytes a-b/total` of a 206 (total null for `*`); null for anything else. */
export function parseContentRange(
  value: string | undefined,
): { start: number; end: number; total: number | null } | null {
  if (value === undefined) return null;
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/i.exec(value.trim());
  if (!m) return null;
  const start = Number(m[1]);
  const end = Number(m[2]);
  const total = m[3] === '*' ? null : Number(m[3]);
  if (end < start || (total !== null && end >= total)) return null;
  return { start, end, total };
}

/**
 * RFC 9110 §13.1.5 If-Range against the stored response's headers: true when the range may be
 * answered (no If-Range, a strong entity-tag match, or the exact Last-Modified date of a strong
 * validator), false when the whole representation must be sent instead.
 */
export function ifRangeHolds(ifRange: string | undefined, stored: HeaderList): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) {
    const etag = getHeader(stored, 'etag')?.trim();
    // strong comparison (§8.8.3.2): weak tags never match
    return etag !== undefined && !value.startsWith('W/') && !etag.startsWith('W/') && etag === value;
  }
  const since = parseHttpDate(value);
  const modified = parseHttpDate(getHeader(stored, 'last-modified'));
  const date = parseHttpDate(getHeader(stored, 'date'));
  if (since === null || modified === null || since !== modified) return false;
  // §8.8.2.2: a Last-Modified is strong only when at least a second older than the response's Date
  return date !== null && date - modified >= 1000;
}

/** The Content-Range of a span of a representation of `total` bytes. */
export function contentRange(span: ByteSpan, total: number): string {
  return `bytes ${span.start}-${span.end}/${total}`;
}
