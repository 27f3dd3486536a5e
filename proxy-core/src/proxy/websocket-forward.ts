import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { splice } from './connect-tunnel.js';
import type { EngineContext } from './engine-context.js';
import { rawErrorResponse } from './error-page.js';
import type { RequestFacts } from './exchange-policy.js';
import { recorderFor } from './exchange-recorder.js';
import { getHeader, type HeaderList, removeHeader, setHeader } from './header-list.js';
import { stripHopByHop } from './hop-by-hop.js';
import { ProxyError, upstreamFailure } from './proxy-error.js';

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
    ctx.access.checkClient(req.socket.remoteAddress, getHeader(req.rawHeaders, 'proxy-authorization'));
    const upgrade = (getHeader(req.rawHeaders, 'upgrade') ?? '').toLowerCase();
    if (upgrade !== 'websocket') {
      throw new ProxyError('E_BAD_REQUEST', 400, `Veil forwards WebSocket upgrades only, not "${upgrade}".`);
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      throw new ProxyError(
        'E_NOT_A_PROXY_REQUEST',
        400,
        'A WebSocket through Veil needs an absolute ws target (http://host/path).',
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'ws:') {
      throw new ProxyError('E_UNSUPPORTED_SCHEME', 400, `For ${url.protocol}// the client must use CONNECT.`);
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port) || 80;
    rec.host = host;
    if (ctx.isSelf(host, port))
      throw new ProxyError('E_LOOP', 508, `The upgrade for ${host}:${port} points at Veil itself.`);
    ctx.access.checkDestination(host);
    const headers = stripHopByHop(req.rawHeaders, true);
    const facts: RequestFacts = {
      kind: 'websocket',
      method: req.method ?? 'GET',
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
      const { hint: _hint, ...info } = block;
      rec.blocked = info;
      throw new ProxyError(
        'E_BLOCKED',
        403,
        `The WebSocket to ${host} matched the rule ${block.rule} in ${block.list}.`,
      );
    }
    const forwarded = headers.slice();
    setHeader(forwarded, 'Host', url.host);
    if (ctx.policy.rewriteRequest) rec.receipt.push(...ctx.policy.rewriteRequest(facts, forwarded));
    rec.forwardedRequestHeaders = forwarded;
    const route = ctx.router(facts);
    rec.route = route.name;
    const dialed = await route.connect(host, port, ctx.timeouts.upstreamConnectMs);
    upstream = dialed.socket;
    rec.dns = dialed.timings.dns;
    rec.connect = dialed.timings.connect;
    upstream.write(serializeRequest(req.method ?? 'GET', url.pathname + url.search, forwarded));
    if (head.length > 0) upstream.write(head);
    const { status, raw, rest } = await readResponseHead(upstream, ctx.timeouts.upstreamIdleMs, `${host}:${port}`);
    rec.markFirstByte();
    rec.status = status;
    // the answer's headers (Set-Cookie among them) get the same response rules as any response
    const { statusLine, headers: answered } = parseResponseHead(raw);
    rec.responseHeaders = answered;
    const kept = status === 101 ? stripHopByHop(answered, true) : closingHeaders(answered);
    if (ctx.policy.rewriteResponse) rec.receipt.push(...ctx.policy.rewriteResponse(facts, status, kept));
    rec.forwardedResponseHeaders = kept;
    client.write(`${statusLine}\r\n${serializeHeaders(kept)}`, 'latin1');
    if (rest.length > 0) client.write(rest);
    if (status !== 101) {
      // not switching: relay what the origin said and close; no keep-alive on this path
      const up = upstream;
      client.once('close', () => {
        up.destroy();
        rec.finish();
      });
      up.pipe(client);
      return;
    }
    splice(ctx, client, upstream, rec);
  } catch (err) {
    upstream?.destroy();
    const failure = err instanceof ProxyError ? err : upstreamFailure(err, req.url ?? 'upstream');
    rec.status = failure.status;
    rec.error = failure.code;
    if (client.writable) client.end(rawErrorResponse(failure));
    else client.destroy();
    rec.finish();
  }
}

function serializeRequest(method: string, path: string, headers: HeaderList): string {
  return `${method} ${path} HTTP/1.1\r\n${serializeHeaders(headers)}`;
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

/** Header lines and the blank line ending a head. */
function serializeHeaders(headers: HeaderList): string {
  let out = '';
  for (let i = 0; i < headers.length; i += 2) out += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return `${out}\r\n`;
}

/**
 * Splits a response head (status line through the blank line) into its status line and a
 * HeaderList. Folded lines (obs-fold, RFC 9112 §5.2) are joined to the header they continue.
 */
function parseResponseHead(raw: Buffer): { statusLine: string; headers: HeaderList } {
  const lines = raw.toString('latin1').split('\r\n');
  const headers: HeaderList = [];
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    if ((line[0] === ' ' || line[0] === '\t') && headers.length > 0) {
      headers[headers.length - 1] += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers.push(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return { statusLine: lines[0]!, headers };
}

const MAX_HEAD = 64 * 1024;

/** Reads an HTTP/1.1 status line and headers from a raw socket (the upgrade answer). */
function readResponseHead(
  socket: Duplex,
  timeoutMs: number,
  target: string,
): Promise<{ status: number; raw: Buffer; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => fail(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })), timeoutMs);
    function cleanup(): void {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', fail);
      socket.off('end', onEnd);
    }
    function fail(err: unknown): void {
      cleanup();
      reject(upstreamFailure(err, target));
    }
    function onEnd(): void {
      fail(Object.assign(new Error('closed'), { code: 'ECONNRESET' }));
    }
    function onData(chunk: Buffer): void {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > MAX_HEAD) fail(Object.assign(new Error('head too large'), { code: 'HPE_HEADER_OVERFLOW' }));
        return;
      }
      const m = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n/.exec(buf.subarray(0, end + 2).toString('latin1'));
      if (!m) {
        fail(Object.assign(new Error('bad status line'), { code: 'HPE_INVALID_CONSTANT' }));
        return;
      }
      cleanup();
      socket.pause();
      resolve({ status: Number(m[1]), raw: buf.subarray(0, end + 4), rest: buf.subarray(end + 4) });
    }
    socket.on('data', onData);
    socket.on('error', fail);
    socket.on('end', onEnd);
  });
}
