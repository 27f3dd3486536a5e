import { join } from 'node:path';
import { createDnsResolver } from '../../dns/dns-resolver.js';
import type { DnsStatus } from '../../dns/dns-settings.js';
import { DestinationGuard } from '../../proxy/destination-guard.js';
import type { ExchangeRecord } from '../../proxy/exchange-record.js';
import { parseUpstreamUrl } from '../../proxy/upstream-url.js';
import { detectPlatform } from '../../system/detect-platform.js';
import { JOURNAL_FILE, ownerAlive, readJournal } from '../../system/journal.js';
import { auditLine } from '../../traffic/audit-line.js';
import { resolverConfig } from '../features/dns-feature.js';
import { buildRoutes } from '../features/routing-feature.js';
import type { Settings } from '../settings-schema.js';
import { CANARY } from './canary-exchange.js';
import type { CheckResult } from './self-test-report.js';

/** HTTPS: scrubbed only when inspection exists and is on; until then, said plainly. */
export function httpsCheck(s: Settings): CheckResult {
  if (s.inspection.enabled) {
    return { id: 'https', status: 'warn', message: 'HTTPS inspection is on but this self-test does not check it yet.' };
  }
  return {
    id: 'https',
    status: 'warn',
    message:
      'Inspection off: not checked. HTTPS goes through blind tunnels, so its headers (cookies, User-Agent) reach sites as the browser sent them.',
  };
}

/** The route a request for a public site takes, decided by the router the settings build. */
export function routeCheck(s: Settings): CheckResult {
  // a guard of its own: this check only reads which route the settings pick
  const routes = buildRoutes(s.upstream, new DestinationGuard());
  try {
    const upstream = routes.router({
      kind: 'http',
      method: 'GET',
      url: new URL('http://example.com/'),
      host: 'example.com',
      port: 80,
      clientAddress: '127.0.0.1',
      headers: [] as never,
    });
    const rules = s.upstream.rules.length ? ` (${s.upstream.rules.length} per-site rules)` : '';
    if (!s.upstream.default) {
      return {
        id: 'route',
        status: 'pass',
        message: `Direct${rules}: sites see this network's IP address; use --upstream socks5://… (Tor) to hide it.`,
      };
    }
    const kind = parseUpstreamUrl(s.upstream.default).kind;
    if (kind === 'socks5' && s.upstream.localDns) {
      return {
        id: 'route',
        status: 'warn',
        message: `SOCKS5 ${upstream.name}${rules}, but names are resolved on this machine first (upstream.localDns): turn it off so the proxy resolves them.`,
      };
    }
    return {
      id: 'route',
      status: 'pass',
      message:
        kind === 'socks5'
          ? `SOCKS5 ${upstream.name}${rules}, names sent to the proxy (no local lookup).`
          : `HTTP upstream ${upstream.name}${rules}.`,
    };
  } finally {
    for (const u of routes.upstreams) u.close();
  }
}

/** The DNS path: private (and whether a resolver answers now), fallbacks counted, or the system resolver. */
export async function dnsCheck(s: Settings, live: DnsStatus | null, timeoutMs: number): Promise<CheckResult> {
  if (s.dns.servers.length === 0) {
    return {
      id: 'dns',
      status: 'warn',
      message:
        'System resolver: your network sees every name you visit on the direct route. Set a private resolver (--dns https://…/dns-query).',
    };
  }
  const names = s.dns.servers.map((x) => x.url).join(', ');
  const { config, caError } = resolverConfig(s);
  if (caError) return { id: 'dns', status: 'fail', message: `${caError} Fix dns.ca.` };
  // the run stays under 5 s however many resolvers are configured: they share one step's time
  const perServer = Math.max(300, Math.floor(timeoutMs / config.endpoints.length));
  const probe = createDnsResolver({ ...config, fallback: 'none', rebindingAllow: null, timeoutMs: perServer });
  let answered = true;
  let why = '';
  try {
    await probe.resolveOne('example.com');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // NXDOMAIN is an answer too: the resolver is there
    if (code !== 'ENOTFOUND') {
      answered = false;
      why = (err as Error).message;
    }
  } finally {
    probe.close();
  }
  const fallbacks = live?.fallbacks ?? 0;
  if (!answered) {
    return s.dns.fallback === 'system'
      ? {
          id: 'dns',
          status: 'warn',
          message: `Private DNS (${names}) did not answer; lookups fall back to the system resolver (counted). ${why}`,
        }
      : {
          id: 'dns',
          status: 'fail',
          message: `Private DNS (${names}) did not answer: direct requests fail with 502. Check the URL, --dns-bootstrap and --dns-ca. ${why}`,
        };
  }
  if (fallbacks > 0) {
    return {
      id: 'dns',
      status: 'warn',
      message: `Private DNS (${names}), but ${fallbacks} lookups fell back to the system resolver: check the resolvers' reachability.`,
    };
  }
  return {
    id: 'dns',
    status: 'pass',
    message: `Private DNS (${names}) answers; ${s.dns.fallback === 'system' ? 'fallback to the system resolver allowed, none so far' : 'no fallback to the system resolver'}.`,
  };
}

