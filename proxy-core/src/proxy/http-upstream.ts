import type { LookupFunction, Socket } from 'node:net';
import { ConnectionPool } from './connection-pool.js';
import { dialTcp } from './direct-upstream.js';
import { ProxyError } from './proxy-error.js';
import type { DialTimings, HttpTarget, Upstream } from './upstream.js';
import type { UpstreamUrl } from './upstream-url.js';

export interface HttpUpstreamOptions {
  maxFreeSockets?: number;
  /** Deadline for reaching the upstream proxy on pooled plain-HTTP connections. */
  connectTimeoutMs?: number;
  /** Told after each dial whether the proxy answered (status, opt-in direct fallback). */
  onHealth?: (up: boolean) => void;
  /** Resolves the proxy's own host name (Veil's resolver, dns/); default: the system's. */
  lookup?: LookupFunction | undefined;
}

/**
 * Routes through an HTTP proxy: plain requests in absolute-form with Proxy-Authorization,
 * tunnels and WebSocket upgrades with CONNECT on the upstream. The CONNECT Veil sends carries
 * only Host and the credentials: none of the client's headers cross to the upstream.
 */
export function createHttpUpstream(url: UpstreamUrl, options: HttpUpstreamOptions = {}): Upstream {
  const auth =
    url.username !== undefined
      ? `Basic ${Buffer.from(`${url.username}:${url.password ?? ''}`).toString('base64')}`
      : undefined;
  const extraHeaders = auth ? ['Proxy-Authorization', auth] : undefined;
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;

  async function reachProxy(timeoutMs: number): Promise<{ socket: Socket; timings: DialTimings }> {
    try {
      const dialed = await dialTcp(url.host, url.port, timeoutMs, options.lookup);
      options.onHealth?.(true);
      return dialed;
    } catch (err) {
      options.onHealth?.(false);
      throw proxyUnreachable(err, url.name);
    }
  }

  // pooled by the proxy's address: one kept-alive connection serves every origin behind it
  const pool = new ConnectionPool(() => reachProxy(connectTimeoutMs), {
    maxFreePerAddress: options.maxFreeSockets ?? 256,
  });

  return {
    name: url.name,
    httpTarget(host, port, path): HttpTarget {
      const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;
      const target: HttpTarget = { pool, host: url.host, port: url.port, path: `http://${authority}${path}` };
      if (extraHeaders) target.extraHeaders = extraHeaders;
      target.hopAnswer = (status) => (status === 407 ? credentialsRefused(url.name) : undefined);
      return target;
    },
    async connect(host, port, timeoutMs) {
      const { socket, timings } = await reachProxy(timeoutMs);
      const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;
      let head = `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n`;
      if (auth) head += `Proxy-Authorization: ${auth}\r\n`;
      socket.write(`${head}\r\n`);
      try {
        const { status, rest } = await readConnectAnswer(socket, timeoutMs, url.name);
        if (status === 407) throw credentialsRefused(url.name);
        if (status < 200 || status > 299) {
          throw new ProxyError(
            'E_UPSTREAM_PROXY',
            502,
            `The upstream proxy ${url.name} refused the tunnel to ${authority} (status ${status}).`,
          );
        }
        if (rest.length > 0) socket.unshift(rest);
        return { socket, timings };
      } catch (err) {
        socket.destroy();
        throw err;
      }
    },
    close() {
      pool.destroy();
    },
  };
}

/**
 * A 407 from the upstream proxy is about Veil's credentials for it, never the client's: relaying
 * it would ask the browser for a password Veil does not use. `name` is already redacted.
 */
function credentialsRefused(name: string): ProxyError {
  return new ProxyError(
    'E_UPSTREAM_PROXY',
    502,
    `The upstream proxy ${name} refused Veil's credentials (407); set the right user:password in the upstream URL.`,
  );
}

/** The upstream proxy itself could not be reached: say which one, and that Veil did not go direct. */
export function proxyUnreachable(err: unknown, name: string): ProxyError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const why =
    err instanceof ProxyError
      ? 'no answer in time'
      : code === 'ECONNREFUSED'
        ? 'connection refused'
        : ((err as Error)?.message ?? String(err));
  return new ProxyError(
    'E_UPSTREAM_PROXY',
    502,
    `The upstream proxy ${name} could not be reached (${why}). Veil does not go direct instead.`,
  );
}

const MAX_HEAD = 16 * 1024;

/**
 * Reads the upstream's answer to CONNECT in paused mode (`readable`), so that once the
 * listener goes the socket is neither flowing nor explicitly paused: whoever attaches
 * `data` next gets every byte, starting with those that followed the head.
 */
function readConnectAnswer(socket: Socket, timeoutMs: number, name: string): Promise<{ status: number; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const timer = setTimeout(
      () => done(new ProxyError('E_UPSTREAM_PROXY', 502, `The upstream proxy ${name} did not answer CONNECT in time.`)),
      timeoutMs,
    );
    function done(err: Error | null, value?: { status: number; rest: Buffer }): void {
      clearTimeout(timer);
      socket.off('readable', onReadable);
      socket.off('error', onError);
      socket.off('end', onEnd);
      if (err) reject(err);
      else resolve(value!);
    }
    function onError(err: Error): void {
      done(proxyUnreachable(err, name));
    }
    function onEnd(): void {
      done(new ProxyError('E_UPSTREAM_PROXY', 502, `The upstream proxy ${name} closed the connection during CONNECT.`));
    }
    function onReadable(): void {
      for (let chunk = socket.read() as Buffer | null; chunk !== null; chunk = socket.read() as Buffer | null) {
        buf = Buffer.concat([buf, chunk]);
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) {
          if (buf.length > MAX_HEAD) {
            done(
              new ProxyError('E_UPSTREAM_PROXY', 502, `The upstream proxy ${name} sent an oversized CONNECT answer.`),
            );
            return;
          }
          continue;
        }
        const m = /^HTTP\/1\.[01] (\d{3})/.exec(buf.subarray(0, end).toString('latin1'));
        if (!m) {
          done(new ProxyError('E_UPSTREAM_PROXY', 502, `The upstream proxy ${name} is not an HTTP proxy.`));
          return;
        }
        done(null, { status: Number(m[1]), rest: buf.subarray(end + 4) });
        return;
      }
    }
    socket.on('readable', onReadable);
    socket.on('error', onError);
    socket.on('end', onEnd);
  });
}
