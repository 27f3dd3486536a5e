import { type IncomingMessage, ServerResponse } from 'node:http';
import { admit } from './admit.js';
import type { EngineContext } from './engine-context.js';
import { sendBlocked, sendError } from './exchange-answers.js';
import type { FailureTap, ResponseTap } from './exchange-cache.js';
import { type ExchangeRecorder, recorderFor } from './exchange-recorder.js';
import { getHeader, type HeaderList, setHeader } from './header-list.js';
import { ProxyError } from './proxy-error.js';
import { checkRequestFraming } from './request-framing.js';
import { UpstreamExchange } from './upstream-exchange.js';
import { clientAddressOf, wayInOf } from './way-in.js';

/** Handles one HTTP request from a client (absolute-form, or origin-form on a way in): the proxy's main path. */
export function forwardHttp(ctx: EngineContext, req: IncomingMessage, res: ServerResponse): void {
  const rec = recorderFor(ctx, 'http', req);
  try {
    const hasBody = checkRequestFraming(req.rawHeaders);
    const method = req.method ?? 'GET';
    const { facts, block } = admit(
      ctx,
      {
        kind: 'http',
        method,
        target: req.url ?? '',
        rawHeaders: req.rawHeaders,
        clientAddress: clientAddressOf(req),
        way: wayInOf(req.socket),
      },
      rec,
    );
    const headers = facts.headers;
    if (answerMaxForwards(method, headers, res, rec)) return;
    if (block) {
      sendBlocked(req, res, rec, block);
      return;
    }
    const url = facts.url;
    const forwarded = headers.slice();
    // RFC 9112 §3.2.2: a proxy replaces Host with the authority of the absolute target.
    setHeader(forwarded, 'Host', url.host);
    if (ctx.policy.rewriteRequest) rec.receipt.push(...ctx.policy.rewriteRequest(facts, forwarded));
    rec.forwardedRequestHeaders = forwarded;
    // [cache hook] the response cache answers from its store or forwards (possibly later, after a collapsed miss)
    if (facts.hostMismatch) rec.hostMismatch = true;
    // a Host that does not match the address the client connected to is never cached: it could
    // plant one site's answer under another's name (the transparent proxies' Host forgery)
    const cache = facts.hostMismatch ? null : ctx.cache;
    if (cache) {
      const policy = ctx.policy;
      const forward = (tap?: ResponseTap, onFailure?: FailureTap): void => {
        try {
          new UpstreamExchange({ ctx, req, res, rec, facts, forwarded, hasBody, tap, onFailure }).start();
        } catch (err) {
          sendError(ctx, res, rec, err);
        }
      };
      const fail = (err: unknown): void => sendError(ctx, res, rec, err);
      const background = (tap: ResponseTap, onFailure: FailureTap): void => {
        // a response object no client reads: the engine's answer paths stay as they are
        const bg = recorderFor(ctx, 'http', req);
        bg.host = facts.host;
        bg.forwardedRequestHeaders = forwarded;
        const sink = new ServerResponse(req);
        const tapped: ResponseTap = (status, message, list, body) => {
          bg.status = status;
          bg.finish();
          return tap(status, message, list, body);
        };
        const failed: FailureTap = (err) => {
          bg.finish();
          return onFailure(err);
        };
        try {
          new UpstreamExchange({
            ctx,
            req,
            res: sink,
            rec: bg,
            facts,
            forwarded,
            hasBody: false,
            tap: tapped,
            onFailure: failed,
          }).start();
        } catch (err) {
          bg.finish();
          onFailure(err);
        }
      };
      cache.handle({ req, res, rec, facts, policy, forwarded, forward, background, fail });
      return;
    }
    new UpstreamExchange({ ctx, req, res, rec, facts, forwarded, hasBody }).start();
  } catch (err) {
    sendError(ctx, res, rec, err);
  }
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
