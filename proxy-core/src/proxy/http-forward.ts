import { type ClientRequest, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { EngineContext } from './engine-context.js';
import { errorPageFor, renderErrorPage } from './error-page.js';
import type { ResponseTap } from './exchange-cache.js';
import type { BlockDecision, RequestFacts } from './exchange-policy.js';
import { type ExchangeRecorder, recorderFor } from './exchange-recorder.js';
import { getHeader, getHeaderAll, type HeaderList, removeHeader, setHeader } from './header-list.js';
import { stripHopByHop } from './hop-by-hop.js';
import { ProxyError, upstreamFailure } from './proxy-error.js';
import { checkRequestFraming } from './request-framing.js';

// A 1x1 transparent GIF: blocked images answer with it so pages keep their layout (Privoxy's handle-as-image).
const BLANK_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

// Exchanges still reading their request body, so a parse failure found by the server can abort them.
const inFlight = new WeakMap<ServerResponse, (code: string) => void>();

/** Aborts the upstream side of the exchange answering `res` (its request body broke off or broke framing). */
export function abortExchange(res: ServerResponse, code: string): void {
  inFlight.get(res)?.(code);
}

/** Handles one absolute-form HTTP request from a client: the proxy's main path. */
export function forwardHttp(ctx: EngineContext, req: IncomingMessage, res: ServerResponse): void {
  const rec = recorderFor(ctx, 'http', req);
  try {
    const hasBody = checkRequestFraming(req.rawHeaders);
    ctx.access.checkClient(req.socket.remoteAddress, getHeader(req.rawHeaders, 'proxy-authorization'));
    const url = parseTarget(req.url ?? '');
    const port = Number(url.port) || 80;
    // IPv6 literals come bracketed in URLs; sockets, records and policies want the bare address
    const host = url.hostname.replace(/^\[|\]$/g, '');
    rec.host = host;
    if (ctx.isSelf(host, port)) {
      throw new ProxyError('E_LOOP', 508, `The request for ${host}:${port} is addressed to Veil itself (a loop).`);
    }
    ctx.access.checkDestination(host);
    const method = req.method ?? 'GET';
    if (method === 'TRACE' && !ctx.allowTrace) {
      throw new ProxyError('E_METHOD_NOT_ALLOWED', 405, 'TRACE is disabled in Veil: it can echo private headers.', {
        Allow: 'GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS',
      });
    }
    const headers = stripHopByHop(req.rawHeaders);
    if (answerMaxForwards(method, headers, res, rec)) return;
    const facts: RequestFacts = {
      kind: 'http',
      method,
      url,
      host,
      port,
      clientAddress: req.socket.remoteAddress ?? '',
      headers,
    };
    const profile = ctx.policy.profileFor?.(facts);
    if (profile) rec.profile = profile;
    const block = ctx.policy.checkRequest?.(facts);
    if (block) {
      sendBlocked(req, res, rec, block);
      return;
    }
    const forwarded = headers.slice();
    // RFC 9112 §3.2.2: a proxy replaces Host with the authority of the absolute target.
    setHeader(forwarded, 'Host', url.host);
    if (ctx.policy.rewriteRequest) rec.receipt.push(...ctx.policy.rewriteRequest(facts, forwarded));
    rec.forwardedRequestHeaders = forwarded;
    // [cache hook] the response cache answers from its store or forwards (possibly later, after a collapsed miss)
    const cache = ctx.cache;
    if (cache) {
      const policy = ctx.policy;
      const forward = (tap?: ResponseTap): void => {
        try {
          sendUpstream(ctx, req, res, rec, facts, forwarded, hasBody, tap);
        } catch (err) {
          sendError(ctx, res, rec, err);
        }
      };
      const fail = (err: unknown): void => sendError(ctx, res, rec, err);
      cache.handle({ req, res, rec, facts, policy, forwarded, forward, fail });
      return;
    }
    sendUpstream(ctx, req, res, rec, facts, forwarded, hasBody);
  } catch (err) {
    sendError(ctx, res, rec, err);
  }
}

/** Parses the request target; only absolute http:// URLs reach this point. */
function parseTarget(target: string): URL {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new ProxyError('E_BAD_REQUEST', 400, 'The request target is not a valid absolute URL.');
  }
  if (url.protocol !== 'http:') {
    throw new ProxyError(
      'E_UNSUPPORTED_SCHEME',
      400,
      `Veil forwards http:// URLs directly; for ${url.protocol}// the client must use CONNECT.`,
    );
  }
  if (!url.hostname) throw new ProxyError('E_BAD_REQUEST', 400, 'The request target has no host.');
  return url;
}

