import type { Socket } from 'node:net';
import { serializeTrailers } from './head-codec.js';
import type { HeaderList } from './header-list.js';
import { HTTPParser, type LlhttpParser, responseParser } from './llhttp.js';

/** What one request on an upstream connection is told, in order: 1xx*, head, body*, then end or error. */
export interface ResponseHandler {
  /** An interim response (100 Continue, 103 Early Hints). */
  onInformation(status: number, headers: HeaderList): void;
  onResponse(status: number, statusMessage: string, headers: HeaderList): void;
  onBody(chunk: Buffer): void;
  /** The response ended whole. */
  onEnd(trailers: HeaderList): void;
  /** The exchange failed; after `onResponse` the client connection must be cut. */
  onError(err: UpstreamConnectionError): void;
}

/** A failure on an upstream connection; `stale` when a reused connection died before any answer byte. */
export type UpstreamConnectionError = Error & { code?: string; stale?: boolean };

const MAX_RESPONSE_HEADER_BYTES = 16 * 1024;

/**
 * Bodies with a Content-Length above this skip the parser: its binding copies every body chunk
 * into a new Buffer (about a sixth of the CPU of a large download); the socket's own chunks
 * are passed on instead, counted against the length llhttp already validated.
 */
const RAW_BODY_MIN = 64 * 1024;

function connectionError(code: string, message: string): UpstreamConnectionError {
  return Object.assign(new Error(message), { code });
}

/**
 * One kept-alive HTTP/1.1 connection to an origin or upstream proxy: writes a request head in
 * one write, parses the answer with llhttp (strict), and hands itself back to its pool when
 * the exchange ended cleanly. Anything unexpected (bytes nobody asked for, an upgrade, a
 * request body still in flight when the answer ended) closes it instead of reusing it.
 */
export class UpstreamConnection {
  /** Exchanges this connection has completed; a failure on a used connection may be a stale pool entry. */
  served = 0;
  private exchange: ResponseHandler | null = null;
  private readonly parser: LlhttpParser;
  private pendingHeaders: string[] = [];
  /**
   * Where the current answer stands: `idle` (no exchange, or its answer ended), `head`
   * (request sent, no final head yet), `interim` (inside a 1xx), `body` (final head passed on).
   */
  private phase: 'idle' | 'head' | 'interim' | 'body' = 'idle';
  private skipBody = false;
  private keepAlive = false;
  private requestDone = true;
  private chunked = false;
  /** Body bytes still to come on a body read past the parser; -1 when the parser reads it. */
  private rawRemaining = -1;
  private lastError: UpstreamConnectionError | null = null;
  /** The socket's current idle timeout: re-arming it costs a timer re-enrolment, so only on change. */
  private timeoutMs = -1;
  /** When the connection last went idle (for the pool's sweep). */
  idleSince = 0;
  private closed = false;

  constructor(
    readonly socket: Socket,
    /** Called when an exchange ended and the connection may serve another. */
    private readonly onReusable: (conn: UpstreamConnection) => void,
    /** Called once when the socket is gone. */
    private readonly onClosed: (conn: UpstreamConnection) => void,
  ) {
    this.parser = responseParser(MAX_RESPONSE_HEADER_BYTES, {
      onHeaders: (headers) => {
        for (let i = 0; i < headers.length; i++) this.pendingHeaders.push(headers[i]!);
      },
      onHeadersComplete: (_maj, _min, headers, _m, _u, status, message, upgrade, keepAlive) =>
        this.headersComplete(headers, status, message, upgrade, keepAlive),
      onBody: (chunk) => {
        this.exchange?.onBody(chunk);
      },
      onMessageComplete: () => this.messageComplete(),
    });
    socket.setNoDelay(true);
    socket.on('data', (data: Buffer) => this.onData(data));
    socket.on('end', () => this.onEof());
    socket.on('error', (err: UpstreamConnectionError) => {
      this.lastError = err;
    });
    socket.on('timeout', () => {
      if (this.exchange) this.fail(connectionError('ETIMEDOUT', 'upstream timeout'));
      else this.socket.destroy();
    });
    socket.on('close', () => this.onClose());
  }

  /** True while an exchange runs on it. */
  get busy(): boolean {
    return this.exchange !== null;
  }

  get destroyed(): boolean {
    return this.closed || this.socket.destroyed;
  }

  /**
   * Sends a request head. `expectBody` false for HEAD (the answer's framing headers describe
   * a body that never comes); `withBody` when `writeBody`/`endBody` follow.
   */
  start(
    head: string,
    exchange: ResponseHandler,
    opts: { expectBody: boolean; withBody: boolean; chunked: boolean; idleMs: number },
  ): void {
    this.exchange = exchange;
    this.phase = 'head';
    this.skipBody = !opts.expectBody;
    this.requestDone = !opts.withBody;
    this.chunked = opts.chunked;
    this.pendingHeaders = [];
    if (opts.idleMs !== this.timeoutMs) {
      this.timeoutMs = opts.idleMs;
      this.socket.setTimeout(opts.idleMs);
    }
    this.socket.write(head, 'latin1');
  }