/** Whether the OS proxy is Veil's (journal + a read of the OS settings), someone else's, or off. */
export async function systemProxyCheck(s: Settings, dataDir: string, timeoutMs: number): Promise<CheckResult> {
  const journal = await readJournal(join(dataDir, JOURNAL_FILE)).catch(() => null);
  const platform = detectPlatform();
  if (journal && ownerAlive(journal)) {
    if (!platform || !journal.applied) {
      return { id: 'system-proxy', status: 'pass', message: `Set by Veil (pid ${journal.ownerPid}).` };
    }
    const now = await Promise.race([
      platform.read(),
      new Promise<null>((r) => setTimeout(() => r(null), timeoutMs).unref()),
    ]).catch(() => null);
    if (now && JSON.stringify(now) !== JSON.stringify(journal.applied)) {
      return {
        id: 'system-proxy',
        status: 'warn',
        message:
          'Changed by someone else since Veil set it: programs may bypass Veil. Turn the system proxy off and on in Veil.',
      };
    }
    return {
      id: 'system-proxy',
      status: 'pass',
      message: `Set by Veil (pid ${journal.ownerPid}, ${journal.platform}).`,
    };
  }
  if (s.systemProxy.enabled) {
    return {
      id: 'system-proxy',
      status: 'warn',
      message:
        'Veil should point the system proxy at itself but is not running: start Veil (veil serve --system-proxy).',
    };
  }
  return {
    id: 'system-proxy',
    status: 'pass',
    message: `Off: only programs pointed at Veil use it${platform ? '' : ' (no system proxy settings on this machine)'}. Turn it on in Settings to cover the browser.`,
  };
}

const PROXY_VARS = ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'all_proxy'];

/** HTTP_PROXY and friends: programs that read them go where they point, whatever the system proxy says. */
export function environmentCheck(s: Settings, env: NodeJS.ProcessEnv = process.env): CheckResult {
  const port = s.proxy.port;
  const elsewhere: string[] = [];
  const veil: string[] = [];
  for (const name of PROXY_VARS) {
    const v = env[name];
    if (!v) continue;
    let pointsAtVeil = false;
    try {
      const u = new URL(v.includes('://') ? v : `http://${v}`);
      pointsAtVeil = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname) && Number(u.port) === port;
    } catch {}
    (pointsAtVeil ? veil : elsewhere).push(`${name}=${v.replace(/\/\/[^@/]*@/, '//…@')}`);
  }
  const noProxy = env.NO_PROXY ?? env.no_proxy ?? '';
  if (elsewhere.length) {
    return {
      id: 'environment',
      status: 'warn',
      message: `${elsewhere.join(', ')} points past Veil: programs that read it bypass Veil. Set it to http://127.0.0.1:${port} or unset it.`,
    };
  }
  if (veil.length && noProxy.split(',').some((e) => e.trim() === '*')) {
    return {
      id: 'environment',
      status: 'warn',
      message: 'NO_PROXY=* makes programs ignore HTTP_PROXY: remove the "*".',
    };
  }
  if (veil.length) return { id: 'environment', status: 'pass', message: `${veil.join(', ')} points at Veil.` };
  return {
    id: 'environment',
    status: 'pass',
    message: `HTTP_PROXY is not set: command-line programs go direct unless pointed at Veil (export HTTP_PROXY=http://127.0.0.1:${port}).`,
  };
}

/** The audit line Veil would write for the canary keeps no removed value and no credential. */
export function auditCheck(s: Settings, record: ExchangeRecord | null, received: Array<[string, string]>): CheckResult {
  if (!s.audit.enabled)
    return {
      id: 'audit-log',
      status: 'pass',
      message: 'Audit log off: nothing about your requests is written to disk.',
    };
  if (!record)
    return { id: 'audit-log', status: 'warn', message: 'The canary left no record to check the audit redaction with.' };
  const line = auditLine(record, { query: s.audit.redactQuery, headerValues: s.audit.redactHeaderValues });
  const arrived = new Set(received.map(([, v]) => v));
  const credentials = s.proxy.proxyAuth ? [s.proxy.proxyAuth, Buffer.from(s.proxy.proxyAuth).toString('base64')] : [];
  if (credentials.some((v) => line.includes(v))) {
    return {
      id: 'audit-log',
      status: 'fail',
      message:
        "The audit log would keep Veil's own proxy credentials. Report this as a bug; turn the audit log off meanwhile.",
    };
  }
  const removed = [...Object.values(CANARY.forwarding), CANARY.cookie].filter(
    (v) => !arrived.has(v) && line.includes(v),
  );
  if (removed.length) {
    return {
      id: 'audit-log',
      status: 'warn',
      message: `The audit log keeps values Veil removed (cookies, forwarded addresses: ${removed.length} in the canary's line) on disk: turn on audit.redactHeaderValues, or turn off traffic.keepRemovedValues.`,
    };
  }
  return {
    id: 'audit-log',
    status: 'pass',
    message: `Audit log on; removed values and Veil's credentials stay out of it${s.audit.redactQuery ? ', query strings too' : ''}.`,
  };
}
