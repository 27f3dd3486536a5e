import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { EngineContext } from './engine-context.js';
import { rawErrorResponse } from './error-page.js';
import type { RequestFacts } from './exchange-policy.js';
import { type ExchangeRecorder, recorderFor } from './exchange-recorder.js';
import { getHeader } from './header-list.js';
import { stripHopByHop } from './hop-by-hop.js';
import { ProxyError, upstreamFailure } from './proxy-error.js';

/** Parses a CONNECT authority (`host:port`, `[v6]:port`). */
export function parseAuthority(authority: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:/?#@[\]]+)):(\d{1,5})$/.exec(authority);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port < 1 || port > 65535) {
    throw new ProxyError('E_BAD_REQUEST', 400, 'CONNECT needs a target of the form host:port.');
  }
  return { host: (m[1] ?? m[2])!, port };
}

/** Handles CONNECT: checks, dials through the route, then splices bytes both ways. */
export async function openTunnel(
  ctx: EngineContext,
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
): Promise<void> {
  const rec = recorderFor(ctx, 'connect', req);
  client.on('error', () => client.destroy());
  let upstream: Duplex | undefined;
  try {
    ctx.access.checkClient(req.socket.remoteAddress, getHeader(req.rawHeaders, 'proxy-authorization'));
    const { host, port } = parseAuthority(req.url ?? '');
    rec.host = host;
    if (!ctx.allowedConnectPorts.has(port)) {
      throw new ProxyError(
        'E_PORT_NOT_ALLOWED',
        403,
        `Veil does not open tunnels to port ${port}. Allowed ports: ${[...ctx.allowedConnectPorts].join(', ')}.`,
      );
    }
    if (ctx.isSelf(host, port)) throw new ProxyError('E_LOOP', 508, `CONNECT ${host}:${port} points at Veil itself.`);
    ctx.access.checkDestination(host);
    const facts: RequestFacts = {
      kind: 'connect',
      method: 'CONNECT',
      url: new URL(`https://${host.includes(':') ? `[${host}]` : host}:${port}/`),
      host,
      port,
      clientAddress: req.socket.remoteAddress ?? '',
      headers: stripHopByHop(req.rawHeaders),
    };
    const profile = ctx.policy.profileFor?.(facts);
    if (profile) rec.profile = profile;
    const block = ctx.policy.checkRequest?.(facts);
    if (block) {
      const { hint: _hint, ...info } = block;
      rec.blocked = info;
      throw new ProxyError('E_BLOCKED', 403, `The tunnel to ${host} matched the rule ${block.rule} in ${block.list}.`);
    }
    const route = ctx.router(facts);
    rec.route = route.name;
    const dialed = await route.connect(host, port, ctx.timeouts.upstreamConnectMs);
    upstream = dialed.socket;
    rec.dns = dialed.timings.dns;
    rec.connect = dialed.timings.connect;
    if (client.destroyed) {
      upstream.destroy();
      rec.error = 'E_CLIENT_GONE';
      rec.finish();
      return;
    }
    rec.status = 200;
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    rec.markFirstByte();
    if (head.length > 0) {
      rec.bytesUp += head.length;
      upstream.write(head);
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

/** Pipes both ways with backpressure, counting bytes; either side closing closes the other. */
export function splice(ctx: EngineContext, client: Duplex, upstream: Duplex, rec: ExchangeRecorder): void {
  const idle = ctx.timeouts.tunnelIdleMs;
  const timer = setTimeout(onIdle, idle);
  function onIdle(): void {
    rec.error ??= 'E_TUNNEL_IDLE';
    client.destroy();
    upstream.destroy();
  }
  function touch(): void {
    timer.refresh();
  }
  client.on('data', (chunk: Buffer) => {
    rec.bytesUp += chunk.length;
    touch();
    if (!upstream.write(chunk)) client.pause();
  });
  upstream.on('data', (chunk: Buffer) => {
    rec.bytesDown += chunk.length;
    touch();
    if (!client.write(chunk)) upstream.pause();
  });
  upstream.on('drain', () => client.resume());
  client.on('drain', () => upstream.resume());
  // half-close is forwarded so request/response protocols inside the tunnel still see EOF
  client.on('end', () => upstream.end());
  upstream.on('end', () => client.end());
  upstream.on('error', (err: NodeJS.ErrnoException) => {
    rec.error ??= upstreamFailure(err, rec.host).code;
  });
  client.on('error', () => upstream.destroy());
  upstream.on('close', (hadError: boolean) => {
    clearTimeout(timer);
    // a reset upstream resets the client too, so a cut stream never looks complete
    if (hadError) client.destroy();
    else client.end();
  });
  client.on('close', () => {
    clearTimeout(timer);
    upstream.destroy();
    rec.finish();
  });
  // a stream paused explicitly (e.g. after reading the upgrade answer) does not flow again by itself
  upstream.resume();
  client.resume();
}
