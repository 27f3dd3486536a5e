import type { HeaderList } from './header-list.js';
import { ProxyError } from './proxy-error.js';

/**
 * Checks the body framing headers that Node's strict parser still lets through: Veil
 * re-frames bodies as plain `chunked` for the next hop, so any other transfer coding
 * (`xchunked`, `gzip, chunked`) would be read one way here and another way upstream.
 * Returns whether the request carries a body.
 */
export function checkRequestFraming(raw: HeaderList): boolean {
  let te: string | undefined;
  let cl: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    // cheap first-letter test: this runs for every request
    const c = name.charCodeAt(0) | 0x20;
    if (c === 0x74 && name.length === 17 && name.toLowerCase() === 'transfer-encoding') {
      if (te !== undefined) throw framingError('Transfer-Encoding appears more than once.');
      te = raw[i + 1]!;
    } else if (c === 0x63 && name.length === 14 && name.toLowerCase() === 'content-length') {
      if (cl !== undefined) throw framingError('Content-Length appears more than once.');
      cl = raw[i + 1]!;
    }
  }
  if (te !== undefined) {
    if (cl !== undefined) throw framingError('The request has both Content-Length and Transfer-Encoding.');
    if (te.trim().toLowerCase() !== 'chunked') {
      throw framingError(`Transfer-Encoding "${te}" is not supported; only "chunked" is.`);
    }
    return true;
  }
  if (cl === undefined) return false;
  if (!/^\d{1,15}$/.test(cl)) throw framingError('Content-Length is not a plain number.');
  return cl !== '0' && Number(cl) !== 0;
}

function framingError(detail: string): ProxyError {
  return new ProxyError('E_BAD_REQUEST', 400, `The request is malformed: ${detail}`);
}
