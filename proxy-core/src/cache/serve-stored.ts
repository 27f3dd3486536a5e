import type { CacheExchange } from '../proxy/exchange-cache.js';
import type { CacheResult } from '../proxy/exchange-record.js';
import { type HeaderList, removeHeader } from '../proxy/header-list.js';
import { type ClientConditionals, hasConditionals, notModified } from './client-conditionals.js';
import type { StoredAnswer } from './range-answer.js';
import type { StoredEntry } from './stored-entry.js';

// RFC 9110 §15.4.5: what a 304 carries (the representation's metadata stays with the client's copy).
const NOT_MODIFIED_FIELDS = new Set([
  'cache-control',
  'content-location',
  'date',
  'etag',
  'expires',
  'vary',
  'age',
  'last-modified',
]);

/**
 * Answers the client from a stored entry: `served` (the entry's headers as of now, with Age and
 * Content-Length; shared, never changed here) passed through this request's response policy,
 * then a 304 when the client's validators match (RFC 9110 §13.2.2 puts them before Range), else
 * `part` (a 206 or 416 for a Range) or the whole body. Returns the body bytes sent.
 */
export function serveStored(
  ex: CacheExchange,
  entry: StoredEntry,
  served: HeaderList,
  body: Buffer,
  result: CacheResult,
  conditionals: ClientConditionals,
  part?: StoredAnswer,
): number {
  const { req, res, rec, facts } = ex;
  req.resume();
  if (res.destroyed || res.headersSent) {
    rec.finish();
    return 0;
  }
  let status = entry.status;
  let headers = served;
  let content = body;
  if (hasConditionals(conditionals) && notModified(conditionals, headers)) {
    status = 304;
    headers = onlyNotModifiedFields(headers);
  } else if (part) {
    status = part.status;
    headers = part.headers;
    content = part.body;
  }
  if (ex.policy.rewriteResponse) {
    // the policy edits in place: it gets this request's own copy
    if (headers === served) headers = headers.slice();
    rec.receipt.push(...ex.policy.rewriteResponse(facts, status, headers));
  }
  const sendBody = status !== 304 && status !== 204 && facts.method !== 'HEAD';
  rec.cache = result;
  rec.status = status;
  rec.responseHeaders = entry.headers;
  rec.forwardedResponseHeaders = headers;
  rec.markFirstByte();
  if (sendBody) rec.bytesDown = content.length;
  // a response emits 'close' after 'finish' and when its client leaves early: one listener sees both
  res.once('close', () => rec.finish());
  try {
    res.writeHead(status, status === entry.status ? entry.statusMessage || undefined : undefined, headers);
  } catch (err) {
    ex.fail(err);
    return 0;
  }
  res.end(sendBody ? content : undefined);
  return sendBody ? content.length : 0;
}

function onlyNotModifiedFields(headers: HeaderList): HeaderList {
  const out: HeaderList = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (NOT_MODIFIED_FIELDS.has(headers[i]!.toLowerCase())) out.push(headers[i]!, headers[i + 1]!);
  }
  removeHeader(out, 'content-length');
  return out;
}
