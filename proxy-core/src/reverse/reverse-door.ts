import type { ExchangeCache } from '../proxy/exchange-cache.js';
import type { BlockDecision, ExchangePolicy, RequestFacts } from '../proxy/exchange-policy.js';
import type { ReceiptEntry } from '../proxy/exchange-record.js';
import { getHeader, type HeaderList } from '../proxy/header-list.js';
import { ProxyError } from '../proxy/proxy-error.js';
import type { Router } from '../proxy/proxy-options.js';
import type { BackendIdentity } from './backend-identity.js';
import { BadPathError, normalizePath } from './normalize-path.js';
import { BackendAttempt, type RoutePool, STICKY_COOKIE, stickyIdFrom } from './route-pool.js';
import type { RouteTable } from './route-table.js';
import type { VisitorAddress } from './visitor-address.js';

/** Where one request goes: its route and the path the backend gets. */
interface RequestRoute {
  pool: RoutePool;
  /** The normalised path as the visitor asked for it (blocks read this). */
  path: string;
  /** Path and query for the backend. */
  backendTarget: string;
}

/**
 * The reverse listener's part of the engine's pipeline: its policy (routing decided first,
 * route blocks, visitor-address and backend-identity rules, passive health, the sticky
 * cookie), its router (a BackendAttempt per request) and its per-route cache. The engine
 * calls these with the same `facts` object for one exchange, so what was decided about a
 * request is kept beside it and dies with it.
 */
export class ReverseDoor implements ExchangePolicy {
  private readonly routes = new WeakMap<RequestFacts, RequestRoute>();
  private readonly attempts = new WeakMap<RequestFacts, BackendAttempt>();
  readonly router: Router;
  readonly cache: ExchangeCache | null;

  constructor(
    private readonly table: RouteTable<RoutePool>,
    private readonly visitor: VisitorAddress,
    private readonly identity: BackendIdentity,
    cache: ExchangeCache | null,
  ) {
    this.router = (facts) => {
      const r = this.routeOf(facts);
      const attempt = new BackendAttempt(r.pool, r.backendTarget, stickyIdFrom(getHeader(facts.headers, 'cookie')));
      this.attempts.set(facts, attempt);
      return attempt;
    };
    this.cache = cache
      ? { handle: (x) => (this.routeOf(x.facts).pool.rules.cache ? cache.handle(x) : x.forward()) }
      : null;
  }

  /** The route of a request, decided once: a path that cannot be normalised is 400, no route 404. */
  routeOf(facts: RequestFacts): RequestRoute {
    const known = this.routes.get(facts);
    if (known) return known;
    if (facts.way !== 'reverse') {
      throw new ProxyError('E_BAD_REQUEST', 400, 'This is a web server, not a proxy.');
    }
    let path: string;
    try {
      ({ path } = normalizePath(facts.url.pathname));
    } catch (err) {
      if (err instanceof BadPathError) throw new ProxyError('E_BAD_REQUEST', 400, err.message);
      throw err;
    }
    const match = this.table.match(facts.url.host, path);
    if (!match) throw new ProxyError('E_NO_ROUTE', 404, `No service is configured for ${facts.url.host}${path}.`);
    const r = { pool: match.route.value, path, backendTarget: match.backendPath + facts.url.search };
    this.routes.set(facts, r);
    return r;
  }

  profileFor(): string {
    return 'reverse';
  }

  checkRequest(facts: RequestFacts): BlockDecision | null {
    const r = this.routeOf(facts);
    return r.pool.blocked(r.path, getHeader(facts.headers, 'user-agent'));
  }

  rewriteRequest(facts: RequestFacts, headers: HeaderList): ReceiptEntry[] {
    return this.visitor.apply(headers, facts.clientAddress, facts.url.protocol === 'https:' ? 'https' : 'http');
  }

  rewriteResponse(facts: RequestFacts, status: number, headers: HeaderList): ReceiptEntry[] {
    const r = this.routeOf(facts);
    const attempt = this.attempts.get(facts);
    const b = attempt?.backend ?? null;
    // a cache hit runs the response rules too: only an answer from a backend says anything of its health
    if (attempt && b) {
      this.attempts.delete(facts);
      if (status === 502 || status === 503 || status === 504) b.health.failed();
      else b.health.passed();
    }
    const publicOrigin = `${facts.url.protocol}//${facts.url.host}`;
    const receipt = this.identity.apply(headers, r.pool.origins, { origin: publicOrigin, prefix: r.pool.publicPrefix });
    if (b && r.pool.rules.balance === 'sticky' && stickyIdFrom(getHeader(facts.headers, 'cookie')) !== b.stickyId) {
      const secure = facts.url.protocol === 'https:' ? '; Secure' : '';
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
