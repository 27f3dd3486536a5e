import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { admit } from './admit.js';
import type { EngineContext } from './engine-context.js';
import { blockedError, endAndRelease, sendError } from './exchange-answers.js';
import type { RequestFacts } from './exchange-policy.js';
import type { TunnelNote } from './exchange-record.js';
import { type ExchangeRecorder, recorderFor } from './exchange-recorder.js';
import { ProxyError, upstreamFailure } from './proxy-error.js';
import type { DialTimings, HttpTarget, Upstream } from './upstream.js';
import { clientAddressOf, type WayIn, wayInOf } from './way-in.js';

export { parseAuthority } from './admit.js';

/** A tunnel whose client says nothing this long is a server-speaks-first protocol: splice it blind. */
const SNIFF_WAIT_MS = 1_000;

/** The admitted tunnel, as an inspector sees it. */
export interface TunnelOpening {
  facts: RequestFacts;
  /** The record id of the CONNECT. */
  openedBy: number;
  clientAddress: string;
  /** Hands a stream carrying HTTP/1.1 (e.g. the decrypted TLS socket) to the engine's pipeline. */
  serveHttp(stream: Duplex, way: WayIn): void;
  /** The tunnel's route (the same one a blind tunnel would take): origin TLS is dialed through it. */
  route: Upstream;
  /** Dials the destination through the route (a pass-through after a look inside). */
  dial(): Promise<Duplex>;
  /** Relays the client and a dialed upstream unread, counted in the CONNECT's record. */
  splice(client: Duplex, upstream: Duplex): void;
  /** Says in the CONNECT's record what became of the tunnel. */
  note(tunnel: TunnelNote): void;
}

/**
 * Looks inside CONNECT tunnels (HTTPS inspection plugs in here). For a tunnel it wants, Veil
 * answers 200 before dialing anything and hands over the client's first bytes.
 */
export interface TunnelInspector {
  /** Whether to look inside this admitted tunnel. */
  wants(tunnel: TunnelOpening): boolean;
  /**
   * The client's first bytes (already unshifted back into `client`, unread). Return true when
   * the inspector took the socket over (e.g. a TLS handshake, then `serveHttp(tls, way)`);
   * false lets Veil go on: HTTP bytes are served as plain HTTP, anything else spliced blind.
   */
  take(client: Duplex, first: Buffer, tunnel: TunnelOpening): boolean;
  /**
   * Where an `https:` request from a decrypted tunnel goes on `route`: a pool of verified TLS
   * connections to the origin. Without it such requests are refused, never sent in cleartext.
   */
  httpsTarget?(route: Upstream, host: string, port: number, path: string): HttpTarget;
  /** A verified TLS stream to the origin through `route` (a wss upgrade from a decrypted tunnel). */
  connectTls?(
    route: Upstream,
    host: string,
    port: number,
    timeoutMs: number,
  ): Promise<{ socket: Duplex; timings: DialTimings }>;
}

/** Handles CONNECT: admission, then a blind splice, or a look at the first bytes for a cleartext port. */
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
    if (wayInOf(req.socket)) throw new ProxyError('E_BAD_REQUEST', 400, 'CONNECT inside a tunnel is not supported.');
    const { facts, block } = admit(
      ctx,
      {
        kind: 'connect',
        method: 'CONNECT',
        target: req.url ?? '',
        rawHeaders: req.rawHeaders,
        clientAddress: clientAddressOf(req),
      },
      rec,
    );
    if (block) {
      const { hint: _hint, ...info } = block;
      rec.blocked = info;
      throw blockedError(block);
    }
    const opening = openingFor(ctx, facts, rec, clientAddressOf(req));
    const inspector = ctx.tunnelInspector;
    const inspect = inspector?.wants(opening) ?? false;
    if (inspect || ctx.cleartextConnectPorts.has(facts.port)) {
      lookInside(ctx, client, head, rec, opening, inspect ? inspector : null);
      return;
    }
    upstream = await dialBlind(client, head, rec, opening);
    if (!upstream) return;
    rec.status = 200;
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    rec.markFirstByte();
    splice(ctx, client, upstream, rec);
  } catch (err) {
    upstream?.destroy();
    const failure = err instanceof ProxyError ? err : upstreamFailure(err, req.url ?? 'upstream');
    sendError(ctx, client, rec, failure);
  }
}

/**
 * The admitted tunnel as an inspector and the blind path see it: its route, a dial that records its
 * timings (to `facts.dial` when the client's original destination is known: transparent mode), and a
 * splice that counts into the tunnel's record.
 */
