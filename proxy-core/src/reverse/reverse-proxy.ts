import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContext } from 'node:tls';
import { HostPatternMap } from '../privacy/host-pattern.js';
import { createProxy, type ProxyEngine, type ProxyEngineError } from '../proxy/create-proxy.js';
import type { ExchangeCache } from '../proxy/exchange-cache.js';
import type { ExchangeRecord } from '../proxy/exchange-record.js';
import type { ListenerWay, ProxyTimeouts } from '../proxy/proxy-options.js';
import { Backend } from './backend.js';
import { BackendIdentity } from './backend-identity.js';
import { HealthChecker } from './health-checker.js';
import { ReverseDoor } from './reverse-door.js';
import {
  parseBackendUrl,
  type ReverseListener,
  type ReverseRoute,
  type ReverseSettings,
  type ReverseStatus,
} from './reverse-settings.js';
import { RoutePool } from './route-pool.js';
import { RouteTable } from './route-table.js';
import { VisitorAddress } from './visitor-address.js';
import { maskAddress } from './visitor-mask.js';

export interface ReverseProxyOptions {
  settings: ReverseSettings;
  timeouts?: Partial<ProxyTimeouts>;
  /** The shared response cache for routes with `cache: true` (see reverse-cache.ts). */
  cache?: ExchangeCache | null;
  /** Reads a certificate, key or CA file (default: from disk). */
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
 * Creates the reverse proxy: one engine per listener, each a door of kind `reverse` (its
 * connections are a way in: origin-form requests are served by their Host), all sharing one
 * ReverseDoor (routes, backends, health, the rules both ways). Framing checks, admission,
 * hop-by-hop hygiene, the cache, streaming, WebSockets and records are the engine's own.
 */
export function createReverseProxy(options: ReverseProxyOptions): ReverseProxy {
  const settings = options.settings;
  const readFile = options.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const listeners: { [E in keyof ReverseEvents]: Set<(p: ReverseEvents[E]) => void> } = {
    exchange: new Set(),
    error: new Set(),
  };
  const stickySalt = randomBytes(16).toString('hex');
  const checkers: HealthChecker[] = [];
  const pools = settings.routes.map((r) => buildPool(r));
  const table = new RouteTable(
    settings.routes.map((r, i) => ({
      host: r.host,
      pathPrefix: r.pathPrefix,
      stripPrefix: r.stripPrefix,
      value: pools[i]!,
    })),
  );
  const door = new ReverseDoor(
    table,
    new VisitorAddress(settings.clientAddress, settings.trustedProxies),
    new BackendIdentity(settings.removeResponseHeaders),
    options.cache ?? null,
  );
  const engines: Array<{ engine: ProxyEngine; tls: boolean; index: number; off: (() => void) | null }> = [];

  /** Subscribes the engines to records only while someone listens: an unobserved engine builds none. */
  function follow(): void {
    const wanted = listeners.exchange.size > 0;
    for (const e of engines) {
      if (wanted && !e.off) e.off = e.engine.on('exchange', (record) => emit(e.index, record));
      else if (!wanted && e.off) {
        e.off();
        e.off = null;
      }
    }
  }
  const bound: ReverseStatus['listening'] = [];

  function buildPool(r: ReverseRoute): RoutePool {
    const ca = r.ca ? readPem(r.ca) : undefined;
    const health = {
      failThreshold: settings.failThreshold,
      backoffMs: settings.backoffMs,
      passes: r.healthCheck?.passes ?? 2,
      fails: r.healthCheck?.fails ?? 3,
    };
    const backends = r.backends.map((entry) => {
      const url = typeof entry === 'string' ? entry : entry.url;
      const weight = typeof entry === 'string' ? 1 : entry.weight;
      const parsed = parseBackendUrl(url)!;
      return new Backend(parsed.origin, parsed.host, parsed.port, parsed.tls, weight, health, ca, stickySalt);
    });
    if (r.healthCheck) checkers.push(new HealthChecker(backends, r.healthCheck));
    return new RoutePool(r, backends);
  }

  function readPem(path: string): string {
    try {
      return readFile(path);
    } catch (err) {
      throw new Error(`Cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
    }
  }

  function wayOf(listener: ReverseListener): ListenerWay {
    const tls = listener.tls;
    if (!tls) return { kind: 'reverse' };
    const contexts = new HostPatternMap<SecureContext>();
    for (const [name, files] of Object.entries(tls.sni)) {
      contexts.add(name, createSecureContext({ cert: readPem(files.cert), key: readPem(files.key) }));
    }
    return {
      kind: 'reverse',
      tls: {
        cert: readPem(tls.cert),
        key: readPem(tls.key),
        // no SNI match: the listener's own certificate
        SNICallback: (name, cb) => cb(null, contexts.match(name)?.value),
      },
    };
  }

  function emit(index: number, record: ExchangeRecord): void {
    // each listener's engine counts its own ids: interleave them so two listeners never share one
    record.id = (record.id - 1) * settings.listeners.length + index + 1;
    // records and the audit log keep the visitor's network, not the visitor
    if (settings.maskVisitorAddresses) record.clientAddress = maskAddress(record.clientAddress);
    for (const l of listeners.exchange) l(record);
  }

  return {
    async listen() {
      for (const [index, listener] of settings.listeners.entries()) {
        try {
          const engine = createProxy({
            host: listener.address,
            port: listener.port,
            listenerWay: wayOf(listener),
            policy: door,
            router: door.router,
            ...(door.cache ? { cache: door.cache } : {}),
            // a reverse listener tunnels nowhere, and its destinations are the operator's backends
            allowedConnectPorts: [],
            cleartextConnectPorts: [],
            allowLoopbackAndLinkLocal: true,
            ...(options.timeouts ? { timeouts: options.timeouts } : {}),
          });
          engines.push({ engine, tls: listener.tls !== null, index, off: null });
          follow();
          engine.on('error', (e) => {
            for (const l of listeners.error) l(e);
          });
          const addr = await engine.listen();
          bound.push({ ...addr, tls: listener.tls !== null });
        } catch (err) {
          await this.close();
          throw err;
        }
      }
      for (const c of checkers) c.start();
      return bound.slice();
    },
    async close() {
      for (const c of checkers) c.stop();
      await Promise.all(engines.map(({ engine }) => engine.close()));
      for (const p of pools) p.close();
      engines.length = 0;
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
      return engines.reduce((n, { engine }) => n + engine.connectionCount, 0);
    },
    on(event, listener) {
      const set = listeners[event] as Set<typeof listener>;
      set.add(listener);
      follow();
      return () => {
        set.delete(listener);
        follow();
      };
    },
  };
}
