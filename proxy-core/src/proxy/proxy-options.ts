import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LookupFunction } from 'node:net';
import type { TlsOptions } from 'node:tls';
import type { ConnectionPoolOptions } from './connection-pool.js';
import type { DestinationGuard } from './destination-guard.js';
import type { ExchangeCache } from './exchange-cache.js';
import type { ExchangePolicy, RequestFacts } from './exchange-policy.js';
import type { RecordOptions } from './exchange-recorder.js';
import type { TransparentListenerOptions } from './transparent-listener.js';
import type { Upstream } from './upstream.js';
import type { WayInKind } from './way-in.js';

export interface ProxyTimeouts {
  /** A client must send its request headers within this (slowloris guard); 408 after. */
  headersMs: number;
  /** Idle keep-alive connections from clients are closed after this. */
  clientIdleMs: number;
  /** Connecting to the origin or upstream proxy; 504 after. */
  upstreamConnectMs: number;
  /** Upstream silent (no response bytes) for this long; 504 before the response starts, cut after. */
  upstreamIdleMs: number;
  /** A CONNECT tunnel with no bytes either way for this long is closed. */
  tunnelIdleMs: number;
  /** On close, in-flight exchanges get this long to finish. */
  drainMs: number;
}

export interface ProxyOptions {
  /** 0 picks a free port. Default 8899. */
  port?: number;
  /** Default 127.0.0.1: Veil is never an open proxy by accident. */
  host?: string;
  /**
   * Ports CONNECT may reach. Default 443, 8443 and 80 (browsers send `ws://` through a proxy as
   * CONNECT host:80; tunnels to cleartext ports are looked into, see connect-tunnel.ts).
   */
  allowedConnectPorts?: number[];
  /**
   * Cleartext HTTP ports: a browser sends `ws://` through a proxy as CONNECT host:80, so for a
   * tunnel to one of these Veil answers 200 at once and looks at what the client says first:
   * HTTP is served through the same pipeline as a plain request; anything else is spliced blind.
   * Tunnels to other ports are dialed before the 200 (a failure is a 502 page). Default 80, 8080.
   */
  cleartextConnectPorts?: number[];
  /** TRACE is refused (405) unless this is set. */
  allowTrace?: boolean;
  /** Client CIDRs allowed when `host` is not loopback. */
  allowedClients?: string[];
  /** `user:password`; when set, clients must authenticate (407). */
  proxyAuth?: string;
  /** Let exposed Veil reach loopback and link-local destinations. */
  allowLoopbackAndLinkLocal?: boolean;
  /**
   * The destination guard to use (the service shares one with the routing feature's routes so
   * every route is guarded alike); default: the engine's own.
   */
  guard?: DestinationGuard;
  /** Listening sockets on the port where the runtime can share one (Node 22.12+); default 8 there, else 1. */
  acceptors?: number;
  /** Open client connections at most; more are refused. Default 4096. */
  maxConnections?: number;
  /**
   * When exposed, the share of `maxConnections` one client address may hold (default 0.25);
   * its further connections are closed at once, so one LAN client cannot lock everyone out.
   */
  maxClientShare?: number;
  /** Request header bytes at most; 431 beyond. Default 16 KiB. */
  maxHeaderSize?: number;
  timeouts?: Partial<ProxyTimeouts>;
  /** Limits of the direct route's connection pool (default UPSTREAM_POOL, the same as every other route's). */
  pool?: ConnectionPoolOptions;
  /**
   * Name resolution for the direct route (default: the system resolver). Every answer is
   * checked before connecting, so a name that resolves to loopback is refused like the address.
   */
  lookup?: LookupFunction;
  /**
   * Every connection the listener accepts is this way in (a reverse listener's visitors):
   * origin-form requests are served by their Host through the pipeline instead of being told
   * this is a proxy, and with `tls` the listener speaks HTTPS. Default: a forward proxy's listener.
   */
  listenerWay?: ListenerWay;
  /** Rules applied to each exchange; replaceable live with `setPolicy`. */
  policy?: ExchangePolicy;
  /** The response cache (cache/); replaceable live with `setCache`. Default: none. */
  cache?: ExchangeCache;
  /** Routes requests; default: direct. Replaceable live with `setRouter`. */
  router?: Router;
  /**
   * Origin-form requests (`GET /path`) that Veil itself answers, e.g. the PAC file.
   * Return true when handled; otherwise the client is told this is a proxy.
   */
  localHandler?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /**
   * A transparent listener on the same address (a Linux gateway's firewall redirects clients'
   * web traffic to it): see transparent-way.ts. Default: none.
   */
  transparent?: TransparentListenerOptions;
  /** The record id source and what records keep (the service shares one across engines it rebuilds). */
  records?: RecordOptions;
}

/** What a listener's own connections are, when the engine is a door other than a forward proxy's. */
export interface ListenerWay {
  kind: WayInKind;
  /** Certificate, key and SNI selection: the listener terminates TLS and its requests are https. */
  tls?: Pick<TlsOptions, 'cert' | 'key' | 'SNICallback'>;
}

/** Picks the way out for one request. */
export type Router = (facts: RequestFacts) => Upstream;

export const DEFAULT_CONNECT_PORTS = [443, 8443, 80];
export const DEFAULT_CLEARTEXT_PORTS = [80, 8080];

export const DEFAULT_TIMEOUTS: ProxyTimeouts = {
  headersMs: 10_000,
  clientIdleMs: 5_000,
  upstreamConnectMs: 10_000,
  upstreamIdleMs: 60_000,
  tunnelIdleMs: 300_000,
  drainMs: 5_000,
};

/** Buffer threshold of every client and upstream socket (see create-proxy.ts). */
export const SOCKET_HIGH_WATER_MARK = 256 * 1024;
