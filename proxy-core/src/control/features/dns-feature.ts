import { readFileSync } from 'node:fs';
import { createDnsResolver, type DnsResolver, type ResolverConfig } from '../../dns/dns-resolver.js';
import { parseResolverUrl } from '../../dns/resolver-url.js';
import { isLoopbackHost } from '../../proxy/access-control.js';
import type { FeatureFactory, ServiceHost } from '../feature.js';
import type { Settings } from '../settings-schema.js';

// one resolver per service: the routing and blocklist features dial through the one this feature configures
const resolvers = new WeakMap<ServiceHost, DnsResolver>();

/** The service's resolver (its `lookup` follows the `dns` settings live). */
export function resolverOf(host: ServiceHost): DnsResolver {
  let r = resolvers.get(host);
  if (!r) {
    r = createDnsResolver({ endpoints: [], fallback: 'none', rebindingAllow: null });
    resolvers.set(host, r);
  }
  return r;
}

/** The resolver configuration the settings describe; a CA file that cannot be read is an error to show. */
export function resolverConfig(s: Settings): { config: ResolverConfig; caError: string | null } {
  let ca: string | null = null;
  let caError: string | null = null;
  if (s.dns.ca) {
    try {
      ca = readFileSync(s.dns.ca, 'utf8');
    } catch (err) {
      caError = `The DNS CA file ${s.dns.ca} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`;
    }
  }
  const exposed = !isLoopbackHost(s.proxy.listen);
  const guardOn = s.dns.rebindingGuard === 'on' || (s.dns.rebindingGuard === 'auto' && exposed);
  return {
    config: {
      endpoints: s.dns.servers.map((srv) => ({ url: parseResolverUrl(srv.url), bootstrap: srv.bootstrap, ca })),
      fallback: s.dns.fallback,
      rebindingAllow: guardOn ? s.dns.rebindingAllow : null,
    },
    caError,
  };
}

/** Private DNS (DoH/DoT) for every direct connection; its state on Home and in the self-test. */
export const dnsFeature: FeatureFactory = (host) => {
  const resolver = resolverOf(host);
  let builtFrom = '';
  // loud, not noisy: one notice per configuration, then Home's count follows (at most once a second)
  let noticed = false;
  let statusTimer: NodeJS.Timeout | null = null;
  resolver.onFallback((reason) => {
    if (!noticed) {
      noticed = true;
      host.notify({
        level: 'warning',
        code: 'W_DNS_FALLBACK',
        message: `Private DNS did not answer (${reason}); Veil used the system resolver, so your network saw that name.`,
        action: 'Check the resolvers in Settings → Private DNS, or turn the fallback off to fail instead.',
      });
    }
    statusTimer ??= setTimeout(() => {
      statusTimer = null;
      host.statusChanged();
    }, 1000);
    statusTimer.unref();
  });
  return {
    name: 'dns',
    applySettings(settings) {
      const key = JSON.stringify([settings.dns, settings.proxy.listen]);
      if (key === builtFrom) return;
      builtFrom = key;
      const { config, caError } = resolverConfig(settings);
      if (caError) {
        host.notify({
          level: 'error',
          code: 'E_DNS_CA',
          message: caError,
          action: 'Private DNS fails closed until the file is readable; fix dns.ca in Settings.',
        });
      }
      resolver.reconfigure(config);
      noticed = false;
    },
    status() {
      return { dns: resolver.status() };
    },
    dispose() {
      if (statusTimer) clearTimeout(statusTimer);
      resolver.onFallback(null);
      resolver.close();
    },
  };
};
