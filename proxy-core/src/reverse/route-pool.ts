import type { BlockDecision, ExchangePolicy, RequestFacts } from '../proxy/exchange-policy.js';
import type { ReceiptEntry } from '../proxy/exchange-record.js';
import { getHeader, type HeaderList } from '../proxy/header-list.js';
import { ProxyError } from '../proxy/proxy-error.js';
import type { HttpTarget, Upstream } from '../proxy/upstream.js';
import type { Backend } from './backend.js';
import type { BackendIdentity } from './backend-identity.js';
import { type BalanceMode, Balancer } from './balancer.js';
import { underPrefix } from './normalize-path.js';
import type { VisitorAddress } from './visitor-address.js';

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

/** One route's backends and the balancer over them; hands out a lease per request. */
export class RoutePool {
  readonly balancer: Balancer<Backend>;
  /** The backends' own origins: a Location pointing at one of them is made public. */
  readonly origins: ReadonlySet<string>;
  private readonly pathBlocks: Array<(path: string) => boolean>;
  private readonly agentBlocks: string[];

  constructor(
    readonly rules: RouteRules,
    readonly backends: readonly Backend[],
    readonly visitor: VisitorAddress,
    readonly identity: BackendIdentity,
  ) {
    this.balancer = new Balancer(backends, rules.balance);
    this.origins = new Set(backends.map((b) => b.origin));
    this.pathBlocks = rules.blockPaths.map(pathMatcher);
    this.agentBlocks = rules.blockUserAgents.map((a) => a.toLowerCase());
  }

  /** A claim on this route's backends for one request; `release()` when its response is done. */
  lease(facts: LeaseFacts): BackendLease {
    return new BackendLease(this, facts);
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

/** What a lease knows of its request, fixed by the listener before the engine runs. */
export interface LeaseFacts {
  /** The normalised path as the visitor asked for it (routing and blocks read this). */
  publicPath: string;
  /** The path and query the backend gets (prefix stripped when the route says so). */
  backendTarget: string;
  /** `http(s)://host[:port]` as the visitor reached Veil. */
  publicOrigin: string;
  proto: 'http' | 'https';
  /** The sticky cookie's value, when the visitor sent one. */
  stickyId: string | undefined;
}

/**
 * One request's claim on a route: the backend it runs on (moved to the next one when a
 * connect fails), counted as in flight until released. It is the engine's router answer
 * (an Upstream) and policy (an ExchangePolicy) for this one exchange.
 */
export class BackendLease implements Upstream, ExchangePolicy {
  readonly name = 'reverse';
  backend: Backend | null = null;
  private readonly tried = new Set<Backend>();
  private answered = false;

  constructor(
    private readonly route: RoutePool,
    readonly facts: LeaseFacts,
  ) {}

  /** Takes the next available backend not tried yet, or throws the no-backend error. */
  take(): Backend {
    this.release();
    const b = this.route.balancer.pick((x) => !this.tried.has(x) && x.health.available, this.facts.stickyId);
    if (!b) throw noBackendError();
    this.tried.add(b);
    b.active++;
    this.backend = b;
    return b;
  }

  /** Ends the claim (the response is done or the exchange failed); later calls do nothing. */
  release(): void {
    if (this.backend) this.backend.active--;
    this.backend = null;
  }

  httpTarget(): HttpTarget {
    return this.targetOn(this.take());
  }

  private targetOn(b: Backend): HttpTarget {
    return {
      pool: b.pool,
      host: b.host,
      port: b.port,
      path: this.facts.backendTarget,
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

  async connect(_host: string, _port: number, timeoutMs: number) {
    for (;;) {
      const b = this.take();
      try {
        return await b.dial(b.host, b.port, timeoutMs);
      } catch {
        b.health.failed();
      }
    }
  }

  close(): void {}

  profileFor(): string {
    return 'reverse';
  }

  checkRequest(facts: RequestFacts): BlockDecision | null {
    return this.route.blocked(this.facts.publicPath, getHeader(facts.headers, 'user-agent'));
  }

  rewriteRequest(facts: RequestFacts, headers: HeaderList): ReceiptEntry[] {
    return this.route.visitor.apply(headers, facts.clientAddress, this.facts.proto);
  }

  rewriteResponse(_facts: RequestFacts, status: number, headers: HeaderList): ReceiptEntry[] {
    const b = this.backend;
    // a cache hit runs the response rules too: only an answer from a backend says anything of its health
    if (b && !this.answered) {
      this.answered = true;
      if (status === 502 || status === 503 || status === 504) b.health.failed();
      else b.health.passed();
    }
    const prefix =
      this.route.rules.stripPrefix && this.route.rules.pathPrefix !== '/' ? this.route.rules.pathPrefix : '';
    const receipt = this.route.identity.apply(headers, this.route.origins, { origin: this.facts.publicOrigin, prefix });
    if (b && this.route.rules.balance === 'sticky' && this.facts.stickyId !== b.stickyId) {
      const secure = this.facts.proto === 'https' ? '; Secure' : '';
      const value = `${STICKY_COOKIE}=${b.stickyId}; Path=/; HttpOnly; SameSite=Lax${secure}`;
      headers.push('Set-Cookie', value);
      receipt.push({
        direction: 'response',
        action: 'added',
        header: 'Set-Cookie',
        newValue: value,
        rule: 'reverse/sticky',
      });
    }
    return receipt;
  }
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
