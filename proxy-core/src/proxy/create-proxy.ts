import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { DEFAULT_ACCEPTORS, ExtraAcceptors, REUSE_PORT_SUPPORTED } from './accept-listeners.js';
import { AccessControl, type AccessOptions, isLoopbackHost } from './access-control.js';
import { openTunnel, type TunnelInspector } from './connect-tunnel.js';
import { UPSTREAM_POOL } from './connection-pool.js';
import { DestinationGuard } from './destination-guard.js';
import { createDirectUpstream } from './direct-upstream.js';
import type { EngineContext } from './engine-context.js';
import { abortExchange, endAndRelease, rawErrorAnswer } from './exchange-answers.js';
import type { ExchangeCache } from './exchange-cache.js';
import type { ExchangePolicy } from './exchange-policy.js';
import type { ExchangeRecord } from './exchange-record.js';
import { createRecordSink } from './exchange-recorder.js';
import { forwardHttp } from './http-forward.js';
import { answerAndClose, answerOriginForm, clientErrorFor, collectLocalAddresses } from './listener-answers.js';
import { forwardPlainUpgrade, isPlainUpgrade } from './plain-upgrade.js';
import {
  DEFAULT_CLEARTEXT_PORTS,
  DEFAULT_CONNECT_PORTS,
  DEFAULT_TIMEOUTS,
  type ProxyOptions,
  type ProxyTimeouts,
  type Router,
  SOCKET_HIGH_WATER_MARK,
} from './proxy-options.js';
import { createTransparentListener } from './transparent-listener.js';
import { markWayIn, type WayIn, wayInOf } from './way-in.js';
import { forwardUpgrade } from './websocket-forward.js';

export interface ProxyEngineError {
  code: string;
  message: string;
}

interface ProxyEvents {
  exchange: ExchangeRecord;
  error: ProxyEngineError;
}

export type ProxyEventName = keyof ProxyEvents;

/** The access settings an engine can change while listening; an absent field keeps its value. */
export interface ProxyAccessChange {
  allowedClients?: string[];
  /** `user:password`, or null to stop asking for credentials. */
  proxyAuth?: string | null;
  allowLoopbackAndLinkLocal?: boolean;
  allowedConnectPorts?: number[];
  allowTrace?: boolean;
  maxClientShare?: number;
}

/** The running engine. Promise-only; events are plain objects. */
export interface ProxyEngine {
  /** Binds the listener; rejects with a readable error when the port is taken. */
  listen(): Promise<{ host: string; port: number }>;
  /** Stops accepting, lets in-flight exchanges finish for up to `drainMs`, then closes the rest. */
  close(): Promise<void>;
  /** The bound address, once listening. */
  readonly address: { host: string; port: number } | null;
  /** Listening sockets on the engine's port (several on Node 22.12+, see accept-listeners.ts). */
  readonly acceptors: number;
  /** The transparent listener's bound address, when there is one. */
  readonly transparentAddress: { host: string; port: number } | null;
  /** Open client connections. */
  readonly connectionCount: number;
  /** Subscribes; returns the unsubscribe function. */
  on<E extends ProxyEventName>(event: E, listener: (payload: ProxyEvents[E]) => void): () => void;
  /** Replaces the rules for the next request; exchanges in flight keep theirs. */
  setPolicy(policy: ExchangePolicy): void;
  /** Replaces the route selection for the next request. */
  setRouter(router: Router): void;
  /** Installs (or with null removes) the response cache for the next request. */
  setCache(cache: ExchangeCache | null): void;
  /** Changes who may use Veil and where they may go, for the next request; open connections stay. */
  reconfigure(change: ProxyAccessChange): void;
  /**
   * Serves the HTTP/1.1 carried by `stream` (a decrypted TLS tunnel, a reverse or transparent
   * listener's connection) with the engine's one pipeline: every request on it is admitted,
   * scrubbed, blocked, cached and recorded like a plain one, its record saying `way.kind`.
   */
  serveHttp(stream: Duplex, way: WayIn): void;
  /** Changes the limits for the next exchange (connect and upstream timeouts); exchanges in flight keep theirs. */
  setTimeouts(change: Partial<ProxyTimeouts>): void;
  /** Installs (or with null removes) what looks inside CONNECT tunnels before Veil dials them blind. */
  setTunnelInspector(inspector: TunnelInspector | null): void;
}