export function openingFor(
  ctx: EngineContext,
  facts: RequestFacts,
  rec: ExchangeRecorder,
  clientAddress: string,
): TunnelOpening {
  const route = ctx.router(facts);
  return {
    facts,
    openedBy: rec.id,
    clientAddress,
    serveHttp: (stream, way) => ctx.serveHttp(stream, way),
    route,
    dial: async () => {
      rec.route = route.name;
      const dialed = await route.connect(
        facts.dial?.address ?? facts.host,
        facts.dial?.port ?? facts.port,
        ctx.timeouts.upstreamConnectMs,
      );
      rec.dns = dialed.timings.dns;
      rec.connect = dialed.timings.connect;
      return dialed.socket;
    },
    splice: (c, upstream) => splice(ctx, c, upstream, rec),
    note: (tunnel) => {
      rec.tunnel = tunnel;
    },
  };
}

/** Dials the tunnel's destination through its route; undefined when the client left meanwhile. */
export async function dialBlind(
  client: Duplex,
  head: Buffer,
  rec: ExchangeRecorder,
  opening: TunnelOpening,
): Promise<Duplex | undefined> {
  const upstream = await opening.dial();
  if (client.destroyed) {
    upstream.destroy();
    rec.error = 'E_CLIENT_GONE';
    rec.finish();
    return undefined;
  }
  if (head.length > 0) {
    rec.bytesUp += head.length;
    upstream.write(head);
  }
  return upstream;
}

/**
 * Answers 200 at once and waits for the client's first bytes: an inspector may take the
 * tunnel; an HTTP request line makes it a way in served by the engine's own pipeline (each
 * inner request admitted, scrubbed, blocked and recorded like a plain one); anything else,
 * or silence, is dialed and spliced blind as before.
 */
function lookInside(
  ctx: EngineContext,
  client: Duplex,
  head: Buffer,
  rec: ExchangeRecorder,
  opening: TunnelOpening,
  inspector: TunnelInspector | null,
): void {
  client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
  rec.status = 200;
  rec.markFirstByte();
  const decide = (first: Buffer): void => {
    if (client.destroyed) {
      rec.error ??= 'E_CLIENT_GONE';
      rec.finish();
      return;
    }
    if (first.length > 0) client.unshift(first);
    if (inspector?.take(client, first, opening)) {
      client.once('close', () => rec.finish());
      return;
    }
    if (looksLikeHttp(first)) {
      const { host, port } = opening.facts;
      const way: WayIn = {
        kind: 'tunnel',
        scheme: 'http',
        authority: { host, port },
        clientAddress: opening.clientAddress,
        admitted: true,
        openedBy: rec.id,
      };
      // the tunnel's record stays open while it lasts; its requests have their own records
      client.once('close', () => rec.finish());
      ctx.serveHttp(client, way);
      return;
    }
    void blind();
  };
  const blind = async (): Promise<void> => {
    let upstream: Duplex | undefined;
    try {
      // what the client sent so far is in its buffer again: the splice reads it first
      upstream = await dialBlind(client, Buffer.alloc(0), rec, opening);
      if (upstream) splice(ctx, client, upstream, rec);
    } catch (err) {
      upstream?.destroy();
      // 200 was said already: a failed dial can only close the tunnel
      rec.error = upstreamFailure(err, `${opening.facts.host}:${opening.facts.port}`).code;
      client.destroy();
      rec.finish();
    }
  };
  if (head.length > 0) {
    decide(head);
    return;
  }
  firstBytes(client, SNIFF_WAIT_MS, decide);
}

/** Calls back with the client's first chunk (paused, not consumed), or an empty buffer after `waitMs`. */
function firstBytes(client: Duplex, waitMs: number, then: (first: Buffer) => void): void {
  const timer = setTimeout(() => finish(Buffer.alloc(0)), waitMs);
  function finish(chunk: Buffer): void {
    clearTimeout(timer);
    client.off('data', onData);
    client.off('close', onClose);
    client.pause();
    then(chunk);
  }
  function onData(chunk: Buffer): void {
    finish(chunk);
  }
  function onClose(): void {
    finish(Buffer.alloc(0));
  }
  client.on('data', onData);
  client.on('close', onClose);
  client.resume();
}

// a request line starts with a method token and a space (RFC 9112 §3); TLS starts with 0x16
const REQUEST_START = /^[A-Z]{3,10} [^\s]/;

/** True when a tunnel's first bytes read as an HTTP/1.x request. */
export function looksLikeHttp(first: Buffer): boolean {
  return REQUEST_START.test(first.subarray(0, 12).toString('latin1'));
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
    // a reset upstream resets the client too, so a cut stream never looks complete; a client
    // that never closes its side does not keep the socket after the grace
    if (hadError) client.destroy();
    else endAndRelease(client);
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
