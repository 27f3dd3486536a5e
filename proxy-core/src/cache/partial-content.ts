import { getHeader, type HeaderList, removeHeader, setHeader } from '../proxy/header-list.js';
import type { StoredEntry } from './stored-entry.js';

/** An entry with its body, as the store holds it. */
export interface Held {
  entry: StoredEntry;
  body: Buffer;
}

/**
 * RFC 9111 §3.4: a new 206 combined with the stored 206 of the same representation (the same
 * strong validator and length) when their spans overlap or touch; when the result covers the
 * whole representation it becomes a complete 200 entry. Otherwise the new 206 stands alone.
 */
export function combinePartial(stored: Held | null, incoming: Held): Held {
  const span = incoming.entry.span!;
  let start = span.start;
  let body = incoming.body;
  const old = stored?.entry.span;
  if (stored && old && old.total === span.total && sameStrongTag(stored.entry.headers, incoming.entry.headers)) {
    const oldEnd = old.start + stored.body.length;
    const newEnd = span.start + body.length;
    if (span.start <= oldEnd && old.start <= newEnd) {
      start = Math.min(old.start, span.start);
      const end = Math.max(oldEnd, newEnd);
      const merged = Buffer.alloc(end - start);
      stored.body.copy(merged, old.start - start);
      body.copy(merged, span.start - start);
      body = merged;
    }
  }
  if (start === 0 && body.length === span.total) return { entry: completed(incoming.entry, body.length), body };
  return { entry: { ...incoming.entry, span: { start, total: span.total }, bodyLength: body.length }, body };
}

/** The 200 a whole set of ranges amounts to: the newest 206's headers without Content-Range. */
function completed(entry: StoredEntry, length: number): StoredEntry {
  const headers: HeaderList = entry.headers.slice();
  removeHeader(headers, 'content-range');
  setHeader(headers, 'Content-Length', String(length));
  const { span: _span, ...rest } = entry;
  return { ...rest, status: 200, statusMessage: 'OK', headers, bodyLength: length };
}

function sameStrongTag(a: HeaderList, b: HeaderList): boolean {
  const x = getHeader(a, 'etag')?.trim();
  const y = getHeader(b, 'etag')?.trim();
  return x !== undefined && x === y && !x.startsWith('W/');
}
