import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { admit } from './admit.js';
import { splice } from './connect-tunnel.js';
import type { EngineContext } from './engine-context.js';
import { blockedError, endAndRelease, sendError } from './exchange-answers.js';
import type { RequestFacts } from './exchange-policy.js';
import { recorderFor } from './exchange-recorder.js';
import {
  type HeadError,
  type ResponseHead,
  readResponseHead,
  serializeRequestHead,
  serializeResponseHead,
} from './head-codec.js';
import { getHeader, type HeaderList, removeHeader, setHeader } from './header-list.js';
import { stripHopByHop } from './hop-by-hop.js';
import { ProxyError, upstreamFailure } from './proxy-error.js';
import type { DialTimings, Upstream } from './upstream.js';
import { clientAddressOf, wayInOf } from './way-in.js';

/**
 * Handles `GET http://host/path` with `Upgrade: websocket`: the request passes the same
 * policy as any other, is written upstream over a fresh connection, and once the origin
 * answers 101 the two sockets are spliced. Any other answer is relayed and the connection closed.
 */
export async function forwardUpgrade(
  ctx: EngineContext,
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
): Promise<void> {
  const rec = recorderFor(ctx, 'websocket', req);
  client.on('error', () => client.destroy());
  let upstream: Duplex | undefined;
  try {
    const upgrade = (getHeader(req.rawHeaders, 'upgrade') ?? '').toLowerCase();
    const method = req.method ?? 'GET';
    const { facts, block } = admit(
      ctx,
      {
        kind: 'websocket',
        method,
        target: req.url ?? '',
        rawHeaders: req.rawHeaders,
        clientAddress: clientAddressOf(req),
        way: wayInOf(req.socket),
      },
      rec,
    );
    if (upgrade !== 'websocket') {
      throw new ProxyError('E_BAD_REQUEST', 400, `Veil forwards WebSocket upgrades only, not "${upgrade}".`);
    }
    if (block) {
      const { hint: _hint, ...info } = block;
      rec.blocked = info;
      throw blockedError(block);
    }
    const { url, host, port } = facts;
    const forwarded = facts.headers.slice();
    setHeader(forwarded, 'Host', url.host);
    if (ctx.policy.rewriteRequest) rec.receipt.push(...ctx.policy.rewriteRequest(facts, forwarded));
    rec.forwardedRequestHeaders = forwarded;
    const route = ctx.router(facts);
    rec.route = route.name;
    let requestHead: string;
    try {
      const path = url.pathname + url.search;
      requestHead = serializeRequestHead(method, route.requestTarget?.(path) ?? path, forwarded);
    } catch (err) {
      throw new ProxyError(
        'E_BAD_REQUEST',
        400,
        `The request has a header Veil cannot forward: ${(err as Error).message}`,
      );
    }
    const dialed = await dialFor(ctx, route, facts);
    upstream = dialed.socket;
    rec.dns = dialed.timings.dns;
    rec.connect = dialed.timings.connect;
    upstream.write(requestHead, 'latin1');
    if (head.length > 0) upstream.write(head);
    const answer = await readUpgradeAnswer(upstream, ctx.timeouts.upstreamIdleMs, `${host}:${port}`);
    rec.markFirstByte();
    const status = answer.status;
    rec.status = status;
    // the answer's headers (Set-Cookie among them) get the same response rules as any response
    rec.responseHeaders = answer.headers;
    const kept = status === 101 ? stripHopByHop(answer.headers, true) : closingHeaders(answer.headers);
    if (ctx.policy.rewriteResponse) rec.receipt.push(...ctx.policy.rewriteResponse(facts, status, kept));
    rec.forwardedResponseHeaders = kept;
    let responseHead: string;
    try {
      responseHead = serializeResponseHead(status, answer.statusMessage, kept);
    } catch (err) {
      throw new ProxyError(
        'E_UPSTREAM_BAD_RESPONSE',
        502,
        `${host}:${port} sent a bad upgrade answer: ${(err as Error).message}`,
      );
    }
    client.write(responseHead, 'latin1');
    if (status !== 101) {
      // not switching: relay what the origin said and close; no keep-alive on this path
      const up = upstream;
      client.once('close', () => {
        up.destroy();
        rec.finish();
      });
      up.on('end', () => endAndRelease(client));
      up.pipe(client, { end: false });
      up.resume();
      return;
    }
    splice(ctx, client, upstream, rec);
  } catch (err) {
    upstream?.destroy();
    const failure = err instanceof ProxyError ? err : upstreamFailure(err, req.url ?? 'upstream');
    sendError(ctx, client, rec, failure);
  }
}

/** The origin's answer to the upgrade, read with the one strict head reader. */
async function readUpgradeAnswer(upstream: Duplex, timeoutMs: number, target: string): Promise<ResponseHead> {
  try {
    return await readResponseHead(upstream, { timeoutMs, maxHeaderBytes: 64 * 1024 });
  } catch (err) {
    const code = (err as HeadError).code;
    throw upstreamFailure(code === 'E_HEAD_TIMEOUT' ? Object.assign(err as Error, { code: 'ETIMEDOUT' }) : err, target);
  }
}

/**
 * A refused upgrade's headers as relayed before the connection closes: its body framing stays
 * (Content-Length, Transfer-Encoding), its connection headers say close.
 */
function closingHeaders(headers: HeaderList): HeaderList {
  const out = headers.slice();
  for (const name of ['keep-alive', 'proxy-connection', 'upgrade']) removeHeader(out, name);
  setHeader(out, 'Connection', 'close');
  return out;
}

/** The origin connection for an upgrade: TLS (verified by the inspector) for wss from a decrypted tunnel. */
function dialFor(
  ctx: EngineContext,
  route: Upstream,
  facts: RequestFacts,
): Promise<{ socket: Duplex; timings: DialTimings }> {
  const timeout = ctx.timeouts.upstreamConnectMs;
  // a transparent connection's original destination is dialed whatever the Host says
  if (facts.url.protocol !== 'https:') {
    return route.connect(facts.dial?.address ?? facts.host, facts.dial?.port ?? facts.port, timeout);
  }
  const connectTls = ctx.tunnelInspector?.connectTls;
  // a decrypted upgrade must never leave in cleartext
  if (!connectTls) {
    return Promise.reject(
      new ProxyError('E_UPSTREAM_UNREACHABLE', 502, `The route ${route.name} cannot reach ${facts.host} over TLS.`),
    );
  }
  return connectTls(route, facts.host, facts.port, timeout);
}
