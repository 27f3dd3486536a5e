import type { LookupFunction, Socket } from 'node:net';
import { ConnectionPool, type ConnectionPoolOptions } from './connection-pool.js';
import { dialTcp } from './direct-upstream.js';
import { type HeadError, readResponseHead, serializeRequestHead } from './head-codec.js';
import { ProxyError } from './proxy-error.js';
import type { DialTimings, HttpTarget, Upstream } from './upstream.js';
import type { UpstreamUrl } from './upstream-url.js';

export interface HttpUpstreamOptions {
  /** The pool's limits: one set for every kind of route (see ConnectionPoolOptions). */
  pool?: ConnectionPoolOptions;
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

  // pooled by the proxy's address: one kept-alive connection serves every origin behind it; the
  // deadline is the engine's connect timeout, the same for every route
  const pool = new ConnectionPool((_host, _port, timeoutMs) => reachProxy(timeoutMs), options.pool);

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
      socket.write(serializeRequestHead('CONNECT', authority, ['Host', authority, ...(extraHeaders ?? [])]), 'latin1');
      try {
        const { status } = await readConnectAnswer(socket, timeoutMs, url.name);
        if (status === 407) throw credentialsRefused(url.name);
        if (status < 200 || status > 299) {
          throw new ProxyError(
            'E_UPSTREAM_PROXY',
            502,
            `The upstream proxy ${url.name} refused the tunnel to ${authority} (status ${status}).`,
          );
        }
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

/**
 * Reads the upstream's answer to CONNECT with the one strict head reader (paused mode: once it
 * returns, whoever attaches `data` next gets every byte that followed the head).
 */
async function readConnectAnswer(socket: Socket, timeoutMs: number, name: string): Promise<{ status: number }> {
  try {
    const head = await readResponseHead(socket, { timeoutMs, maxHeaderBytes: 16 * 1024 });
    return { status: head.status };
  } catch (err) {
    const code = (err as HeadError).code;
    if (code === 'E_HEAD_TIMEOUT') {
      throw new ProxyError('E_UPSTREAM_PROXY', 502, `The upstream proxy ${name} did not answer CONNECT in time.`);
    }
    if (code === 'ECONNRESET' && (err as Error).message.startsWith('the connection closed')) {
      throw new ProxyError('E_UPSTREAM_PROXY', 502, `The upstream proxy ${name} closed the connection during CONNECT.`);
    }
    if (code === 'HPE_HEADER_OVERFLOW') {
      throw new ProxyError('E_UPSTREAM_PROXY', 502, `The upstream proxy ${name} sent an oversized CONNECT answer.`);
    }
    if (code?.startsWith('HPE_')) {
      throw new ProxyError('E_UPSTREAM_PROXY', 502, `The upstream proxy ${name} is not an HTTP proxy (${code}).`);
    }
    throw proxyUnreachable(err, name);
  }
}
