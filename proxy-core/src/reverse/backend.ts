import { createHash } from 'node:crypto';
import { isIP, type Socket } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import { ConnectionPool } from '../proxy/connection-pool.js';
import { dialTcp } from '../proxy/direct-upstream.js';
import { ProxyError } from '../proxy/proxy-error.js';
import { SOCKET_HIGH_WATER_MARK } from '../proxy/proxy-options.js';
import type { DialTimings } from '../proxy/upstream.js';
import { BackendHealth, type HealthRules } from './backend-health.js';

/**
 * Idle keep-alive connections to a backend are closed after this: below a Node backend's own
 * 5 s keepAliveTimeout (nginx 75 s), so Veil, not the backend, ends an idle connection and a
 * reused one is never one the backend is closing. The pool sweeps every quarter of it.
 */
export const BACKEND_IDLE_MS = 3_000;

/** One backend of a route: its address, weight, health, requests in flight and kept-alive connections. */
export class Backend {
  readonly pool: ConnectionPool;
  readonly health: BackendHealth;
  /** WebSocket connections open to it (they leave the pool's books). */
  upgrades = 0;
  /** For the sticky cookie: a hash, never the address. */
  readonly stickyId: string;

  constructor(
    /** `http://127.0.0.1:9001` */
    readonly origin: string,
    readonly host: string,
    readonly port: number,
    readonly tls: boolean,
    readonly weight: number,
    health: HealthRules,
    /** PEM of the CA for an HTTPS backend; undefined: the system's CAs. */
    private readonly ca: string | undefined,
    stickySalt: string,
  ) {
    this.health = new BackendHealth(health);
    this.stickyId = createHash('sha256').update(`${stickySalt}\0${origin}`).digest('hex').slice(0, 12);
    this.pool = new ConnectionPool((h, p, timeoutMs) => this.dial(h, p, timeoutMs), {
      freeTimeoutMs: BACKEND_IDLE_MS,
    });
  }

  /** A connected socket: TCP, or TLS verified against the route's CA (never without verification). */
  dial(host: string, port: number, timeoutMs: number): Promise<{ socket: Socket; timings: DialTimings }> {
    if (!this.tls) return dialTcp(host, port, timeoutMs);
    return dialTls(host, port, timeoutMs, this.ca);
  }

  /** Requests in flight on it: busy pooled connections, those being opened, and open WebSockets. */
  get active(): number {
    return this.pool.busy + this.upgrades;
  }

  close(): void {
    this.pool.destroy();
  }
}

function dialTls(
  host: string,
  port: number,
  timeoutMs: number,
  ca: string | undefined,
): Promise<{ socket: Socket; timings: DialTimings }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const socket = tlsConnect({
      host,
      port,
      // an IP literal is checked against the certificate's IP SANs; SNI carries names only
      ...(isIP(host) ? {} : { servername: host }),
      ...(ca ? { ca } : {}),
      rejectUnauthorized: true,
      ALPNProtocols: ['http/1.1'],
      highWaterMark: SOCKET_HIGH_WATER_MARK,
    } as ConnectionOptions);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ProxyError('E_UPSTREAM_TIMEOUT', 504, 'The backend did not accept a connection in time.'));
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve({ socket, timings: { dns: 0, connect: performance.now() - start } });
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    });
  });
}
