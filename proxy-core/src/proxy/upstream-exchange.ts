import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EngineContext } from './engine-context.js';
import { sendBlocked, sendError, watchBodyAbort } from './exchange-answers.js';
import type { FailureTap, ResponseTap } from './exchange-cache.js';
import type { RequestFacts } from './exchange-policy.js';
import type { ExchangeRecorder } from './exchange-recorder.js';
import { isHeaderName, isHeaderValue, serializeRequestHead } from './head-codec.js';
import { getHeader, getHeaderAll, type HeaderList, removeHeader, toPairs } from './header-list.js';
import { stripHopByHop } from './hop-by-hop.js';
import { ProxyError, upstreamFailure } from './proxy-error.js';
import { TappedBody } from './tapped-body.js';
import type { HttpTarget } from './upstream.js';
import type { ResponseHandler, UpstreamConnection, UpstreamConnectionError } from './upstream-connection.js';

// RFC 9110 §9.2.2: only these may be sent again when a kept-alive connection turns out to be dead
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/**
 * Where one exchange with the origin stands:
 * - `connecting`: waiting for a pooled or new connection;
 * - `sent`: the request head is on its way, no answer yet;
 * - `streaming`: the answer's head arrived; its body streams to the client;
 * - `done`: the answer ended whole; `failed`: the exchange ended any other way.
 */
export type ExchangeState = 'connecting' | 'sent' | 'streaming' | 'done' | 'failed';

/** One plain-HTTP exchange as the engine hands it upstream. */
export interface ExchangeInput {
  ctx: EngineContext;
  req: IncomingMessage;
  res: ServerResponse;
  rec: ExchangeRecorder;
  facts: RequestFacts;
  /** Headers to send, after the privacy rewrite. */
  forwarded: HeaderList;
  hasBody: boolean;
  /** [cache hook] sees the response before the client does. */
  tap?: ResponseTap | undefined;
  /** [cache hook] sees a failure before any answer. */
  onFailure?: FailureTap | undefined;
}

/**
 * Sends one exchange upstream on a pooled connection and streams the answer back to the
 * client, as a small state machine: each transition is one method, and a method called in
 * a state it does not belong to does nothing (a late event from a connection already let go).
 * The answer's head is held until its first body byte or its end, so an origin whose response
 * turns malformed before anything reached the client gets a 502 page naming it, not a cut.
 */
export class UpstreamExchange implements ResponseHandler {
  state: ExchangeState = 'connecting';
  private conn: UpstreamConnection | null = null;
  private body: TappedBody | null = null;
  private retried = false;
  /** The client's head, waiting for the first body byte or the end. */
  private pendingHead: { status: number; message: string; headers: HeaderList } | null = null;
  /** The answer reached the client some other way (an error page, a block, the cache): drop the rest. */
  private discard = false;
  private readonly head: string;
  private target: HttpTarget;
  private readonly chunked: boolean;
  private readonly where: string;

  constructor(private readonly x: ExchangeInput) {
    const { ctx, req, rec, facts, forwarded, hasBody } = x;
    const upstream = ctx.router(facts);
    rec.route = upstream.name;
    // a transparent connection's original destination is dialed whatever the Host says
    const path = facts.url.pathname + facts.url.search;
    // [inspection hook] a decrypted request goes on the inspector's verified TLS pool for this route
    this.target =
      (facts.url.protocol === 'https:' && ctx.tunnelInspector?.httpsTarget?.(upstream, facts.host, facts.port, path)) ||
      upstream.httpTarget(facts.dial?.address ?? facts.host, facts.dial?.port ?? facts.port, path);
    if (facts.url.protocol === 'https:' && !this.target.tls && !this.target.cleartextChosen) {
      // a decrypted request must never leave in cleartext because a route cannot speak TLS
      throw new ProxyError(
        'E_UPSTREAM_UNREACHABLE',
        502,
        `The route ${upstream.name} cannot reach ${facts.host} over TLS.`,
      );
    }
    let outHeaders = this.target.extraHeaders ? forwarded.concat(this.target.extraHeaders) : forwarded;
    // Transfer-Encoding is hop-by-hop and was stripped; a chunked body must be re-framed for the
    // next hop, or its bytes would reach the origin unframed (a smuggling vector on pooled sockets).
    this.chunked = hasBody && getHeader(req.rawHeaders, 'transfer-encoding') !== undefined;
    if (this.chunked) outHeaders = outHeaders.concat('Transfer-Encoding', 'chunked');
    try {
      this.head = serializeRequestHead(facts.method, this.target.path, outHeaders);
    } catch (err) {
      // a header Veil cannot send as is came from the client (or a rule): the client's fault
      throw new ProxyError(
        'E_BAD_REQUEST',
        400,
        `The request has a header Veil cannot forward: ${(err as Error).message}`,
      );
    }
    this.where = `${facts.host}:${facts.port}`;
  }

