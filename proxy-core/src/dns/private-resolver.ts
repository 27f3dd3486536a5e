import { isIP } from 'node:net';
import { type CachedAnswer, DnsCache } from './dns-cache.js';
import { type AddressType, decodeAnswer, encodeQuery } from './dns-message.js';
import { createDohTransport } from './doh-transport.js';
import { createDotTransport } from './dot-transport.js';
import type { DnsTransport, ResolverEndpoint } from './resolver-endpoint.js';

// a server that failed is tried after the others for this long
const PENALTY_MS = 30_000;

export interface PrivateResolverOptions {
  endpoints: ResolverEndpoint[];
  /** Per query and server. */
  timeoutMs?: number;
  maxEntries?: number;
  /** Milliseconds; tests pass a manual clock. */
  now?: () => number;
}

/** Why no private resolver could answer: every server's failure, in the order tried. */
export class ResolversDownError extends Error {
  constructor(readonly failures: string[]) {
    super(failures.join('; '));
    this.name = 'ResolversDownError';
  }
}

interface Server {
  endpoint: ResolverEndpoint;
  transport: DnsTransport;
  /** Until when (clock ms) this server is tried last. */
  penaltyUntil: number;
}

/**
 * Resolves A and AAAA through DoH/DoT servers with a cache: failover in order, a failing server
 * set back for PENALTY_MS, answers cached by TTL and RFC 2308, concurrent asks for one name shared.
 */
export class PrivateResolver {
  private readonly servers: Server[];
  private readonly cache: DnsCache;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(options: PrivateResolverOptions) {
    this.now = options.now ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.cache = new DnsCache({ maxEntries: options.maxEntries ?? 10_000, now: this.now });
    this.servers = options.endpoints.map((endpoint) => ({
      endpoint,
      transport: endpoint.url.kind === 'doh' ? createDohTransport(endpoint) : createDotTransport(endpoint),
      penaltyUntil: 0,
    }));
  }

  /** Servers in the order they are tried now: those without a penalty first, each group as configured. */
  order(): string[] {
    return this.ranked().map((s) => s.endpoint.url.href);
  }

  /**
   * Addresses for `name` (A and/or AAAA, IPv4 first); an empty list when the name has none.
   * Throws ResolversDownError when no server answered.
   */
  async resolve(name: string, family: 0 | 4 | 6): Promise<string[]> {
    const types: AddressType[] = family === 4 ? ['A'] : family === 6 ? ['AAAA'] : ['A', 'AAAA'];
    const settled = await Promise.allSettled(types.map((t) => this.resolveType(name, t)));
    const addresses: string[] = [];
    let down: ResolversDownError | null = null;
    for (const r of settled) {
      if (r.status === 'fulfilled') addresses.push(...(r.value.addresses ?? []));
      else down = r.reason instanceof ResolversDownError ? r.reason : new ResolversDownError([String(r.reason)]);
    }
    // one type answered and the other failed: use what came (an A without its AAAA still connects)
    if (down && addresses.length === 0) throw down;
    return addresses;
  }

  private resolveType(name: string, type: AddressType): Promise<CachedAnswer> {
    const hit = this.cache.get(name, type);
    if (hit) return Promise.resolve(hit);
    return this.cache.dedupe(name, type, () => this.ask(name, type));
  }

  private ranked(): Server[] {
    const t = this.now();
    return [...this.servers.filter((s) => s.penaltyUntil <= t), ...this.servers.filter((s) => s.penaltyUntil > t)];
  }

  private async ask(name: string, type: AddressType): Promise<CachedAnswer> {
    const failures: string[] = [];
    for (const server of this.ranked()) {
      // DoH: id 0 (RFC 8484 §4.1); DoT sets its own id for pipelining
      const wire = encodeQuery(name, type, 0);
      let answer: ReturnType<typeof decodeAnswer>;
      try {
        answer = decodeAnswer(await server.transport.query(wire, this.timeoutMs), name, type);
      } catch (err) {
        answer = { kind: 'failure', reason: (err as Error).message };
      }
      if (answer.kind === 'failure') {
        server.penaltyUntil = this.now() + PENALTY_MS;
        failures.push(`${server.endpoint.url.href}: ${answer.reason}`);
        continue;
      }
      server.penaltyUntil = 0;
      if (answer.kind === 'addresses') {
        const cached: CachedAnswer = { addresses: answer.addresses.filter((a) => isIP(a) !== 0) };
        this.cache.set(name, type, cached, answer.ttl);
        return cached;
      }
      const negative: CachedAnswer = { addresses: null, nxdomain: answer.nxdomain };
      this.cache.set(name, type, negative, answer.ttl);
      return negative;
    }
    throw new ResolversDownError(failures);
  }

  close(): void {
    for (const s of this.servers) s.transport.close();
    this.cache.clear();
  }
}