/** RFC 9110 §7.6.2: OPTIONS/TRACE with Max-Forwards: 0 are answered by the proxy; otherwise decremented. */
function answerMaxForwards(method: string, headers: HeaderList, res: ServerResponse, rec: ExchangeRecorder): boolean {
  if (method !== 'OPTIONS' && method !== 'TRACE') return false;
  const raw = getHeader(headers, 'max-forwards');
  if (raw === undefined) return false;
  const n = Number.parseInt(raw, 10);
  if (!Number.isFinite(n) || n < 0) throw new ProxyError('E_BAD_REQUEST', 400, 'Max-Forwards is not a number.');
  if (n > 0) {
    setHeader(headers, 'Max-Forwards', String(n - 1));
    return false;
  }
  rec.status = 200;
  res.writeHead(200, { Allow: 'GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS', 'Content-Length': '0' });
  res.end();
  rec.finish();
  return true;
}

function wantsImage(req: IncomingMessage): boolean {
  const accept = getHeader(req.rawHeaders, 'accept') ?? '';
  const dest = getHeader(req.rawHeaders, 'sec-fetch-dest');
  if (dest) return dest === 'image';
  return accept.startsWith('image/');
}

/** Answers a blocked request: 403 with the rule named, or a transparent GIF for images. */
export function sendBlocked(
  req: IncomingMessage,
  res: ServerResponse,
  rec: ExchangeRecorder,
  block: BlockDecision,
): void {
  const { hint, ...info } = block;
  rec.blocked = info;
  rec.error = 'E_BLOCKED';
  req.resume();
  if (wantsImage(req)) {
    rec.status = 200;
    res.writeHead(200, {
      'Content-Type': 'image/gif',
      'Content-Length': String(BLANK_GIF.length),
      'Cache-Control': 'no-store',
      'X-Veil-Blocked': block.rule,
    });
    res.end(BLANK_GIF);
  } else {
    rec.status = 403;
    const where = block.line ? ` (line ${block.line})` : '';
    const body = renderErrorPage(
      403,
      'Blocked by Veil',
      `This request matched the rule ${block.rule} in ${block.list}${where}.`,
      hint ?? 'To allow it, add an allow rule for this host in Veil → Blocklists, or disable the list.',
    );
    res.writeHead(403, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(body)),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(body);
  }
  res.once('finish', () => rec.finish());
}

