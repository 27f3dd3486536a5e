import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createSecureContext, type SecureContext } from 'node:tls';
import { HostPatternMap } from '../privacy/host-pattern.js';
import { AccessControl } from '../proxy/access-control.js';
import { answerClientError, engineServerOptions, type ProxyEngineError } from '../proxy/create-proxy.js';
import type { EngineContext } from '../proxy/engine-context.js';
import { rawErrorResponse } from '../proxy/error-page.js';
import { sendError } from '../proxy/exchange-answers.js';
import type { ExchangeCache } from '../proxy/exchange-cache.js';
import type { ExchangeRecord } from '../proxy/exchange-record.js';
import { recorderFor } from '../proxy/exchange-recorder.js';
import { getHeader, getHeaderAll } from '../proxy/header-list.js';
import { forwardHttp } from '../proxy/http-forward.js';
import { forwardPlainUpgrade, isPlainUpgrade } from '../proxy/plain-upgrade.js';
import { ProxyError } from '../proxy/proxy-error.js';
import { DEFAULT_TIMEOUTS, type ProxyTimeouts } from '../proxy/proxy-options.js';
import { forwardUpgrade } from '../proxy/websocket-forward.js';
import { Backend } from './backend.js';
import { BackendIdentity } from './backend-identity.js';
import { HealthChecker } from './health-checker.js';
import { BadPathError, normalizePath } from './normalize-path.js';
import { parseBackendUrl, type ReverseListener, type ReverseSettings, type ReverseStatus } from './reverse-settings.js';
import { type BackendLease, RoutePool, stickyIdFrom } from './route-pool.js';
import { RouteTable } from './route-table.js';
import { VisitorAddress } from './visitor-address.js';
import { maskAddress } from './visitor-mask.js';

export interface ReverseProxyOptions {
  settings: ReverseSettings;
  timeouts?: Partial<ProxyTimeouts>;
  /** The shared response cache for routes with `cache: true` (cache/createResponseCache, exposed). */
  cache?: ExchangeCache | null;
  /** Reads a certificate, key or CA file (tests pass PEM text through it). */
  readFile?: (path: string) => string;
}

interface ReverseEvents {
  exchange: ExchangeRecord;
  error: ProxyEngineError;
}

/** The running reverse proxy: one or more listeners in front of the routes' backends. */
export interface ReverseProxy {
  /** Binds every listener; rejects with a readable error (port taken, unreadable certificate). */
  listen(): Promise<ReverseStatus['listening']>;
  /** Stops accepting, lets exchanges in flight finish within the drain deadline, then closes the rest. */
  close(): Promise<void>;
  status(): ReverseStatus;
  readonly connectionCount: number;
  on<E extends keyof ReverseEvents>(event: E, listener: (payload: ReverseEvents[E]) => void): () => void;
}

/**
 * Creates the reverse proxy. Each request is normalised and routed here (the door), then
 * handed to the forward engine's own path (`forwardHttp`, `forwardUpgrade`) as an absolute-form
 * request for the public URL, with a per-request lease as its router and policy: framing checks,
 * hop-by-hop hygiene, the cache, streaming and records are the engine's, written once.
 */
