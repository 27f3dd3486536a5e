import type { LookupFunction } from 'node:net';
import { HostPatternMap } from '../../privacy/host-pattern.js';
import { parseAuthority } from '../../proxy/admit.js';
import { type ConnectionPoolOptions, UPSTREAM_POOL } from '../../proxy/connection-pool.js';
import type { DestinationGuard } from '../../proxy/destination-guard.js';
import { createDirectUpstream } from '../../proxy/direct-upstream.js';
import { createFallbackUpstream } from '../../proxy/fallback-upstream.js';
import { createHttpUpstream } from '../../proxy/http-upstream.js';
import { ProxyError } from '../../proxy/proxy-error.js';
import type { Router } from '../../proxy/proxy-options.js';
import { createSocksUpstream } from '../../proxy/socks-upstream.js';
import type { Upstream } from '../../proxy/upstream.js';
import { probeUpstream } from '../../proxy/upstream-probe.js';
import { parseUpstreamUrl, redactUpstreamUrl } from '../../proxy/upstream-url.js';
import type { Feature, FeatureFactory } from '../feature.js';
import { type CheckPage, startCheckPage } from '../self-test/check-page-server.js';
import type { Settings } from '../settings-schema.js';
import { resolverOf } from './dns-feature.js';

// replaced routes keep serving the exchanges already on them for this long before their pools close
const RETIRE_AFTER_MS = 60_000;

interface Routes {
  router: Router;
  upstreams: Upstream[];
}

/** Told whether the upstream at `raw` answered its last dial. */
export type HealthListener = (raw: string, up: boolean) => void;

/** Builds the upstream for a URL; `direct` is shared. */
function makeUpstream(
  raw: string,
  s: Settings['upstream'],
  guard: DestinationGuard,
  direct: Upstream,
  health: HealthListener,
  lookup: LookupFunction | undefined,
  pool: ConnectionPoolOptions,
): Upstream {
  if (raw === 'direct') return direct;
  const url = parseUpstreamUrl(raw);
  let markDown: (() => void) | undefined;
  const onHealth = (up: boolean): void => {
    if (!up) markDown?.();
    health(raw, up);
  };
  const primary =
    url.kind === 'socks5'
      ? // with localDns Veil resolves the name itself (through Veil's resolver): the address gets the same
        // guard as the direct route, or a name resolving to 127.0.0.1 would reach the SOCKS host's own services
        createSocksUpstream(url, {
          localDns: s.localDns,
          onHealth,
          hostLookup: lookup,
          lookup: (name) => guard.resolve(name, lookup),
          pool,
        })
      : createHttpUpstream(url, { onHealth, lookup, pool });
  if (!s.allowDirectFallback) return primary;
  const fallback = createFallbackUpstream(primary, direct);
  markDown = fallback.markDown;
  return fallback.upstream;
}

/**
 * Compiles the upstream section: the default route plus per-site rules, most specific first.
 * `lookup` (Veil's resolver, dns/) resolves direct destinations and the upstream proxies' own names.
 */
export function buildRoutes(
  s: Settings['upstream'],
  guard: DestinationGuard,
  health: HealthListener = () => {},
  lookup?: LookupFunction,
  /** One set of pool limits for every route, direct, SOCKS and HTTP alike (the engine's own direct too). */
  pool: ConnectionPoolOptions = UPSTREAM_POOL,
): Routes {
  // the engine's guard: when Veil is exposed, a name resolving to loopback or link-local is refused at connect time
  const direct = createDirectUpstream({ lookup: guard.lookup(lookup), pool });
  const byUrl = new Map<string, Upstream>([['direct', direct]]);
  const get = (raw: string): Upstream => {
    let u = byUrl.get(raw);
    if (!u) {
      u = makeUpstream(raw, s, guard, direct, health, lookup, pool);
      byUrl.set(raw, u);
    }
    return u;
  };
  const fallback = s.default ? get(s.default) : direct;
  const rules = new HostPatternMap<Upstream>();
  for (const rule of s.rules) rules.add(rule.pattern, get(rule.upstream));
  const router: Router = rules.size ? (facts) => rules.match(facts.host)?.value ?? fallback : () => fallback;
  return { router, upstreams: [...byUrl.values()] };
}

/** Upstream proxies (SOCKS5, HTTP) and per-site routes; the one feature that provides the router. */
export const routingFeature: FeatureFactory = (host) => {
  const { lookup } = resolverOf(host);
  let routes: Routes | null = null;
  let builtFrom = '';
  // whether the default upstream answered its last dial; null until Veil has tried it
  let defaultUrl: string | null = null;
  let reachable: boolean | null = null;
  const onHealth: HealthListener = (raw, up) => {
    if (raw !== defaultUrl || reachable === up) return;
    reachable = up;
    host.statusChanged();
  };
  const retiring = new Map<NodeJS.Timeout, Routes>();
  // http://veil.invalid/ (self-test page): routed to Veil's own page server, after the whole pipeline
  let checkPage: Promise<CheckPage> | null = null;
  let page: CheckPage | null = null;

  function retire(old: Routes): void {
    const timer = setTimeout(() => {
      retiring.delete(timer);
      for (const u of old.upstreams) u.close();
    }, RETIRE_AFTER_MS);
    timer.unref();
    retiring.set(timer, old);
  }

  const feature: Feature = {
    name: 'routing',
    async applySettings(settings) {
      checkPage ??= startCheckPage().then((p) => (page = p));
      await checkPage;
      // the guard follows the engine's access settings by itself: only the upstream section rebuilds routes
      const key = JSON.stringify(settings.upstream);
      if (key === builtFrom && routes) return;
      const old = routes;
      if (settings.upstream.default !== defaultUrl) reachable = null;
      defaultUrl = settings.upstream.default;
      routes = buildRoutes(settings.upstream, host.destinationGuard, onHealth, lookup);
      builtFrom = key;
      if (old) retire(old);
    },
    router() {
      if (!routes) return null;
      return page ? page.wrap(routes.router) : routes.router;
    },
    status() {
      return {
        upstream: {
          name: defaultUrl ? redactUpstreamUrl(defaultUrl) : 'direct',
          reachable: defaultUrl ? reachable : null,
        },
      };
    },
    commands: {
      'upstream.test': async (args) => {
        const t0 = performance.now();
        const ms = (): number => Math.round(performance.now() - t0);
        const raw = args!.url.trim();
        let name = redactUpstreamUrl(raw);
        try {
          const url = parseUpstreamUrl(raw);
          name = url.name;
          if (args!.target) {
            const { host, port } = parseAuthority(args!.target);
            const upstream =
              url.kind === 'socks5'
                ? createSocksUpstream(url, { hostLookup: lookup })
                : createHttpUpstream(url, { lookup });
            try {
              const { socket } = await upstream.connect(host, port, 10_000);
              socket.destroy();
            } finally {
              upstream.close();
            }
          } else {
            await probeUpstream(url, 10_000, lookup);
          }
          if (!args!.target) onHealth(raw, true);
          return { ok: true, ms: ms(), name };
        } catch (err) {
          const message = err instanceof ProxyError || err instanceof Error ? err.message : String(err);
          // A probe of the default upstream (the desktop re-checks it after sleep) is news for the status too.
          if (!args!.target) onHealth(raw, false);
          return { ok: false, ms: ms(), name, error: message };
        }
      },
    },
    dispose() {
      for (const [timer, old] of retiring) {
        clearTimeout(timer);
        for (const u of old.upstreams) u.close();
      }
      retiring.clear();
      for (const u of routes?.upstreams ?? []) u.close();
      routes = null;
      return page?.close();
    },
  };
  return feature;
};