/** The one failure path for HTTP exchanges: a page naming the cause, or a cut connection once the response began. */
export function sendError(ctx: EngineContext, res: ServerResponse, rec: ExchangeRecorder, err: unknown): void {
  const failure = err instanceof ProxyError ? err : upstreamFailure(err, rec.host || 'upstream');
  rec.error = failure.code;
  if (failure.code === 'E_INTERNAL') ctx.reportError(failure.code, failure.message);
  if (res.headersSent || res.destroyed) {
    // never let a truncated body look complete: cut the connection instead of ending the message
    res.destroy();
    rec.finish();
    return;
  }
  rec.status = failure.status;
  const body = errorPageFor(failure);
  res.writeHead(failure.status, {
    ...failure.headers,
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(body);
  res.once('finish', () => rec.finish());
  res.once('close', () => rec.finish());
}

function sendUpstream(
  ctx: EngineContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: ExchangeRecorder,
  facts: RequestFacts,
  forwarded: HeaderList,
  hasBody: boolean,
  tap?: ResponseTap,
): void {
  const upstream = ctx.router(facts);
  rec.route = upstream.name;
  const target = upstream.httpTarget(facts.host, facts.port, facts.url.pathname + facts.url.search);
  let outHeaders = target.extraHeaders ? forwarded.concat(target.extraHeaders) : forwarded;
  // Transfer-Encoding is hop-by-hop and was stripped; a chunked body must be re-framed for the
  // next hop, or its bytes would reach the origin unframed (a smuggling vector on pooled sockets).
  if (hasBody && getHeader(req.rawHeaders, 'transfer-encoding') !== undefined) {
    outHeaders = outHeaders.concat('Transfer-Encoding', 'chunked');
  }
  let upReq: ClientRequest;
  try {
    upReq = httpRequest({
      agent: target.agent,
      host: target.host,
      port: target.port,
      method: facts.method,
      path: target.path,
      headers: outHeaders,
      setHost: false,
      timeout: ctx.timeouts.upstreamConnectMs,
    });
  } catch (err) {
    // Node validates header values; a client header it refuses is the client's fault
    throw new ProxyError(
      'E_BAD_REQUEST',
      400,
      `The request has a header Veil cannot forward: ${(err as Error).message}`,
    );
  }
  let clientDone = false;
  let upstreamDone = false;
  const t0 = performance.now();

  upReq.on('socket', (socket) => {
    if (!socket.connecting) {
      // reused from the pool: no DNS, no connect; the timeout now measures upstream silence
      upReq.setTimeout(ctx.timeouts.upstreamIdleMs);
      return;
    }
    socket.once('lookup', () => {
      rec.dns = performance.now() - t0;
    });
    socket.once('connect', () => {
      rec.connect = performance.now() - t0 - rec.dns;
      // from now on the timeout measures upstream silence, not the handshake
      upReq.setTimeout(ctx.timeouts.upstreamIdleMs);
    });
  });
  upReq.on('timeout', () => {
    upReq.destroy(Object.assign(new Error('upstream timeout'), { code: 'ETIMEDOUT' }));
  });
  upReq.on('continue', () => {
    res.writeContinue();
  });
  upReq.on('information', (info) => {
    // 103 Early Hints lets the browser preload while the origin thinks; other 1xx stay here
    if (info.statusCode !== 103 || req.httpVersionMinor < 1 || res.headersSent) return;
    const links = getHeaderAll(info.rawHeaders, 'link');
    if (links.length > 0) res.writeEarlyHints({ link: links });
  });
  upReq.on('error', (err) => {
    if (clientDone && res.writableFinished) return;
    sendError(ctx, res, rec, upstreamFailure(err, `${facts.host}:${facts.port}`));
  });
  upReq.on('response', (upRes) => {
    rec.markFirstByte();
    const status = upRes.statusCode ?? 502;
    rec.responseHeaders = upRes.rawHeaders;
    const hopError = target.hopAnswer?.(status);
    if (hopError) {
      upRes.resume();
      sendError(ctx, res, rec, hopError);
      return;
    }
    const headers = stripHopByHop(upRes.rawHeaders);
    // a response framed by Transfer-Encoding is re-framed for the client; a Content-Length
    // sent along with it describes nothing and would desynchronize the client's connection
    if (getHeader(upRes.rawHeaders, 'transfer-encoding') !== undefined) removeHeader(headers, 'content-length');
    const blocked = ctx.policy.checkResponse?.(facts, status, headers);
    if (blocked) {
      upRes.destroy();
      upReq.destroy();
      sendBlocked(req, res, rec, blocked);
      return;
    }
    if (ctx.policy.rewriteResponse) rec.receipt.push(...ctx.policy.rewriteResponse(facts, status, headers));
    // [cache hook] a 304 that revalidated a stored entry is answered by the cache; kept bodies are teed
    if (tap?.(status, upRes.statusMessage, headers, upRes) === 'answered') return;
    rec.forwardedResponseHeaders = headers;
    rec.status = status;
    try {
      res.writeHead(status, upRes.statusMessage, headers);
    } catch (err) {
      upRes.destroy();
      sendError(
        ctx,
        res,
        rec,
        new ProxyError('E_UPSTREAM_BAD_RESPONSE', 502, `Bad response header: ${(err as Error).message}`),
      );
      return;
    }
    upRes.on('data', (chunk: Buffer) => {
      rec.bytesDown += chunk.length;
      if (!res.write(chunk)) upRes.pause();
    });
    res.on('drain', () => upRes.resume());
    upRes.on('end', () => {
      upstreamDone = true;
      if (upRes.rawTrailers.length > 0) res.addTrailers(pairsOf(upRes.rawTrailers));
      res.end();
    });
    upRes.on('aborted', () => res.destroy());
    upRes.on('error', () => res.destroy());
    upRes.on('close', () => {
      if (!upstreamDone) {
        rec.error ??= 'E_UPSTREAM_RESET';
        res.destroy();
      }
    });
  });

  if (!hasBody) {
    // no body to stream: send the head at once instead of waiting a tick for 'end'
    clientDone = true;
    upReq.end();
    req.resume();
  } else {
    req.on('data', (chunk: Buffer) => {
      rec.bytesUp += chunk.length;
      if (!upReq.write(chunk)) req.pause();
    });
    upReq.on('drain', () => req.resume());
    req.on('end', () => {
      clientDone = true;
      if (req.rawTrailers.length > 0) upReq.addTrailers(pairsOf(req.rawTrailers));
      upReq.end();
    });
  }
  const abort = (code: string): void => {
    // the client's body ended early or broke its framing: never let the origin see it complete
    rec.error ??= code;
    if (!upReq.destroyed) upReq.destroy();
  };
  if (hasBody) inFlight.set(res, abort);
  req.on('close', () => {
    if (!req.complete) abort('E_CLIENT_GONE');
  });
  res.on('close', () => {
    if (!req.complete) abort('E_CLIENT_GONE');
    if (!res.writableFinished) {
      // the client left mid-exchange: free the upstream socket instead of reading into the void
      rec.error ??= 'E_CLIENT_GONE';
      upReq.destroy();
    }
    rec.finish();
  });
}

function pairsOf(raw: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}