/** Creates a forward proxy engine. Nothing listens until `listen()`. */
export function createProxy(options: ProxyOptions = {}): ProxyEngine {
  const host = options.host ?? '127.0.0.1';
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const maxConnections = options.maxConnections ?? 4096;
  const capFor = (share: number): number => Math.max(1, Math.floor(maxConnections * share));
  let clientCap = capFor(options.maxClientShare ?? 0.25);
  const listeners: { [E in ProxyEventName]: Set<(p: ProxyEvents[E]) => void> } = {
    exchange: new Set(),
    error: new Set(),
  };
  let bound: { host: string; port: number } | null = null;
  let seq = 0;
  const sockets = new Set<Socket>();
  const localAddresses = collectLocalAddresses();
  let accessOptions: AccessOptions = {
    listenHost: host,
    allowedClients: options.allowedClients ?? [],
    allowLoopbackAndLinkLocal: options.allowLoopbackAndLinkLocal ?? false,
    ...(options.proxyAuth ? { proxyAuth: options.proxyAuth } : {}),
  };
  const access = new AccessControl(accessOptions);
  // one guard for every route: the service shares it with the routing feature's routes
  const guard = options.guard ?? new DestinationGuard();
  const holder = {};
  guard.hold(holder, access.guardsDestinations);
  const direct = createDirectUpstream({ lookup: guard.lookup(options.lookup), pool: options.pool ?? UPSTREAM_POOL });

  const ctx: EngineContext = {
    policy: options.policy ?? {},
    cache: options.cache ?? null,
    router: options.router ?? (() => direct),
    access,
    guard,
    timeouts,
    allowedConnectPorts: new Set(options.allowedConnectPorts ?? DEFAULT_CONNECT_PORTS),
    cleartextConnectPorts: new Set(options.cleartextConnectPorts ?? DEFAULT_CLEARTEXT_PORTS),
    allowTrace: options.allowTrace ?? false,
    isSelf(targetHost, targetPort) {
      // behind a door that is not a forward proxy the Host names the door itself, never a place to dial
      if (listenerWay || !bound || (targetPort !== bound.port && targetPort !== transparent?.address?.port))
        return false;
      const h = targetHost.replace(/^\[|\]$/g, '').toLowerCase();
      return h === bound.host || isLoopbackHost(h) || localAddresses.has(h) || h === '0.0.0.0' || h === '::';
    },
    nextId: options.records?.nextId ?? (() => ++seq),
    sink: createRecordSink(
      () => listeners.exchange.size > 0,
      (record) => {
        for (const l of listeners.exchange) l(record);
      },
      options.records,
    ),
    reportError(code, message) {
      for (const l of listeners.error) l({ code, message });
    },
    tunnelInspector: null,
    serveHttp(stream, way) {
      // the HTTP server reads any Duplex it is handed as a connection (mockttp does the same);
      // the way in is marked first so each request on it knows where origin-form targets go
      markWayIn(stream, way);
      server.emit('connection', stream);
      stream.resume();
    },
  };

  const serverOptions: ServerOptions = {
    maxHeaderSize: options.maxHeaderSize ?? 16 * 1024,
    headersTimeout: timeouts.headersMs,
    requestTimeout: 0,
    // Node checks header timeouts on this interval (30 s by default), which would let slowloris
    // clients stay far longer than headersMs.
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(timeouts.headersMs / 4))),
    keepAliveTimeout: timeouts.clientIdleMs,
    // Never the lenient parser: it lets request smuggling shapes through.
    insecureHTTPParser: false,
    joinDuplicateHeaders: false,
    noDelay: true,
    // a 64 KiB read fits without pausing the other side of the exchange: measured about 20%
    // less CPU per MB on large bodies than the 16 KiB default; still a bound for slow readers
    highWaterMark: SOCKET_HIGH_WATER_MARK,
  };
  const listenerWay = options.listenerWay;
  const server: Server = listenerWay?.tls
    ? // https.Server is an http.Server over TLS: the same handlers, the same pipeline
      (createTlsServer({ ...serverOptions, ...listenerWay.tls, ALPNProtocols: ['http/1.1'] }) as unknown as Server)
    : createServer(serverOptions);
  server.maxConnections = maxConnections;

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const target = req.url ?? '';
    if ((target.startsWith('/') || target === '*') && !wayInOf(req.socket)) {
      if (options.localHandler?.(req, res)) return;
      answerOriginForm(res);
      return;
    }
    forwardHttp(ctx, req, res);
  }

  server.on('request', onRequest);
  // Forward the expectation instead of promising 100 Continue on the origin's behalf.
  server.on('checkContinue', onRequest);
  server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    void openTunnel(ctx, req, socket, head);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    if (isPlainUpgrade(req)) forwardPlainUpgrade(ctx, req, socket);
    else void forwardUpgrade(ctx, req, socket, head);
  });
  // connections per client address, so that when exposed one address cannot take the whole cap
  const perClient = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    // a stream handed over by serveHttp is already counted (the tunnel's own socket) or not a slot
    if (wayInOf(socket)) return;
    // one cap over every listening socket: with several (accept-listeners.ts) Node's own maxConnections
    // sees only the connections its socket accepted
    if (sockets.size >= maxConnections) {
      ctx.reportError('E_TOO_MANY_CONNECTIONS', `Connection refused: ${maxConnections} connections already open.`);
      socket.destroy();
      return;
    }
    const addr = socket.remoteAddress ?? '';
    const held = (perClient.get(addr) ?? 0) + 1;
    if (ctx.access.exposed && held > clientCap) {
      ctx.reportError('E_TOO_MANY_CONNECTIONS', `Connection from ${addr} refused: it holds ${clientCap} already.`);
      socket.destroy();
      return;
    }
    perClient.set(addr, held);
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      const left = (perClient.get(addr) ?? 1) - 1;
      if (left > 0) perClient.set(addr, left);
      else perClient.delete(addr);
    });
  });
  if (listenerWay) {
    // the stream requests arrive on is the TLS socket when the listener terminates TLS
    const scheme = listenerWay.tls ? 'https' : 'http';
    server.on(listenerWay.tls ? 'secureConnection' : 'connection', (socket: Socket) => {
      markWayIn(socket, {
        kind: listenerWay.kind,
        scheme,
        authority: null,
        clientAddress: socket.remoteAddress ?? '',
        admitted: true,
      });
    });
  }
  server.on('drop', () => {
    ctx.reportError('E_TOO_MANY_CONNECTIONS', `Connection refused: ${maxConnections} connections already open.`);
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const failure = clientErrorFor(err);
    const pending = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (pending) abortExchange(pending, failure?.code ?? 'E_CLIENT_GONE');
    if (failure && pending && !pending.headersSent && socket.writable) {
      // the body broke its framing mid-exchange: answer 400 on this response and close;
      // the forwarder sees the request end incomplete and aborts the upstream side
      answerAndClose(pending, failure);
    } else if (failure && !pending && socket.writable) {
      endAndRelease(socket, rawErrorAnswer(failure));
    } else {
      socket.destroy();
    }
  });

  let extra: ExtraAcceptors | null = null;
  const transparent = options.transparent
    ? createTransparentListener(ctx, host, options.transparent, options.maxHeaderSize ?? 16 * 1024, options.lookup)
    : null;

  return {
    async listen() {
      const port = options.port ?? 8899;
      // a burst of new clients (a browser opening many connections, a load test) must not overflow
      // the accept queue: a dropped SYN costs the client a 1 s retransmit; the kernel caps it at somaxconn
      // several listening sockets on one port where the runtime allows it (see accept-listeners.ts); a TLS
      // listener keeps one (its handshakes are the engine's https.Server's own)
      const acceptors = listenerWay ? 1 : (options.acceptors ?? DEFAULT_ACCEPTORS);
      const shared = acceptors > 1 && REUSE_PORT_SUPPORTED;
      server.listen({ port, host, backlog: 4096, ...(shared ? { reusePort: true } : {}) });
      try {
        await once(server, 'listening');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // the code stays on the error: the service names the field it belongs to
        const named = (message: string) => Object.assign(new Error(message), { code });
        if (code === 'EADDRINUSE') throw named(`Port ${port} on ${host} is already in use.`);
        if (code === 'EADDRNOTAVAIL') throw named(`${host} is not an address of this machine.`);
        if (code === 'EACCES') throw named(`Not allowed to listen on ${host}:${port}.`);
        throw err;
      }
      const addr = server.address() as AddressInfo;
      bound = { host: addr.address, port: addr.port };
      if (shared) {
        // the engine's 'connection' handler holds them to the one cap
        extra = new ExtraAcceptors(acceptors - 1, (socket) => server.emit('connection', socket));
        await extra.listen(host, addr.port);
      }
      try {
        await transparent?.listen();
      } catch (err) {
        await new Promise<void>((r) => server.close(() => r()));
        bound = null;
        throw err;
      }
      return bound;
    },
    async close() {
      if (!server.listening) {
        direct.close();
        guard.release(holder);
        return;
      }
      await extra?.close();
      extra = null;
      await transparent?.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = setTimeout(() => {
        for (const s of sockets) s.destroy();
      }, timeouts.drainMs);
      await closed;
      // tunnels and upgraded sockets left the server's books: wait for them too, within the deadline
      await Promise.all([...sockets].map((s) => (s.destroyed ? undefined : once(s, 'close'))));
      clearTimeout(deadline);
      direct.close();
      guard.release(holder);
      bound = null;
    },
    get address() {
      return bound;
    },
    get acceptors() {
      return server.listening ? 1 + (extra?.listening ?? 0) : 0;
    },
    get transparentAddress() {
      return transparent?.address ?? null;
    },
    get connectionCount() {
      return sockets.size;
    },
    on(event, listener) {
      const set = listeners[event] as Set<typeof listener>;
      set.add(listener);
      return () => set.delete(listener);
    },
    setPolicy(policy) {
      ctx.policy = policy;
    },
    setRouter(router) {
      ctx.router = router;
    },
    setCache(cache) {
      ctx.cache = cache;
    },
    serveHttp(stream, way) {
      ctx.serveHttp(stream, way);
    },
    setTimeouts(change) {
      ctx.timeouts = { ...ctx.timeouts, ...change };
    },
    setTunnelInspector(inspector) {
      ctx.tunnelInspector = inspector;
    },
    reconfigure(change) {
      const { proxyAuth, allowedClients, allowLoopbackAndLinkLocal } = change;
      const next: AccessOptions = {
        ...accessOptions,
        ...(allowedClients ? { allowedClients } : {}),
        ...(allowLoopbackAndLinkLocal !== undefined ? { allowLoopbackAndLinkLocal } : {}),
      };
      if (proxyAuth === null) delete next.proxyAuth;
      else if (proxyAuth !== undefined) next.proxyAuth = proxyAuth;
      // built before anything is swapped: a bad CIDR throws and leaves the engine as it was
      const nextAccess = new AccessControl(next);
      accessOptions = next;
      ctx.access = nextAccess;
      guard.hold(holder, nextAccess.guardsDestinations);
      if (change.allowedConnectPorts) ctx.allowedConnectPorts = new Set(change.allowedConnectPorts);
      if (change.allowTrace !== undefined) ctx.allowTrace = change.allowTrace;
      if (change.maxClientShare !== undefined) clientCap = capFor(change.maxClientShare);
    },
  };
}
