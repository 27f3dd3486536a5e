import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type FirstBytes, peekFirstBytes } from '../transparent/first-bytes.js';
import type { OriginalDestination, OriginalDestinationLookup } from '../transparent/original-destination.js';
import { admit } from './admit.js';
import { dialBlind, openingFor, splice } from './connect-tunnel.js';
import type { EngineContext } from './engine-context.js';
import { blockedError } from './exchange-answers.js';
import { ExchangeRecorder } from './exchange-recorder.js';
import { ProxyError, upstreamFailure } from './proxy-error.js';
import { formatAuthority, type WayIn } from './way-in.js';

/** What the transparent listener needs besides the engine's own state. */
export interface TransparentOptions {
  /** Where a redirected connection was going (conntrack); null when this machine cannot tell. */
  originalDestination: OriginalDestinationLookup;
  /** The addresses a host name resolves to (the direct route's resolver). */
  resolve(host: string): Promise<string[]>;
  /** Bytes of a first request head or ClientHello at most. */
  maxPeekBytes: number;
}

/**
 * A connection the firewall redirected to Veil, from a client that knows nothing of it: plain
 * HTTP is served by the engine's pipeline, routed by its Host; TLS is routed by the ClientHello's
 * SNI name (peeked, never decrypted unless inspection wants it); anything else goes to its
 * original destination when Veil can learn it, and is refused otherwise. Where the original
 * destination is known, Veil connects there whatever the Host or SNI says (the client chose that
 * address; a forged name must not redirect it), and a name that does not resolve there is a
 * mismatch: recorded, never cached.
 */
export async function serveTransparent(ctx: EngineContext, socket: Socket, o: TransparentOptions): Promise<void> {
  socket.on('error', () => socket.destroy());
  const clientAddress = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  const original = o
    .originalDestination({
      clientAddress: socket.remoteAddress ?? '',
      clientPort: socket.remotePort ?? 0,
      localAddress: socket.localAddress ?? '',
      localPort: socket.localPort ?? 0,
    })
    .catch(() => null);
  const refuse = (err: ProxyError, target: string, dest: OriginalDestination | null): void => {
    const rec = transparentRecord(ctx, clientAddress, target, dest);
    rec.status = err.status;
    rec.error = err.code;
    socket.destroy();
    rec.finish();
  };
  try {
    // the same access rules as the forward listener; a transparent client cannot be asked for credentials
    ctx.access.checkClientAddress(clientAddress);
  } catch (err) {
    refuse(err as ProxyError, '', null);
    return;
  }
  const peeked = await peekFirstBytes(socket, ctx.timeouts.headersMs, o.maxPeekBytes);
  const dest = await original;
  if (peeked.kind === 'closed') {
    socket.destroy();
    return;
  }
  if (peeked.kind === 'silent' || peeked.kind === 'too-large') {
    const why =
      peeked.kind === 'silent'
        ? new ProxyError('E_HEADER_TIMEOUT', 408, 'The client said nothing in time.')
        : new ProxyError('E_HEADERS_TOO_LARGE', 431, 'The first request is larger than Veil reads.');
    refuse(why, dest ? formatAuthority(dest.address, dest.port) : '', dest);
    return;
  }
  if (dest && ctx.isSelf(dest.address, dest.port)) {
    refuse(loop(dest), formatAuthority(dest.address, dest.port), dest);
    return;
  }
  const name = peeked.kind === 'http' ? peeked.host : peeked.kind === 'tls' ? peeked.serverName : null;
  const hostCheck = name && dest ? { host: name, matches: await resolvesTo(o, name, dest.address) } : undefined;
  const way: WayIn = {
    kind: 'transparent',
    scheme: 'http',
    authority: null,
    clientAddress,
    admitted: true,
    ...(dest ? { dial: dest } : {}),
    ...(hostCheck ? { hostCheck } : {}),
  };
  if (peeked.kind === 'http') {
    ctx.serveHttp(socket, way);
    return;
  }
  const target = tunnelTarget(peeked, dest);
  if (!target) {
    refuse(
      new ProxyError(
        'E_NO_DESTINATION',
        502,
        'Neither an SNI name nor the original destination tells where this goes.',
      ),
      '',
      null,
    );
    return;
  }
  await tunnel(
    ctx,
    socket,
    target,
    way,
    peeked.kind === 'tls' || peeked.kind === 'other' ? peeked.first : Buffer.alloc(0),
  );
}

/** TLS goes to port 443 of its SNI name (or the original port); other bytes to the original destination. */
function tunnelTarget(peeked: FirstBytes, dest: OriginalDestination | null): { host: string; port: number } | null {
  if (peeked.kind === 'tls' && peeked.serverName) return { host: peeked.serverName, port: dest?.port ?? 443 };
  return dest ? { host: dest.address, port: dest.port } : null;
}

/** Admits the connection as a tunnel to `target`; inspection may take it, else it is dialed and spliced blind. */
async function tunnel(
  ctx: EngineContext,
  client: Socket,
  target: { host: string; port: number },
  way: WayIn,
  first: Buffer,
): Promise<void> {
  const authority = formatAuthority(target.host, target.port);
  const rec = transparentRecord(ctx, way.clientAddress, authority, way.dial ?? null);
  let upstream: Duplex | undefined;
  try {
    const { facts, block } = admit(
      ctx,
      { kind: 'connect', method: 'CONNECT', target: authority, rawHeaders: [], clientAddress: way.clientAddress, way },
      rec,
    );
    if (facts.hostMismatch) rec.hostMismatch = true;
    if (block) {
      const { hint: _hint, ...info } = block;
      rec.blocked = info;
      throw blockedError(block);
    }
    const opening = openingFor(ctx, facts, rec, way.clientAddress);
    const inspector = ctx.tunnelInspector;
    if (inspector?.wants(opening) && inspector.take(client, first, opening)) {
      rec.status = 200;
      client.once('close', () => rec.finish());
      return;
    }
    upstream = await dialBlind(client, Buffer.alloc(0), rec, opening);
    if (!upstream) return;
    rec.status = 200;
    rec.markFirstByte();
    // the peeked bytes are back in the client's buffer: the splice sends them first
    splice(ctx, client, upstream, rec);
  } catch (err) {
    upstream?.destroy();
    // a client that never asked for a proxy cannot read a proxy's error page: it is closed
    const failure = err instanceof ProxyError ? err : upstreamFailure(err, authority);
    rec.status = failure.status;
    rec.error = failure.code;
    client.destroy();
    rec.finish();
  }
}

function transparentRecord(
  ctx: EngineContext,
  clientAddress: string,
  target: string,
  dest: OriginalDestination | null,
): ExchangeRecorder {
  const rec = new ExchangeRecorder(ctx.nextId(), 'connect', 'CONNECT', target, clientAddress, '1.1', ctx.sink);
  rec.via = 'transparent';
  if (dest) rec.originalDestination = formatAuthority(dest.address, dest.port);
  return rec;
}

function loop(dest: OriginalDestination): ProxyError {
  return new ProxyError(
    'E_LOOP',
    508,
    `The connection to ${dest.address}:${dest.port} is addressed to Veil itself (a loop).`,
  );
}

async function resolvesTo(o: TransparentOptions, name: string, address: string): Promise<boolean> {
  if (name === address) return true;
  try {
    return (await o.resolve(name)).includes(address);
  } catch {
    return false;
  }
}
