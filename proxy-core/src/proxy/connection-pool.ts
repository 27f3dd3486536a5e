import type { Socket } from 'node:net';
import type { DialTimings } from './upstream.js';
import { UpstreamConnection } from './upstream-connection.js';

/** Opens a connected socket to `host:port` (direct, through SOCKS, or to an HTTP proxy). */
export type Dial = (host: string, port: number, timeoutMs: number) => Promise<{ socket: Socket; timings: DialTimings }>;

export interface ConnectionPoolOptions {
  /** Idle connections kept per address. Default 256. */
  maxFreePerAddress?: number;
  /**
   * How long an idle connection is kept. Default 30 s: origins close theirs sooner (nginx 75 s,
   * Node 5 s) and a connection they closed is retried once for idempotent bodiless requests.
   */
  freeTimeoutMs?: number;
}

/** The pool limits every route uses unless told otherwise: the engine's direct route and the routing feature's. */
export const UPSTREAM_POOL: Readonly<ConnectionPoolOptions> = { maxFreePerAddress: 256, freeTimeoutMs: 30_000 };

/**
 * Kept-alive upstream connections per address, most recently used first (LIFO keeps a few
 * connections warm instead of cycling through all of them). Taking an idle connection is
 * synchronous: the common exchange never waits a tick for its socket.
 */
export class ConnectionPool {
  private readonly free = new Map<string, UpstreamConnection[]>();
  private readonly all = new Set<UpstreamConnection>();
  private readonly maxFree: number;
  private readonly freeTimeoutMs: number;
  private closed = false;
  private dialing = 0;
  /** Closes connections idle past `freeTimeoutMs`; one timer for the pool, not one per socket. */
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly dial: Dial,
    options: ConnectionPoolOptions = {},
  ) {
    this.maxFree = options.maxFreePerAddress ?? UPSTREAM_POOL.maxFreePerAddress!;
    this.freeTimeoutMs = options.freeTimeoutMs ?? UPSTREAM_POOL.freeTimeoutMs!;
  }

  /** Connections serving an exchange now, plus those being opened (least-connections balancing reads it). */
  get busy(): number {
    let idle = 0;
    for (const list of this.free.values()) idle += list.length;
    return this.all.size - idle + this.dialing;
  }

  /** An idle connection to `host:port`, or null when a new one must be opened. */
  take(host: string, port: number): UpstreamConnection | null {
    const list = this.free.get(`${host}:${port}`);
    while (list && list.length > 0) {
      const conn = list.pop()!;
      if (!conn.destroyed) return conn;
    }
    return null;
  }

  /** Opens a new connection to `host:port`; it joins the pool when its first exchange ends. */
  async open(
    host: string,
    port: number,
    timeoutMs: number,
  ): Promise<{ conn: UpstreamConnection; timings: DialTimings }> {
    this.dialing++;
    let dialed: Awaited<ReturnType<Dial>>;
    try {
      dialed = await this.dial(host, port, timeoutMs);
    } finally {
      this.dialing--;
    }
    const { socket, timings } = dialed;
    const key = `${host}:${port}`;
    const conn = new UpstreamConnection(
      socket,
      (c) => this.release(key, c),
      (c) => this.forget(key, c),
    );
    this.all.add(conn);
    if (this.closed) conn.destroy();
    return { conn, timings };
  }

  /** Gives back a connection that was opened or taken but not used. */
  putBack(host: string, port: number, conn: UpstreamConnection): void {
    this.release(`${host}:${port}`, conn);
  }

  /** Closes every connection, idle or busy; later ones are closed as they come back. */
  destroy(): void {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    for (const conn of this.all) conn.destroy();
    this.all.clear();
    this.free.clear();
  }

  private release(key: string, conn: UpstreamConnection): void {
    let list = this.free.get(key);
    if (!list) {
      list = [];
      this.free.set(key, list);
    }
    if (this.closed || conn.destroyed || list.length >= this.maxFree) {
      conn.destroy();
      return;
    }
    conn.idleSince = performance.now();
    list.push(conn);
    if (!this.sweeper) {
      this.sweeper = setInterval(() => this.sweep(), Math.max(250, this.freeTimeoutMs / 4));
      this.sweeper.unref();
    }
  }

  private sweep(): void {
    const cutoff = performance.now() - this.freeTimeoutMs;
    for (const list of this.free.values()) {
      // LIFO: the oldest idle connections are at the bottom of each list
      while (list.length > 0 && list[0]!.idleSince < cutoff) list.shift()!.destroy();
    }
    if (this.free.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }

  private forget(key: string, conn: UpstreamConnection): void {
    this.all.delete(conn);
    const list = this.free.get(key);
    if (!list) return;
    const i = list.indexOf(conn);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.free.delete(key);
  }
}
