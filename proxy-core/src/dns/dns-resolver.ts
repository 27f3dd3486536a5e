import type { LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { ProxyError } from '../proxy/proxy-error.js';
import type { DnsStatus } from './dns-settings.js';
import { PrivateResolver, ResolversDownError } from './private-resolver.js';
import { RebindingGuard } from './rebinding-guard.js';
import type { ResolverEndpoint } from './resolver-endpoint.js';
import { systemLookup } from './system-lookup.js';

/** How names are resolved right now. */
export interface ResolverConfig {
  /** Private resolvers in order; empty: the system resolver. */
  endpoints: ResolverEndpoint[];
  /** `system`: when no private resolver answers, ask the system one (counted). */
  fallback: 'none' | 'system';
  /** Names the rebinding guard lets through; null turns the guard off. */
  rebindingAllow: string[] | null;
  /** Tests: a manual clock for the cache and penalties. */
  now?: () => number;
  timeoutMs?: number;
}

/** Veil's one resolver: a `lookup` for sockets and a promise form, both following `reconfigure`. */
export interface DnsResolver {
  /** `dns.lookup`-compatible: pass it to net.connect, http.request, createDirectUpstream. */
  readonly lookup: LookupFunction;
  /** One address for `host` (IPv4 first), through the same path as `lookup`. */
  resolveOne(host: string): Promise<string>;
  reconfigure(config: ResolverConfig): void;
  status(): DnsStatus;
  /** Told after each fallback to the system resolver, with why the private resolvers failed. */
  onFallback(listener: ((reason: string) => void) | null): void;
  close(): void;
}

type Family = 0 | 4 | 6;

/** Creates the resolver; with no endpoints it is the system resolver plus the rebinding guard. */
export function createDnsResolver(initial: ResolverConfig): DnsResolver {
  let config = initial;
  let resolver: PrivateResolver | null = null;
  let guard: RebindingGuard | null = null;
  let fallbacks = 0;
  let rebindingRefused = 0;
  let fallbackListener: ((reason: string) => void) | null = null;

  function apply(next: ResolverConfig): void {
    resolver?.close();
    config = next;
    resolver = next.endpoints.length
      ? new PrivateResolver({
          endpoints: next.endpoints,
          ...(next.now ? { now: next.now } : {}),
          ...(next.timeoutMs ? { timeoutMs: next.timeoutMs } : {}),
        })
      : null;
    guard = next.rebindingAllow ? new RebindingGuard(next.rebindingAllow) : null;
  }
  apply(initial);

  async function addresses(host: string, family: Family, hints = 0): Promise<LookupAddress[]> {
    const name = host
      .replace(/^\[|\]$/g, '')
      .replace(/\.$/, '')
      .toLowerCase();
    const literal = isIP(name);
    if (literal) return [{ address: name, family: literal }];
    // RFC 6761: localhost is this machine, never a question for any resolver
    if (name === 'localhost' || name.endsWith('.localhost')) return localhost(family);
    let found: LookupAddress[];
    const current = resolver;
    if (current) {
      try {
        found = (await current.resolve(name, family)).map((address) => ({ address, family: isIP(address) }));
      } catch (err) {
        if (!(err instanceof ResolversDownError)) throw err;
        if (config.fallback !== 'system') {
          throw new ProxyError(
            'E_UPSTREAM_DNS',
            502,
            `Private DNS could not resolve ${name} (${err.message}). Veil does not fall back to the system resolver; set dns.fallback to "system" to allow it.`,
          );
        }
        fallbacks++;
        fallbackListener?.(err.message);
        found = await systemAll(name, family, hints);
      }
    } else {
      found = await systemAll(name, family, hints);
    }
    if (found.length === 0) throw notFound(name);
    const refused = guard?.refused(
      name,
      found.map((a) => a.address),
    );
    if (refused) {
      rebindingRefused++;
      throw new ProxyError(
        'E_DESTINATION_NOT_ALLOWED',
        403,
        `${name} is a public name but DNS answered ${refused}, a private address (DNS rebinding guard). Add ${name} to dns.rebindingAllow if this is intended.`,
      );
    }
    return found;
  }

  const lookup: LookupFunction = (hostname, options, callback) => {
    const opts = (typeof options === 'object' && options ? options : {}) as {
      family?: unknown;
      all?: boolean;
      hints?: number;
    };
    const family = toFamily(opts.family);
    addresses(hostname, family, opts.hints ?? 0).then(
      (all) => {
        if (opts.all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, all);
        else callback(null, all[0]!.address, all[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };

  return {
    lookup,
    async resolveOne(host) {
      return (await addresses(host, 0))[0]!.address;
    },
    reconfigure: apply,
    onFallback(listener) {
      fallbackListener = listener;
    },
    status() {
      return {
        mode: resolver ? 'private' : 'system',
        servers: resolver?.order() ?? [],
        fallbacks,
        rebindingRefused,
      };
    },
    close() {
      resolver?.close();
      resolver = null;
    },
  };
}

function toFamily(f: unknown): Family {
  if (f === 4 || f === 'IPv4') return 4;
  if (f === 6 || f === 'IPv6') return 6;
  return 0;
}

function localhost(family: Family): LookupAddress[] {
  const v4 = { address: '127.0.0.1', family: 4 };
  const v6 = { address: '::1', family: 6 };
  return family === 4 ? [v4] : family === 6 ? [v6] : [v4, v6];
}

function systemAll(name: string, family: Family, hints: number): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    systemLookup(
      name,
      { family, hints, all: true } as never,
      ((err: NodeJS.ErrnoException | null, all: LookupAddress[]) => (err ? reject(err) : resolve(all))) as never,
    );
  });
}

function notFound(name: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${name}`);
  err.code = 'ENOTFOUND';
  return err;
}
