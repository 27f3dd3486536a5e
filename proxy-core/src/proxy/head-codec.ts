import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { HeaderList } from './header-list.js';
import { BAD_HEADER_VALUE, HEADER_NAME } from './header-syntax.js';
import { responseParser } from './llhttp.js';

/**
 * The one reader and the one writer of HTTP/1.1 heads that Veil handles itself (request heads
 * to origins, WebSocket 101 answers, CONNECT answers from upstream proxies, raw error pages).
 * Reading uses llhttp in strict mode, the parser behind Node's own server: no obs-fold, no
 * line without a colon, no bare LF. Writing refuses any name or value that would break out
 * of its line, so nothing Veil writes can carry CR, LF or NUL into a peer's parser.
 */

const TOKEN = HEADER_NAME;
const BAD_VALUE = BAD_HEADER_VALUE;

export { isHeaderName, isHeaderValue } from './header-syntax.js';

function headerLines(headers: HeaderList): string {
  let out = '';
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    const value = headers[i + 1]!;
    if (!TOKEN.test(name)) throw new TypeError(`invalid header name "${name}"`);
    if (BAD_VALUE.test(value)) throw new TypeError(`invalid value for header "${name}"`);
    out += `${name}: ${value}\r\n`;
  }
  return out;
}

/**
 * The request line and header section as one latin1 string, header names spelled and ordered
 * as given (the fingerprint a browser sent survives), so the head leaves in one write.
 * Throws when a name or value could not be sent as is (a policy or the client put it there).
 */
export function serializeRequestHead(method: string, target: string, headers: HeaderList): string {
  if (!TOKEN.test(method)) throw new TypeError(`invalid method "${method}"`);
  if (BAD_VALUE.test(target) || target.includes(' ') || target === '') throw new TypeError('invalid request target');
  return `${method} ${target} HTTP/1.1\r\n${headerLines(headers)}\r\n`;
}

/** A status line and header section; the reason phrase defaults to the standard one. Throws like serializeRequestHead. */
export function serializeResponseHead(status: number, reason: string | undefined, headers: HeaderList): string {
  if (!Number.isInteger(status) || status < 100 || status > 999) throw new TypeError(`invalid status ${status}`);
  const phrase = reason ?? STATUS_CODES[status] ?? '';
  if (BAD_VALUE.test(phrase)) throw new TypeError('invalid reason phrase');
  return `HTTP/1.1 ${status} ${phrase}\r\n${headerLines(headers)}\r\n`;
}

/**
 * A chunked body's trailer section and its final blank line. Trailers come from a peer's
 * strictly parsed message; one that could not be written as is is left out (a body's end
 * must not throw).
 */
export function serializeTrailers(trailers: HeaderList): string {
  let out = '';
  for (let i = 0; i < trailers.length; i += 2) {
    const name = trailers[i]!;
    const value = trailers[i + 1]!;
    if (TOKEN.test(name) && !BAD_VALUE.test(value)) out += `${name}: ${value}\r\n`;
  }
  return `${out}\r\n`;
}

/** A response head as read: status, reason, headers in the peer's spelling and order. */
export interface ResponseHead {
  status: number;
  statusMessage: string;
  headers: HeaderList;
  /** The peer's framing allows another message on this connection. */
  keepAlive: boolean;
}

/** A head that could not be read; `code` is an llhttp `HPE_…` name, E_HEAD_TIMEOUT or ECONNRESET. */
export type HeadError = Error & { code: string };

function headError(code: string, message: string): HeadError {
  return Object.assign(new Error(message), { code });
}

/**
 * Feeds bytes to a strict response parser until one head is complete. Stops after the head
 * (the way llhttp stops at an upgrade), so the bytes that follow belong to the caller: a
 * WebSocket's first frames, a tunnel's first bytes, a body.
 */
export class ResponseHeadReader {
  private readonly parser;
  private pending: string[] = [];
  private head: ResponseHead | null = null;
  /** Interim (1xx other than 101) heads seen and skipped. */
  interim = 0;

  constructor(maxHeaderBytes = 16 * 1024) {
    this.parser = responseParser(maxHeaderBytes, {
      onHeaders: (headers) => {
        for (const h of headers) this.pending.push(h);
      },
      onHeadersComplete: (_maj, _min, headers, _m, _u, status, message, _upgrade, keepAlive) => {
        const all = headers ? this.pending.concat(headers) : this.pending;
        this.pending = [];
        this.head = { status, statusMessage: message, headers: all, keepAlive };
        // 2: stop after this head; execute() then says where the rest begins
        return 2;
      },
      onBody: () => {},
      onMessageComplete: () => {},
    });
  }

  /**
   * Parses `chunk`; returns the head and the bytes after it once complete, null while more is needed.
   * Throws a HeadError on a malformed head.
   */
  push(chunk: Buffer): { head: ResponseHead; rest: Buffer } | null {
    const result = this.parser.execute(chunk);
    if (typeof result !== 'number') {
      this.parser.close();
      throw headError(result.code ?? 'HPE_INVALID', `malformed response head (${result.code ?? 'parse error'})`);
    }
    const head = this.head;
    if (!head) return null;
    this.parser.close();
    return { head, rest: chunk.subarray(result) };
  }

  /** Frees the parser (when the reader is abandoned before a head). */
  close(): void {
    this.parser.close();
  }
}

export interface ReadHeadOptions {
  /** No complete head within this: fails with E_HEAD_TIMEOUT. */
  timeoutMs: number;
  maxHeaderBytes?: number;
}

/**
 * Reads one response head from a stream in paused mode (`readable`), so that once this returns
 * the stream is neither flowing nor explicitly paused: whoever attaches `data` next gets every
 * byte after the head (those read with it are unshifted back). Rejects with a HeadError.
 */
export function readResponseHead(stream: Duplex, options: ReadHeadOptions): Promise<ResponseHead> {
  const reader = new ResponseHeadReader(options.maxHeaderBytes);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(headError('E_HEAD_TIMEOUT', 'no response head in time')), options.timeoutMs);
    function done(err: Error | null, head?: ResponseHead): void {
      clearTimeout(timer);
      stream.off('readable', onReadable);
      stream.off('error', onError);
      stream.off('end', onEnd);
      if (err) {
        reader.close();
        reject(err);
      } else resolve(head!);
    }
    function onError(err: NodeJS.ErrnoException): void {
      done(Object.assign(err, { code: err.code ?? 'ECONNRESET' }));
    }
    function onEnd(): void {
      done(headError('ECONNRESET', 'the connection closed before a response head'));
    }
    function onReadable(): void {
      for (let chunk = stream.read() as Buffer | null; chunk !== null; chunk = stream.read() as Buffer | null) {
        let got: ReturnType<ResponseHeadReader['push']>;
        try {
          got = reader.push(chunk);
        } catch (err) {
          done(err as HeadError);
          return;
        }
        if (!got) continue;
        if (got.rest.length > 0) stream.unshift(got.rest);
        done(null, got.head);
        return;
      }
    }
    stream.on('readable', onReadable);
    stream.on('error', onError);
    stream.on('end', onEnd);
    onReadable();
  });
}
