import { type IncomingMessage, ServerResponse } from 'node:http';
import type { EngineContext } from './engine-context.js';
import { sendBlocked, sendError } from './exchange-answers.js';
import type { FailureTap, ResponseTap } from './exchange-cache.js';
import type { RequestFacts } from './exchange-policy.js';
import { type ExchangeRecorder, recorderFor } from './exchange-recorder.js';
import { getHeader, type HeaderList, setHeader } from './header-list.js';
import { stripHopByHop } from './hop-by-hop.js';
import { ProxyError } from './proxy-error.js';
import { checkRequestFraming } from './request-framing.js';
import { sendUpstream } from './send-upstream.js';

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
      const forward = (tap?: ResponseTap, onFailure?: FailureTap): void => {
        try {
          sendUpstream(ctx, req, res, rec, facts, forwarded, hasBody, tap, onFailure);
        } catch (err) {
          sendError(ctx, res, rec, err);
        }
      };
      const fail = (err: unknown): void => sendError(ctx, res, rec, err);
      const background = (tap: ResponseTap, onFailure: FailureTap): void => {
        // a response object no client reads: the engine's answer paths stay as they are
        const bg = recorderFor(ctx, 'http', req);
        bg.host = host;
        bg.forwardedRequestHeaders = forwarded;
        const sink = new ServerResponse(req);
        const tapped: ResponseTap = (status, message, list, body) => {
          bg.status = status;
          bg.finish();
          return tap(status, message, list, body);
        };
        try {
          sendUpstream(ctx, req, sink, bg, facts, forwarded, false, tapped, (err) => {
            bg.finish();
            return onFailure(err);
          });
        } catch (err) {
          bg.finish();
          onFailure(err);
        }
      };
      cache.handle({ req, res, rec, facts, policy, forwarded, forward, background, fail });
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