export function createReverseProxy(options: ReverseProxyOptions): ReverseProxy {
  const settings = options.settings;
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const readFile = options.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const listeners: { [E in keyof ReverseEvents]: Set<(p: ReverseEvents[E]) => void> } = {
    exchange: new Set(),
    error: new Set(),
  };
  const visitor = new VisitorAddress(settings.clientAddress, settings.trustedProxies);
  const identity = new BackendIdentity(settings.removeResponseHeaders);
  const stickySalt = randomBytes(16).toString('hex');
  const checkers: HealthChecker[] = [];
  const pools = settings.routes.map((r) => {
    const ca = r.ca ? readFile(r.ca) : undefined;
    const backends = r.backends.map((entry) => {
      const url = typeof entry === 'string' ? entry : entry.url;
      const weight = typeof entry === 'string' ? 1 : entry.weight;
      const parsed = parseBackendUrl(url)!;
      const health = {
        failThreshold: settings.failThreshold,
        backoffMs: settings.backoffMs,
        passes: r.healthCheck?.passes ?? 2,
        fails: r.healthCheck?.fails ?? 3,
      };
      return new Backend(parsed.origin, parsed.host, parsed.port, parsed.tls, weight, health, ca, stickySalt);
    });
    if (r.healthCheck) checkers.push(new HealthChecker(backends, r.healthCheck));
    return new RoutePool(r, backends, visitor, identity);
  });
  const table = new RouteTable(
    settings.routes.map((r, i) => ({
      host: r.host,
      pathPrefix: r.pathPrefix,
      stripPrefix: r.stripPrefix,
      value: pools[i]!,
    })),
  );
  let seq = 0;
  const base: EngineContext = {
    policy: {},
    cache: null,
    router: () => {
      throw new ProxyError('E_INTERNAL', 500, 'A reverse request reached the engine without a lease.');
    },
    // a reverse listener serves the public and its destinations are the operator's backends:
    // the forward proxy's client allow-list and destination guard have nothing to guard here
    access: new AccessControl({ listenHost: '127.0.0.1', allowedClients: [], allowPrivateDestinations: true }),
    timeouts,
    allowedConnectPorts: new Set(),
    allowTrace: false,
    isSelf: () => false,
    nextId: () => ++seq,
    sink: {
      wanted: () => listeners.exchange.size > 0,
      emit: (record) => {
        // records and the audit log keep the visitor's network, not the visitor
        if (settings.maskVisitorAddresses) record.clientAddress = maskAddress(record.clientAddress);
        for (const l of listeners.exchange) l(record);
      },
    },
    reportError(code, message) {
      for (const l of listeners.error) l({ code, message });
    },
  };

  /** Routes one request: the lease and the context the engine runs it with, or throws its refusal. */
  function routeRequest(req: IncomingMessage, tls: boolean, websocket: boolean) {
    const target = req.url ?? '';
    let normal: { path: string; query: string };
    try {
      normal = normalizePath(target);
    } catch (err) {
      if (err instanceof BadPathError) throw new ProxyError('E_BAD_REQUEST', 400, err.message);
      throw err;
    }
    const hosts = getHeaderAll(req.rawHeaders, 'host');
    if (hosts.length !== 1) throw new ProxyError('E_BAD_REQUEST', 400, 'The request needs exactly one Host header.');
    const host = hosts[0]!.trim();
    if (!/^([a-z0-9_-]+(\.[a-z0-9_-]+)*\.?|\[[0-9a-f:.]+\])(:\d{1,5})?$/i.test(host)) {
      throw new ProxyError('E_BAD_REQUEST', 400, 'The Host header is not a valid host name.');
    }
    const match = table.match(host, normal.path);
    if (!match) {
      throw new ProxyError('E_NO_ROUTE', 404, `No service is configured for ${host}${normal.path}.`);
    }
    const pool = match.route.value;
    const proto = tls ? 'https' : 'http';
    const backendTarget = `${match.backendPath}${normal.query}`;
    const lease = pool.lease({
      publicPath: normal.path,
      backendTarget,
      publicOrigin: `${proto}://${host}`,
      proto,
      stickyId: stickyIdFrom(getHeader(req.rawHeaders, 'cookie')),
    });
    // the engine reads the absolute form; a WebSocket's path goes out as written, so it is the backend's
    req.url = `http://${host}${websocket ? backendTarget : normal.path + normal.query}`;
    const ctx: EngineContext = {
      ...base,
      policy: lease,
      router: () => lease,
      cache: pool.rules.cache ? (options.cache ?? null) : null,
    };
    return { lease, ctx };
  }

  function onRequest(tls: boolean, req: IncomingMessage, res: ServerResponse): void {
    let routed: { lease: BackendLease; ctx: EngineContext };
    try {
      routed = routeRequest(req, tls, false);
    } catch (err) {
      req.resume();
      sendError(base, res, recorderFor(base, 'http', req), err);
      return;
    }
    res.once('close', () => routed.lease.release());
    forwardHttp(routed.ctx, req, res);
  }

  function onUpgrade(tls: boolean, req: IncomingMessage, socket: Socket, head: Buffer): void {
    const plain = isPlainUpgrade(req);
    let routed: { lease: BackendLease; ctx: EngineContext };
    try {
      routed = routeRequest(req, tls, !plain);
    } catch (err) {
      refuseRaw(socket, req, err);
      return;
    }
    socket.once('close', () => routed.lease.release());
    if (plain) forwardPlainUpgrade(routed.ctx, req, socket);
    else void forwardUpgrade(routed.ctx, req, socket, head);
  }

  function refuseRaw(socket: Duplex, req: IncomingMessage, err: unknown): void {
    const failure = err instanceof ProxyError ? err : new ProxyError('E_INTERNAL', 500, String(err));
    const rec = recorderFor(base, 'websocket', req);
    rec.status = failure.status;
    rec.error = failure.code;
    socket.on('error', () => socket.destroy());
    if (socket.writable) socket.end(rawErrorResponse(failure));
    else socket.destroy();
    rec.finish();
  }

  const servers: Array<{ server: Server; listener: ReverseListener; tls: boolean }> = [];
  const sockets = new Set<Socket>();
  const bound: ReverseStatus['listening'] = [];

  function makeServer(listener: ReverseListener): Server {
    const serverOptions = engineServerOptions(undefined, timeouts);
    const tls = listener.tls;
    let server: Server;
    if (tls) {
      const contexts = new HostPatternMap<SecureContext>();
      for (const [name, files] of Object.entries(tls.sni)) {
        contexts.add(name, createSecureContext({ cert: readPem(files.cert), key: readPem(files.key) }));
      }
      server = createTlsServer({
        ...serverOptions,
        cert: readPem(tls.cert),
        key: readPem(tls.key),
        ALPNProtocols: ['http/1.1'],
        SNICallback: (name, cb) => cb(null, contexts.match(name)?.value),
      }) as unknown as Server;
    } else {
      server = createServer(serverOptions);
    }
    const isTls = tls !== null;
    server.on('request', (req: IncomingMessage, res: ServerResponse) => onRequest(isTls, req, res));
    server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => onRequest(isTls, req, res));
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => onUpgrade(isTls, req, socket, head));
    server.on('connect', (req: IncomingMessage, socket: Socket) =>
      refuseRaw(
        socket,
        req,
        new ProxyError('E_METHOD_NOT_ALLOWED', 405, 'This is a web server, not a proxy: CONNECT is not served.'),
      ),
    );
    // the TCP socket under TLS too: it is what a drain deadline must be able to cut
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    server.on('clientError', answerClientError);
    return server;
  }

  function readPem(path: string): string {
    try {
      return readFile(path);
    } catch (err) {
      throw new Error(`Cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
    }
  }

  return {
    async listen() {
      for (const listener of settings.listeners) {
        const server = makeServer(listener);
        servers.push({ server, listener, tls: listener.tls !== null });
        server.listen({ port: listener.port, host: listener.address, backlog: 4096 });
        try {
          await once(server, 'listening');
        } catch (err) {
          await this.close();
          const code = (err as NodeJS.ErrnoException).code;
          const where = `${listener.address}:${listener.port}`;
          if (code === 'EADDRINUSE') throw new Error(`Port ${listener.port} on ${listener.address} is already in use.`);
          if (code === 'EADDRNOTAVAIL') throw new Error(`${listener.address} is not an address of this machine.`);
          if (code === 'EACCES') throw new Error(`Not allowed to listen on ${where}.`);
          throw err;
        }
        const addr = server.address() as AddressInfo;
        bound.push({ host: addr.address, port: addr.port, tls: listener.tls !== null });
      }
      for (const c of checkers) c.start();
      return bound.slice();
    },
    async close() {
      for (const c of checkers) c.stop();
      const closing = servers.map(({ server }) =>
        server.listening ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve(),
      );
      for (const { server } of servers) server.closeIdleConnections();
      const deadline = setTimeout(() => {
        for (const s of sockets) s.destroy();
      }, timeouts.drainMs);
      await Promise.all(closing);
      await Promise.all([...sockets].map((s) => (s.destroyed ? undefined : once(s, 'close'))));
      clearTimeout(deadline);
      for (const p of pools) p.close();
      servers.length = 0;
      bound.length = 0;
    },
    status() {
      return {
        listening: bound.slice(),
        routes: settings.routes.map((r, i) => ({
          host: r.host ?? null,
          pathPrefix: r.pathPrefix,
          backends: pools[i]!.backends.map((b) => ({ url: b.origin, state: b.health.state, active: b.active })),
        })),
      };
    },
    get connectionCount() {
      return sockets.size;
    },
    on(event, listener) {
      const set = listeners[event] as Set<typeof listener>;
      set.add(listener);
      return () => set.delete(listener);
    },
  };
}