  /** Writes a piece of the request body; false when the caller should wait for `onDrain`. */
  writeBody(chunk: Buffer): boolean {
    if (this.destroyed) return true;
    if (!this.chunked) return this.socket.write(chunk);
    if (chunk.length === 0) return true;
    this.socket.cork();
    this.socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
    this.socket.write(chunk);
    const ok = this.socket.write('\r\n', 'latin1');
    this.socket.uncork();
    return ok;
  }

  /** Ends the request body (with trailers for a chunked one). */
  endBody(trailers: HeaderList = []): void {
    if (this.destroyed) return;
    this.requestDone = true;
    if (this.chunked) {
      this.socket.write(`0\r\n${serializeTrailers(trailers)}`, 'latin1');
    }
  }

  onDrain(listener: () => void): void {
    this.socket.once('drain', listener);
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Closes the connection (the client left, or the exchange was refused mid-way). */
  destroy(): void {
    this.exchange = null;
    this.socket.destroy();
  }

  private headersComplete(
    headers: string[] | undefined,
    status: number,
    message: string,
    upgrade: boolean,
    keepAlive: boolean,
  ): number {
    const exchange = this.exchange;
    const all = headers
      ? this.pendingHeaders.length > 0
        ? this.pendingHeaders.concat(headers)
        : headers
      : this.pendingHeaders;
    this.pendingHeaders = [];
    if (!exchange) {
      // an answer nobody asked for: the connection is out of step, never reuse it
      this.socket.destroy();
      return 1;
    }
    if (status >= 100 && status < 200 && status !== 101) {
      this.phase = 'interim';
      exchange.onInformation(status, all);
      return 1;
    }
    if (upgrade || status === 101) {
      this.fail(connectionError('HPE_UNEXPECTED_UPGRADE', 'the upstream switched protocols on a plain request'));
      return 1;
    }
    this.phase = 'body';
    this.keepAlive = keepAlive;
    exchange.onResponse(status, message, all);
    if (this.skipBody) return 1;
    const length = status === 204 || status === 304 ? -1 : soleContentLength(all);
    if (length < RAW_BODY_MIN) return 0;
    // 2 stops the parser after the head, as for an upgrade: execute() then says where the body starts
    this.rawRemaining = length;
    return 2;
  }

  private messageComplete(): void {
    if (this.phase === 'interim') {
      this.phase = 'head';
      return;
    }
    // the parser reports the head it stopped after as a message; the raw body ends it later
    if (this.rawRemaining > 0) return;
    const exchange = this.exchange;
    if (!exchange || this.phase !== 'body') return;
    this.phase = 'idle';
    const trailers = this.pendingHeaders;
    this.pendingHeaders = [];
    this.exchange = null;
    this.served++;
    exchange.onEnd(trailers);
    if (this.keepAlive && this.requestDone && !this.destroyed) {
      this.socket.resume();
      this.onReusable(this);
    } else {
      // closed by the origin's framing, or answered before the request body was all sent
      // (an early 413, a 401 to Expect): the rest of that body has nowhere to go
      this.socket.destroy();
    }
  }

  private onData(data: Buffer): void {
    if (this.rawRemaining > 0) {
      this.rawBody(data);
      return;
    }
    const result = this.parser.execute(data);
    if (typeof result !== 'number') {
      this.fail(Object.assign(result, { code: result.code ?? 'HPE_INVALID' }));
      return;
    }
    if (this.rawRemaining > 0 && result < data.length) this.rawBody(data.subarray(result));
  }

  private rawBody(data: Buffer): void {
    const n = Math.min(data.length, this.rawRemaining);
    this.rawRemaining -= n;
    this.exchange?.onBody(n === data.length ? data : data.subarray(0, n));
    if (this.rawRemaining > 0) return;
    this.rawRemaining = -1;
    // the parser stopped as after an upgrade: a fresh start for the next answer on this connection
    this.parser.initialize(HTTPParser.RESPONSE, {}, MAX_RESPONSE_HEADER_BYTES, HTTPParser.kLenientNone ?? 0);
    if (n < data.length) {
      // bytes past the declared length: the connection is out of step
      this.keepAlive = false;
    }
    this.messageComplete();
  }

  private onEof(): void {
    if (this.rawRemaining > 0) {
      this.fail(connectionError('ECONNRESET', 'the upstream closed the connection mid-body'));
      return;
    }
    // a body delimited by the connection's close ends here; a truncated one fails
    const result = this.parser.finish();
    if (result) this.fail(Object.assign(result, { code: 'ECONNRESET' }));
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.exchange) {
      const err = this.lastError ?? connectionError('ECONNRESET', 'the upstream closed the connection');
      this.fail(err);
    }
    this.parser.close();
    this.onClosed(this);
  }

  private fail(err: UpstreamConnectionError): void {
    const exchange = this.exchange;
    this.exchange = null;
    if (!this.socket.destroyed) this.socket.destroy();
    if (!exchange) return;
    // a reused connection the origin closed while it sat in the pool: nothing was answered
    if (this.served > 0 && this.phase === 'head' && err.code !== 'ETIMEDOUT') err.stale = true;
    exchange.onError(err);
  }
}

/** The body length when Content-Length alone frames it (llhttp has refused conflicting framings); else -1. */
function soleContentLength(headers: HeaderList): number {
  let length = -1;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') return -1;
    if (name.length === 14 && name.toLowerCase() === 'content-length') length = Number(headers[i + 1]);
  }
  return Number.isSafeInteger(length) ? length : -1;
}
