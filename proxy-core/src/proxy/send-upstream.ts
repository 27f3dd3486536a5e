import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EngineContext } from './engine-context.js';
import { sendBlocked, sendError, watchBodyAbort } from './exchange-answers.js';
import type { FailureTap, ResponseTap } from './exchange-cache.js';
import type { RequestFacts } from './exchange-policy.js';
import type { ExchangeRecorder } from './exchange-recorder.js';
import { serializeRequestHead } from './head-codec.js';
import { getHeader, getHeaderAll, type HeaderList, removeHeader } from './header-list.js';
import { stripHopByHop } from './hop-by-hop.js';
import { ProxyError, upstreamFailure } from './proxy-error.js';
import { TappedBody } from './tapped-body.js';
import type { UpstreamConnection, UpstreamExchange } from './upstream-connection.js';

// RFC 9110 §9.2.2: only these may be sent again when a kept-alive connection turns out to be dead
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** Sends one exchange upstream on a pooled connection and streams the answer back to the client. */
export function sendUpstream(
  ctx: EngineContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: ExchangeRecorder,
  facts: RequestFacts,
  forwarded: HeaderList,
  hasBody: boolean,
  tap?: ResponseTap,
  onFailure?: FailureTap,
): void {
  const upstream = ctx.router(facts);
  rec.route = upstream.name;
  const path = facts.url.pathname + facts.url.search;
  // [inspection hook] a decrypted request goes on the inspector's verified TLS pool for this route
  const target =
    (facts.url.protocol === 'https:' && ctx.tunnelInspector?.httpsTarget?.(upstream, facts.host, facts.port, path)) ||
    upstream.httpTarget(facts.host, facts.port, path);
  if (facts.url.protocol === 'https:' && !target.tls) {
    // a decrypted request must never leave in cleartext because a route cannot speak TLS
    throw new ProxyError(
      'E_UPSTREAM_UNREACHABLE',
      502,
      `The route ${upstream.name} cannot reach ${facts.host} over TLS.`,
    );
  }
  let outHeaders = target.extraHeaders ? forwarded.concat(target.extraHeaders) : forwarded;
  // Transfer-Encoding is hop-by-hop and was stripped; a chunked body must be re-framed for the
  // next hop, or its bytes would reach the origin unframed (a smuggling vector on pooled sockets).
  const chunked = hasBody && getHeader(req.rawHeaders, 'transfer-encoding') !== undefined;
  if (chunked) outHeaders = outHeaders.concat('Transfer-Encoding', 'chunked');
  let head: string;
  try {
    head = serializeRequestHead(facts.method, target.path, outHeaders);
  } catch (err) {
    // a header Veil cannot send as is came from the client (or a rule): the client's fault
    throw new ProxyError(
      'E_BAD_REQUEST',
      400,
      `The request has a header Veil cannot forward: ${(err as Error).message}`,
    );
  }
  const where = `${facts.host}:${facts.port}`;
  // the connection while this exchange owns it; null once the response ended or failed
  let conn: UpstreamConnection | null = null;
  let responded = false;
  // the answer went to the client some other way (an error page, a block, the cache)
  let discard = false;
  let body: TappedBody | null = null;
  let retried = false;
  let gone = false;

  const exchange: UpstreamExchange = {
    onInformation(status, headers) {
      if (status === 100) {
        res.writeContinue();
        return;
      }
      // 103 Early Hints lets the browser preload while the origin thinks; other 1xx stay here
      if (status !== 103 || req.httpVersionMinor < 1 || res.headersSent) return;
      const links = getHeaderAll(headers, 'link');
      if (links.length > 0) res.writeEarlyHints({ link: links });
    },
    onResponse(status, statusMessage, rawHeaders) {
      responded = true;
      rec.markFirstByte();
      rec.responseHeaders = rawHeaders;
      const hopError = target.hopAnswer?.(status);
      if (hopError) {
        discard = true;
        sendError(ctx, res, rec, hopError);
        return;
      }
      const headers = stripHopByHop(rawHeaders);
      // a response framed by Transfer-Encoding is re-framed for the client; a Content-Length
      // sent along with it describes nothing and would desynchronize the client's connection
      if (getHeader(rawHeaders, 'transfer-encoding') !== undefined) removeHeader(headers, 'content-length');
      const blocked = ctx.policy.checkResponse?.(facts, status, headers);
      if (blocked) {
        discard = true;
        drop();
        sendBlocked(req, res, rec, blocked);
        return;
      }
      if (ctx.policy.rewriteResponse) rec.receipt.push(...ctx.policy.rewriteResponse(facts, status, headers));
      if (tap) {
        // [cache hook] a 304 that revalidated a stored entry is answered by the cache; kept bodies are teed
        body = new TappedBody();
        if (tap(status, statusMessage, headers, body) === 'answered') {
          discard = true;
          return;
        }
      }
      rec.forwardedResponseHeaders = headers;
      rec.status = status;
      try {
        res.writeHead(status, statusMessage, headers);
      } catch (err) {
        discard = true;
        drop();
        const message = `Bad response header: ${(err as Error).message}`;
        sendError(ctx, res, rec, new ProxyError('E_UPSTREAM_BAD_RESPONSE', 502, message));
      }
    },
    onBody(chunk) {
      if (discard) return;
      rec.bytesDown += chunk.length;
      body?.push(chunk);
      if (!res.write(chunk)) conn?.pause();
    },
    onEnd(trailers) {
      conn = null;
      body?.finish();
      if (discard) return;
      if (trailers.length > 0) res.addTrailers(pairsOf(trailers));
      res.end();
    },
    onError(err) {
      conn = null;
      if (err.stale && !responded && !retried && !hasBody && IDEMPOTENT.has(facts.method)) {
        // the origin closed this kept-alive connection while it sat idle: nothing was processed
        retried = true;
        open();
        return;
      }
      body?.abort();
      if (discard) return;
      fail(err);
    },
  };

  /** The one way out for a failed exchange: the cache may still answer if nothing was sent yet. */
  function fail(err: unknown): void {
    // the client got the stored copy: the record says so (cache: stale), not an error
    if (!responded && onFailure?.(err) === 'answered') return;
    sendError(ctx, res, rec, upstreamFailure(err, where));
  }

  function drop(): void {
    const c = conn;
    conn = null;
    c?.destroy();
  }

  function run(c: UpstreamConnection): void {
    if (gone) {
      target.pool.putBack(target.host, target.port, c);
      return;
    }
    conn = c;
    c.start(head, exchange, {
      expectBody: facts.method !== 'HEAD',
      withBody: hasBody,
      chunked,
      idleMs: ctx.timeouts.upstreamIdleMs,
    });
    if (hasBody) pumpBody(c);
  }

  function open(): void {
    target.pool.open(target.host, target.port, ctx.timeouts.upstreamConnectMs).then(
      ({ conn: c, timings }) => {
        rec.dns = timings.dns;
        rec.connect = timings.connect;
        run(c);
      },
      (err: unknown) => {
        if (!gone) fail(err);
      },
    );
  }

  function pumpBody(c: UpstreamConnection): void {
    const resume = (): void => {
      req.resume();
    };
    req.on('data', (chunk: Buffer) => {
      rec.bytesUp += chunk.length;
      if (!c.writeBody(chunk)) {
        req.pause();
        c.onDrain(resume);
      }
    });
    req.on('end', () => {
      c.endBody(req.rawTrailers);
    });
  }

  res.on('drain', () => conn?.resume());
  const abort = (code: string): void => {
    // the client's body ended early or broke its framing: never let the origin see it complete
    rec.error ??= code;
    gone = true;
    drop();
  };
  if (hasBody) watchBodyAbort(res, abort);
  // no body to stream: let the request end now, so the client's next request can be read
  else req.resume();
  req.on('close', () => {
    if (!req.complete) abort('E_CLIENT_GONE');
  });
  res.on('close', () => {
    if (!req.complete) abort('E_CLIENT_GONE');
    if (!res.writableFinished) {
      // the client left mid-exchange: free the upstream side instead of reading into the void
      rec.error ??= 'E_CLIENT_GONE';
      gone = true;
      drop();
    }
    rec.finish();
  });

  const pooled = target.pool.take(target.host, target.port);
  if (pooled) run(pooled);
  else open();
}

function pairsOf(raw: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}
