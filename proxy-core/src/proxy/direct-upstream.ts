import { type LookupFunction, type NetConnectOpts, connect as netConnect, type Socket } from 'node:net';
import { ConnectionPool, type ConnectionPoolOptions } from './connection-pool.js';
import { ProxyError } from './proxy-error.js';
import { SOCKET_HIGH_WATER_MARK } from './proxy-options.js';
import type { DialTimings, HttpTarget, Upstream } from './upstream.js';

export interface DirectUpstreamOptions {
  /** The pool's limits: one set for every kind of route (see ConnectionPoolOptions). */
  pool?: ConnectionPoolOptions;
  /** Custom resolver (tests count lookups through it). */
  lookup?: LookupFunction;
}

/** Straight to the origin, with pooled keep-alive sockets. */
export function createDirectUpstream(options: DirectUpstreamOptions = {}): Upstream {
  // pooled: at small response sizes, upstream handshakes dominate the cost of an exchange
  const pool = new ConnectionPool(
    (host, port, timeoutMs) => dialTcp(host, port, timeoutMs, options.lookup),
    options.pool,
  );
  return {
    name: 'direct',
    httpTarget(host: string, port: number, path: string): HttpTarget {
      return { pool, host, port, path };
    },
    connect(host, port, timeoutMs) {
      return dialTcp(host, port, timeoutMs, options.lookup);
    },
    close() {
      pool.destroy();
    },
  };
}

/** A TCP connection with DNS and connect timings, failing with a timeout after `timeoutMs`. */
export function dialTcp(
  host: string,
  port: number,
  timeoutMs: number,
  lookup?: LookupFunction,
): Promise<{ socket: Socket; timings: DialTimings }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    let resolvedAt = start;
    // highWaterMark reaches the socket's Duplex options; @types/node does not list it
    const opts = { host, port, noDelay: true, highWaterMark: SOCKET_HIGH_WATER_MARK, ...(lookup ? { lookup } : {}) };
    const socket = netConnect(opts as NetConnectOpts);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ProxyError('E_UPSTREAM_TIMEOUT', 504, `${host}:${port} did not accept a connection in time.`));
    }, timeoutMs);
    socket.once('lookup', () => {
      resolvedAt = performance.now();
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      const now = performance.now();
      resolve({ socket, timings: { dns: resolvedAt - start, connect: now - resolvedAt } });
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