  /** connecting: takes a kept-alive connection or opens one, and watches the client side. */
  start(): void {
    const { req, res, rec, hasBody } = this.x;
    res.on('drain', () => this.conn?.resume());
    if (hasBody) watchBodyAbort(res, (code) => this.abandon(code));
    // no body to stream: let the request end now, so the client's next request can be read
    else req.resume();
    req.on('close', () => {
      if (!req.complete) this.abandon('E_CLIENT_GONE');
    });
    res.on('close', () => {
      if (!req.complete) this.abandon('E_CLIENT_GONE');
      // the client left mid-exchange: free the upstream side instead of reading into the void
      if (!res.writableFinished) this.abandon('E_CLIENT_GONE');
      rec.finish();
    });
    const pooled = this.target.pool.take(this.target.host, this.target.port);
    if (pooled) this.connected(pooled);
    else this.dial();
  }

  private dial(): void {
    const { ctx, rec } = this.x;
    this.target.pool.open(this.target.host, this.target.port, ctx.timeouts.upstreamConnectMs).then(
      ({ conn, timings }) => {
        rec.dns = timings.dns;
        rec.connect = timings.connect;
        this.connected(conn);
      },
      (err: unknown) => {
        // nothing of the request was sent: a target with alternatives (a reverse pool) moves on at once
        const next = this.state === 'connecting' ? this.target.onConnectFailure?.(err) : undefined;
        if (next && !(next instanceof ProxyError)) {
          this.target = next;
          this.dial();
          return;
        }
        this.fail(next ?? err);
      },
    );
  }

  /** connecting → sent: writes the head (and pumps the body) on `conn`. */
  connected(conn: UpstreamConnection): void {
    if (this.state !== 'connecting') {
      // the client left while we waited: the connection goes back unused
      this.target.pool.putBack(this.target.host, this.target.port, conn);
      return;
    }
    const { ctx, facts, hasBody } = this.x;
    this.state = 'sent';
    this.conn = conn;
    conn.start(this.head, this, {
      expectBody: facts.method !== 'HEAD',
      withBody: hasBody,
      chunked: this.chunked,
      idleMs: ctx.timeouts.upstreamIdleMs,
    });
    if (hasBody) this.pumpBody(conn);
  }

  private pumpBody(conn: UpstreamConnection): void {
    const { req, rec } = this.x;
    const resume = (): void => {
      req.resume();
    };
    req.on('data', (chunk: Buffer) => {
      rec.bytesUp += chunk.length;
      if (!conn.writeBody(chunk)) {
        req.pause();
        conn.onDrain(resume);
      }
    });
    req.on('end', () => conn.endBody(req.rawTrailers));
  }

  /** An interim answer (sent): 100 Continue is passed on, 103 Early Hints' links too. */
  onInformation(status: number, headers: HeaderList): void {
    if (this.state !== 'sent') return;
    const { req, res } = this.x;
    if (status === 100) {
      res.writeContinue();
      return;
    }
    if (status !== 103 || req.httpVersionMinor < 1 || res.headersSent) return;
    const links = getHeaderAll(headers, 'link');
    if (links.length > 0) res.writeEarlyHints({ link: links });
  }

