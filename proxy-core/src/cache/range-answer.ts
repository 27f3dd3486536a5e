import { type HeaderList, setHeader } from '../proxy/header-list.js';
import { type ByteSpan, contentRange } from './byte-ranges.js';
import { formatHttpDate } from './http-date.js';
import type { StoredEntry } from './stored-entry.js';

/** A response the cache builds from stored bytes. */
export interface StoredAnswer {
  status: number;
  headers: HeaderList;
  body: Buffer;
}

/**
 * RFC 9110 §15.3.7: the 206 for `span` of a stored complete or partial entry (the span lies
 * within what it holds), from the served headers with Content-Range and Content-Length.
 */
export function partialAnswer(entry: StoredEntry, served: HeaderList, body: Buffer, span: ByteSpan): StoredAnswer {
  const held = entry.span?.start ?? 0;
  const total = entry.span?.total ?? entry.bodyLength;
  const headers = served.slice();
  setHeader(headers, 'Content-Range', contentRange(span, total));
  setHeader(headers, 'Content-Length', String(span.end - span.start + 1));
  return { status: 206, headers, body: body.subarray(span.start - held, span.end - held + 1) };
}

/** RFC 9110 §15.5.17: the 416 for a range outside a representation of `length` bytes. */
export function unsatisfiableAnswer(length: number, now: number): StoredAnswer {
  const headers: HeaderList = [
    'Date',
    formatHttpDate(now),
    'Content-Range',
    `bytes */${length}`,
    'Content-Length',
    '0',
  ];
  return { status: 416, headers, body: Buffer.alloc(0) };
}

/** True when a stored 206 holds every byte of `span`. */
export function holds(entry: StoredEntry, span: ByteSpan): boolean {
  const s = entry.span;
  if (!s) return true;
  return span.start >= s.start && span.end < s.start + entry.bodyLength;
}
