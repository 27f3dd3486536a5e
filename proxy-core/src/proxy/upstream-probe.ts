import type { LookupFunction, Socket } from 'node:net';
import { dialTcp } from './direct-upstream.js';
import { ProxyError } from './proxy-error.js';
import type { UpstreamUrl } from './upstream-url.js';

/**
 * Checks an upstream proxy without a destination: TCP reachability, and for SOCKS5 the
 * greeting and (with credentials) the RFC 1929 login. Throws a ProxyError naming the cause.
 */
export async function probeUpstream(url: UpstreamUrl, timeoutMs: number, lookup?: LookupFunction): Promise<void> {
  let socket: Socket;
  try {
    ({ socket } = await dialTcp(url.host, url.port, timeoutMs, lookup));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ProxyError('E_UPSTREAM_PROXY', 502, `The upstream proxy ${url.name} could not be reached (${why}).`);
  }
  try {
    if (url.kind !== 'socks5') return;
    const withAuth = url.username !== undefined;
    socket.write(Buffer.from(withAuth ? [5, 2, 0, 2] : [5, 1, 0]));
    const greeting = await readBytes(socket, 2, timeoutMs, url.name);
    if (greeting[0] !== 5) throw new ProxyError('E_UPSTREAM_PROXY', 502, `${url.name} is not a SOCKS5 server.`);
    if (greeting[1] === 0xff) {
      throw new ProxyError(
        'E_UPSTREAM_PROXY',
        502,
        `${url.name} accepts none of Veil's login methods${withAuth ? '' : '; it probably needs user:password in the URL'}.`,
      );
    }
    if (greeting[1] !== 2) return;
    const user = Buffer.from(url.username ?? '');
    const pass = Buffer.from(url.password ?? '');
    socket.write(Buffer.concat([Buffer.from([1, user.length]), user, Buffer.from([pass.length]), pass]));
    const reply = await readBytes(socket, 2, timeoutMs, url.name);
    if (reply[1] !== 0) {
      throw new ProxyError('E_UPSTREAM_PROXY', 502, `${url.name} refused the user name or password.`);
    }
  } finally {
    socket.destroy();
  }
}

function readBytes(socket: Socket, n: number, timeoutMs: number, name: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const timer = setTimeout(
      () => finish(new ProxyError('E_UPSTREAM_PROXY', 502, `${name} did not answer in time.`)),
      timeoutMs,
    );
    function finish(err: Error | null): void {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      if (err) reject(err);
      else resolve(buf.subarray(0, n));
    }
    function onData(chunk: Buffer): void {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= n) finish(null);
    }
    function onClose(): void {
      finish(new ProxyError('E_UPSTREAM_PROXY', 502, `${name} closed the connection during the handshake.`));
    }
    socket.on('data', onData);
    socket.on('close', onClose);
  });
}