  /** sent → streaming: the answer's head passes the response rules and waits for its body. */
  onResponse(status: number, statusMessage: string, rawHeaders: HeaderList): void {
    if (this.state !== 'sent') return;
    this.state = 'streaming';
    const { ctx, req, res, rec, facts, tap } = this.x;
    rec.markFirstByte();
    rec.responseHeaders = rawHeaders;
    const hopError = this.target.hopAnswer?.(status);
    if (hopError) {
      this.answeredElsewhere();
      sendError(ctx, res, rec, hopError);
      return;
    }
    const headers = stripHopByHop(rawHeaders);
    // a response framed by Transfer-Encoding is re-framed for the client; a Content-Length
    // sent along with it describes nothing and would desynchronize the client's connection
    if (getHeader(rawHeaders, 'transfer-encoding') !== undefined) removeHeader(headers, 'content-length');
    const blocked = ctx.policy.checkResponse?.(facts, status, headers);
    if (blocked) {
      this.answeredElsewhere();
      this.drop();
      sendBlocked(req, res, rec, blocked);
      return;
    }
    if (ctx.policy.rewriteResponse) rec.receipt.push(...ctx.policy.rewriteResponse(facts, status, headers));
    if (tap) {
      // [cache hook] a 304 that revalidated a stored entry is answered by the cache; kept bodies are teed
      this.body = new TappedBody();
      if (tap(status, statusMessage, headers, this.body) === 'answered') {
        this.answeredElsewhere();
        return;
      }
    }
    rec.forwardedResponseHeaders = headers;
    rec.status = status;
    const bad = invalidHeader(headers);
    if (bad) {
      this.answeredElsewhere();
      this.drop();
      sendError(
        ctx,
        res,
        rec,
        new ProxyError('E_UPSTREAM_BAD_RESPONSE', 502, `${this.where} sent a bad response header (${bad}).`),
      );
      return;
    }
    this.pendingHead = { status, message: statusMessage, headers };
  }

  /** streaming: a piece of the body goes to the client (its head first, once). */
  onBody(chunk: Buffer): void {
    if (this.state !== 'streaming' || this.discard) return;
    this.body?.push(chunk);
    const { res, rec } = this.x;
    if (!this.flushHead()) return;
    rec.bytesDown += chunk.length;
    if (!res.write(chunk)) this.conn?.pause();
  }

  /** streaming → done: the answer ended whole. */
  onEnd(trailers: HeaderList): void {
    if (this.state !== 'streaming') return;
    this.state = 'done';
    this.conn = null;
    this.body?.finish();
    if (this.discard) return;
    const { res } = this.x;
    if (!this.flushHead()) return;
    if (trailers.length > 0) res.addTrailers(toPairs(trailers));
    res.end();
  }

  /** sent/streaming → failed (or back to connecting once, for a kept-alive connection found dead). */
  onError(err: UpstreamConnectionError): void {
    if (this.state !== 'sent' && this.state !== 'streaming') return;
    this.conn = null;
    const { facts, hasBody } = this.x;
    if (err.stale && this.state === 'sent' && !this.retried && !hasBody && IDEMPOTENT.has(facts.method)) {
      // the origin closed this kept-alive connection while it sat idle: nothing was processed
      this.retried = true;
      this.state = 'connecting';
      this.dial();
      return;
    }
    this.fail(err);
  }

  /** → failed: the one way out; the cache may still answer when nothing was sent, else a page or a cut. */
  private fail(err: unknown): void {
    if (this.state === 'done' || this.state === 'failed') return;
    const answered = this.state === 'streaming';
    this.state = 'failed';
    this.body?.abort();
    if (this.discard) return;
    const { ctx, res, rec, onFailure } = this.x;
    // the client got the stored copy: the record says so (cache: stale), not an error
    if (!answered && onFailure?.(err) === 'answered') return;
    // a head still held back never reached the client: the failure gets its page
    this.pendingHead = null;
    sendError(ctx, res, rec, upstreamFailure(err, this.where));
  }

  /** any → failed: the client left, or its body broke off; the origin must never see it complete. */
  abandon(code: string): void {
    if (this.state === 'done' || this.state === 'failed') return;
    this.state = 'failed';
    this.x.rec.error ??= code;
    this.body?.abort();
    this.drop();
  }

  private answeredElsewhere(): void {
    this.discard = true;
  }

  /** Sends the held head; false when Node refused it (the exchange then failed with a 502 page). */
  private flushHead(): boolean {
    const head = this.pendingHead;
    if (!head) return true;
    this.pendingHead = null;
    try {
      this.x.res.writeHead(head.status, head.message, head.headers);
      return true;
    } catch (err) {
      this.answeredElsewhere();
      this.drop();
      const { ctx, res, rec } = this.x;
      const message = `${this.where} sent a bad response header: ${(err as Error).message}`;
      sendError(ctx, res, rec, new ProxyError('E_UPSTREAM_BAD_RESPONSE', 502, message));
      return false;
    }
  }

  private drop(): void {
    const c = this.conn;
    this.conn = null;
    c?.destroy();
  }
}

/** The first response header Node would refuse to write (checked before the head is held back). */
function invalidHeader(headers: HeaderList): string | null {
  for (let i = 0; i < headers.length; i += 2) {
    if (!isHeaderName(headers[i]!) || !isHeaderValue(headers[i + 1]!)) return headers[i]!;
  }
  return null;
}
