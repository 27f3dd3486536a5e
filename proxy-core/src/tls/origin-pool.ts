import type { Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import { ConnectionPool } from '../proxy/connection-pool.js';
import type { DialTimings, HttpTarget, Upstream } from '../proxy/upstream.js';
import { connectOriginTls, originContext } from './origin-tls.js';

/**
 * Kept-alive, verified TLS connections to origins, one pool per route: a decrypted request
 * leaves on TLS dialed through the same route as every other exchange (direct, SOCKS, HTTP
 * CONNECT; fail-closed), verified against `anchors`, speaking HTTP/1.1 (the pipeline's protocol).
 */
export class OriginTlsPools {
  private readonly pools = new WeakMap<Upstream, ConnectionPool>();
  private readonly all = new Set<ConnectionPool>();
  private readonly trust: SecureContext;

  constructor(
    readonly anchors: readonly string[],
    private readonly handshakeTimeoutMs: number,
  ) {
    this.trust = originContext(anchors);
  }

  /** The pool for `route`, created on first use. */
  poolFor(route: Upstream): ConnectionPool {
    let pool = this.pools.get(route);
    if (!pool) {
      pool = new ConnectionPool((host, port, timeoutMs) => this.connect(route, host, port, timeoutMs));
      this.pools.set(route, pool);
      this.all.add(pool);
    }
    return pool;
  }

  /** A verified TLS connection to `host:port` through `route`, speaking HTTP/1.1 (also for wss upgrades). */
  async connect(
    route: Upstream,
    host: string,
    port: number,
    timeoutMs: number,
  ): Promise<{ socket: Socket; timings: DialTimings }> {
    const dialed = await route.connect(host, port, timeoutMs);
    const t0 = performance.now();
    const tls = await connectOriginTls(dialed.socket, host, ['http/1.1'], this.trust, this.handshakeTimeoutMs);
    // the TLS handshake counts as connecting: the record's connect time is what the client waited
    const timings = { dns: dialed.timings.dns, connect: dialed.timings.connect + performance.now() - t0 };
    return { socket: tls.socket as Socket, timings };
  }

  /** Where an https request for `host:port` goes on `route`. */
  target(route: Upstream, host: string, port: number, path: string): HttpTarget {
    return { pool: this.poolFor(route), host, port, path, tls: true };
  }

  /** Closes every pooled connection (settings changed the anchors, or the engine stops). */
  destroy(): void {
    for (const p of this.all) p.destroy();
    this.all.clear();
  }
}
