import type { Duplex } from 'node:stream';
import type { ConnectionPool } from './connection-pool.js';
import type { ProxyError } from './proxy-error.js';

/** Where the engine should send an HTTP request, given the route. */
export interface HttpTarget {
  /** Kept-alive connections for this route, keyed by `host:port` below. */
  pool: ConnectionPool;
  /** Host and port to connect to: the origin, or the upstream HTTP proxy. */
  host: string;
  port: number;
  /** Request target: origin-form for direct/SOCKS, absolute-form for an HTTP upstream. */
  path: string;
  /**
   * The pool's connections speak TLS to the origin. An `https:` request (from an inspected
   * tunnel) is only ever sent on such a target: the engine refuses to send it in cleartext.
   */
  tls?: boolean;
  /**
   * The operator chose a cleartext hop for https requests: a reverse listener terminates TLS
   * in front of an `http://` backend of the operator's own. Never set for a decrypted tunnel.
   */
  cleartextChosen?: boolean;
  /** Extra headers for the hop (e.g. Proxy-Authorization to an HTTP upstream). */
  extraHeaders?: string[];
  /**
   * Tells apart answers from the hop itself (e.g. an upstream proxy's 407 to Veil's own
   * credentials) from the origin's: the error returned replaces the response for the client.
   */
  hopAnswer?: (status: number) => ProxyError | undefined;
  /**
   * After a failed connect (nothing of the request was sent): another target with the same
   * path to try at once, or the error the client is told. A reverse pool moves to its next backend.
   */
  onConnectFailure?: (err: unknown) => HttpTarget | ProxyError;
}

/** Connection timings for the record (0 when a pooled socket was reused). */
export interface DialTimings {
  dns: number;
  connect: number;
}

/**
 * One way out of Veil: direct, through SOCKS5, or through an HTTP proxy. Each route is
 * fail-closed: when it cannot reach its upstream it throws, it never goes direct instead.
 */
export interface Upstream {
  /** Shown in records and the UI, credentials removed: `direct`, `socks5h://127.0.0.1:9050`. */
  readonly name: string;
  /** Where to send a plain HTTP request for origin `host:port` and `path`. */
  httpTarget(host: string, port: number, path: string): HttpTarget;
  /** A connected byte stream to `host:port` (CONNECT tunnels and WebSocket upgrades). */
  connect(host: string, port: number, timeoutMs: number): Promise<{ socket: Duplex; timings: DialTimings }>;
  /** The request target to write on a stream from `connect` (a reverse route strips its prefix); default: `path`. */
  requestTarget?(path: string): string;
  /** Frees pooled sockets. */
  close(): void;
}
