import type { Duplex } from 'node:stream';
import type { BlockDecision } from '../proxy/exchange-policy.js';
import { ProxyError } from '../proxy/proxy-error.js';
import type { DialTimings, HttpTarget, Upstream } from '../proxy/upstream.js';
import type { Backend } from './backend.js';
import { type BalanceMode, Balancer } from './balancer.js';
import { underPrefix } from './normalize-path.js';

/** The cookie that keeps a visitor on one backend when a route balances `sticky`. */
export const STICKY_COOKIE = 'veil_backend';

/** What the visitor is told when no backend can take the request: neither an address nor an error code. */
export function noBackendError(): ProxyError {
  return new ProxyError(
    'E_UPSTREAM_UNREACHABLE',
    503,
    'The service behind this address is not available right now. Please try again in a moment.',
    { 'Retry-After': '10' },
  );
}

/** The rules one route applies, built once from its settings. */
export interface RouteRules {
  pathPrefix: string;
  stripPrefix: boolean;
  balance: BalanceMode;
  blockPaths: readonly string[];
  blockUserAgents: readonly string[];
  cache: boolean;
}

/** One route's backends and the balancer over them. */
export class RoutePool {
  readonly balancer: Balancer<Backend>;
  /** The backends' own origins: a Location pointing at one of them is made public. */
  readonly origins: ReadonlySet<string>;
  /** The prefix put back on redirects when the route strips it, else "". */
  readonly publicPrefix: string;
  private readonly pathBlocks: Array<(path: string) => boolean>;
  private readonly agentBlocks: string[];

  constructor(
    readonly rules: RouteRules,
    readonly backends: readonly Backend[],
  ) {
    this.balancer = new Balancer(backends, rules.balance);
    this.origins = new Set(backends.map((b) => b.origin));
    this.publicPrefix = rules.stripPrefix && rules.pathPrefix !== '/' ? rules.pathPrefix : '';
    this.pathBlocks = rules.blockPaths.map(pathMatcher);
    this.agentBlocks = rules.blockUserAgents.map((a) => a.toLowerCase());
  }

  /** The route's refusal of a path or User-Agent, or null. */
  blocked(path: string, userAgent: string | undefined): BlockDecision | null {
    for (let i = 0; i < this.pathBlocks.length; i++) {
      if (this.pathBlocks[i]!(path)) return block(this.rules.blockPaths[i]!, 'route paths');
    }
    if (userAgent && this.agentBlocks.length > 0) {
      const ua = userAgent.toLowerCase();
      for (let i = 0; i < this.agentBlocks.length; i++) {
        if (ua.includes(this.agentBlocks[i]!)) return block(this.rules.blockUserAgents[i]!, 'route user agents');
      }
    }
    return null;
  }

  close(): void {
    for (const b of this.backends) b.close();
  }
}

function block(rule: string, list: string): BlockDecision {
  return { kind: 'access', rule, list, hint: 'This path is not served here.' };
}

/** A blockPaths entry: `*` matches any run of characters; without one, a whole-segment prefix. */
function pathMatcher(pattern: string): (path: string) => boolean {
  if (!pattern.includes('*')) return (path) => underPrefix(path, pattern);
  const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}`);
  return (path) => re.test(path);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * One request's way through a route, as the engine's router answer: the backend it runs on,
 * moved to the next available one when a connect fails (nothing was sent yet), until none is left.
 */
export class BackendAttempt implements Upstream {
  readonly name = 'reverse';
  /** The backend the request went to last; null before the engine asked. */
  backend: Backend | null = null;
  private readonly tried = new Set<Backend>();

  constructor(
    private readonly route: RoutePool,
    /** The path and query the backend gets (prefix stripped when the route says so). */
    private readonly backendTarget: string,
    private readonly stickyId: string | undefined,
  ) {}

  /** Takes the next available backend not tried yet, or throws the no-backend error. */
  take(): Backend {
    const b = this.route.balancer.pick((x) => !this.tried.has(x) && x.health.available, this.stickyId);
    if (!b) throw noBackendError();
    this.tried.add(b);
    this.backend = b;
    return b;
  }

  httpTarget(): HttpTarget {
    return this.targetOn(this.take());
  }

  private targetOn(b: Backend): HttpTarget {
    return {
      pool: b.pool,
      host: b.host,
      port: b.port,
      path: this.backendTarget,
      tls: b.tls,
      // the operator configured this backend's scheme; a TLS listener in front of http:// is its choice
      cleartextChosen: !b.tls,
      onConnectFailure: () => {
        b.health.failed();
        try {
          return this.targetOn(this.take());
        } catch (err) {
          return err as ProxyError;
        }
      },
    };
  }

  async connect(_host: string, _port: number, timeoutMs: number): Promise<{ socket: Duplex; timings: DialTimings }> {
    for (;;) {
      const b = this.take();
      try {
        const dialed = await b.dial(b.host, b.port, timeoutMs);
        b.upgrades++;
        dialed.socket.once('close', () => b.upgrades--);
        return dialed;
      } catch {
        b.health.failed();
      }
    }
  }

  requestTarget(): string {
    return this.backendTarget;
  }

  close(): void {}
}

/** The sticky cookie's value in a Cookie header, or undefined. */
export function stickyIdFrom(cookie: string | undefined): string | undefined {
  if (!cookie) return undefined;
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === STICKY_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}
