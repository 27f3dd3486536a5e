import { isIP, type LookupFunction, type Socket } from 'node:net';
import { SocksClient } from 'socks';
import { systemLookup } from '../dns/system-lookup.js';
import { ConnectionPool, type ConnectionPoolOptions } from './connection-pool.js';
import { ProxyError } from './proxy-error.js';
import type { DialTimings, HttpTarget, Upstream } from './upstream.js';
import type { UpstreamUrl } from './upstream-url.js';

export interface SocksUpstreamOptions {
  /**
   * Resolve target names here and send the SOCKS server an address. Off (the default) the
   * name itself goes to the SOCKS server (address type domain): Veil makes no DNS query,
   * so nothing leaks to the local resolver, whatever the URL's scheme spelling.
   */
  localDns?: boolean;
  /** Resolver used only with `localDns` (tests count its calls). */
  lookup?: (host: string) => Promise<string>;
  /** Resolves the SOCKS server's own host name (Veil's resolver, dns/); default: the system's. */
  hostLookup?: LookupFunction | undefined;
  /** The pool's limits: one set for every kind of route (see ConnectionPoolOptions). */
  pool?: ConnectionPoolOptions;
  /** Told after each dial whether the SOCKS server itself answered (status, opt-in direct fallback). */
  onHealth?: (up: boolean) => void;
}

/** Routes through a SOCKS5 proxy (Tor, ssh -D, microsocks, dante), with user/password auth if given. */
export function createSocksUpstream(url: UpstreamUrl, options: SocksUpstreamOptions = {}): Upstream {
  const resolve = options.lookup ?? ((host: string) => lookupOne(systemLookup, host));
  const proxyHost = (): Promise<string> | string =>
    isIP(url.host) || !options.hostLookup ? url.host : lookupOne(options.hostLookup, url.host);

  async function dial(
    host: string,
    port: number,
    timeoutMs: number,
  ): Promise<{ socket: Socket; timings: DialTimings }> {
    const start = performance.now();
    let target = host.replace(/^\[|\]$/g, '');
    if (options.localDns && !isIP(target)) target = await resolve(target);
    const resolved = performance.now();
    try {
      const { socket } = await SocksClient.createConnection({
        proxy: {
          host: await proxyHost(),
          port: url.port,
          type: 5,
          ...(url.username !== undefined ? { userId: url.username, password: url.password ?? '' } : {}),
        },
        command: 'connect',
        destination: { host: target, port },
        timeout: timeoutMs,
      });
      options.onHealth?.(true);
      return { socket, timings: { dns: resolved - start, connect: performance.now() - resolved } };
    } catch (err) {
      const failure = socksFailure(err, url.name, `${host}:${port}`);
      // the server answered when only the destination failed
      options.onHealth?.(failure.code !== 'E_UPSTREAM_PROXY');
      throw failure;
    }
  }

  // plain HTTP goes origin-form over a socket the SOCKS server opened, pooled per origin like direct;
  // the deadline is the engine's connect timeout, the same for every route
  const pool = new ConnectionPool((host, port, timeoutMs) => dial(host, port, timeoutMs), options.pool);

  return {
    name: url.name,
    httpTarget(host, port, path): HttpTarget {
      return { pool, host, port, path };
    },
    connect(host, port, timeoutMs) {
      return dial(host, port, timeoutMs);
    },
    close() {
      pool.destroy();
    },
  };
}

/** Names the SOCKS server when it is the one failing, and the target when the server could not reach it. */
export function socksFailure(err: unknown, upstream: string, target: string): ProxyError {
  if (err instanceof ProxyError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (message.includes('rejected connection')) {
    const reason = message.split(' - ')[1] ?? 'refused';
    return new ProxyError(
      'E_UPSTREAM_UNREACHABLE',
      502,
      `The SOCKS proxy ${upstream} could not reach ${target} (${reason}).`,
    );
  }
  if (message.includes('Authentication failed') || message.includes('NoAcceptedAuthType')) {
    return new ProxyError(
      'E_UPSTREAM_PROXY',
      502,
      `The SOCKS proxy ${upstream} refused Veil's credentials; check the user and password in the upstream URL.`,
    );
  }
  if (message.includes('timed out')) {
    return new ProxyError('E_UPSTREAM_PROXY', 502, `The SOCKS proxy ${upstream} did not answer in time.`);
  }
  return new ProxyError(
    'E_UPSTREAM_PROXY',
    502,
    `The upstream proxy ${upstream} could not be reached (${message}). Veil does not go direct instead.`,
  );
}

/** One address from a `dns.lookup`-shaped resolver. */
function lookupOne(lookup: LookupFunction, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    lookup(host, {}, (err, address) => (err ? reject(err) : resolve(address as string)));
  });
}
