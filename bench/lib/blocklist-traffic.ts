import type { Feature, ServiceHost } from '../../proxy-core/src/control/feature.js';
import { createBlocklistFeature } from '../../proxy-core/src/control/features/blocklist-feature.js';
import { defaultSettings, type Settings } from '../../proxy-core/src/control/settings-schema.js';
import { parseAuthority } from '../../proxy-core/src/proxy/connect-tunnel.js';
import { DestinationGuard } from '../../proxy-core/src/proxy/destination-guard.js';
import type { ExchangePolicy, RequestFacts } from '../../proxy-core/src/proxy/exchange-policy.js';

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const PAGES = ['news.example', 'shop.example.co.uk', 'blog.example.org', 'video.example.net'];

/**
 * The facts the engine hands its policy for one request, built the way http-forward.ts and
 * connect-tunnel.ts build them (URL parsed, host taken from it, raw header list). Most traffic
 * is HTTPS, where only the CONNECT host is known; plain HTTP requests carry a URL and the
 * headers a browser sends for a subresource (some with Referer and Sec-Fetch-Site).
 */
export function requestFacts(host: string, i: number, pick: number): RequestFacts {
  if (pick < 0.7) {
    const target = parseAuthority(`${host}:443`);
    return {
      kind: 'connect',
      method: 'CONNECT',
      url: new URL(`https://${target.host}:${target.port}/`),
      host: target.host,
      port: target.port,
      clientAddress: '127.0.0.1',
      headers: ['Host', `${host}:443`, 'User-Agent', UA, 'Proxy-Connection', 'keep-alive'],
    };
  }
  const url = new URL(`http://${host}/assets/v${i % 50}/script-${i % 1000}.js?cb=${i}`);
  const page = PAGES[i % PAGES.length]!;
  const headers = ['Host', url.host, 'User-Agent', UA, 'Accept', '*/*', 'Accept-Language', 'en-US,en;q=0.9'];
  if (pick < 0.85) headers.push('Referer', `http://${page}/articles/${i % 300}.html`);
  if (pick >= 0.8) headers.push('Sec-Fetch-Site', pick < 0.9 ? 'cross-site' : 'same-site');
  headers.push('Accept-Encoding', 'gzip, deflate');
  // as http-forward.ts: IPv6 literals come bracketed in URLs; the facts carry the bare address
  const bare = url.hostname.replace(/^\[|\]$/g, '');
  return { kind: 'http', method: 'GET', url, host: bare, port: 80, clientAddress: '127.0.0.1', headers };
}

/**
 * The real blocklist feature with these list files, as `veil serve --blocklist FILE` runs it:
 * what the engine calls per request is its policy's `checkRequest`.
 */
export async function blocklistFeatureFor(
  listPaths: readonly string[],
  dataDir: string,
): Promise<{ feature: Feature; checkRequest: NonNullable<ExchangePolicy['checkRequest']> }> {
  const settings: Settings = defaultSettings();
  settings.proxy.enabled = false;
  settings.blocklists.lists = listPaths.map((path, i) => ({
    id: `bench-${i + 1}`,
    name: `generated ${i + 1}`,
    enabled: true,
    source: { type: 'file' as const, path },
    format: 'auto' as const,
  }));
  const host: ServiceHost = {
    settings: () => settings,
    updateSettings: () => Promise.reject(new Error('the bench does not change settings')),
    emit: () => undefined,
    notify: () => undefined,
    proxy: () => null,
    publishRecord: () => undefined,
    destinationGuard: new DestinationGuard(),
    statusChanged: () => undefined,
    refreshPolicy: () => undefined,
    dataDir,
  };
  const feature = createBlocklistFeature(host);
  await feature.applySettings?.(settings, null);
  const checkRequest = feature.policy?.().checkRequest;
  if (!checkRequest) throw new Error('the blocklist feature has no checkRequest');
  return { feature, checkRequest };
}

/** Lookups per clock read: one read costs ~0.3-1 µs, so single lookups would time the clock. */
const BATCH = 8;

/**
 * Times `checkRequest` on one request per host, in batches of BATCH. Each batch's facts are
 * built just before it, untimed, as the engine builds them just before it asks its policy:
 * the request is fresh in the cache, the blocklist's tables only as warm as traffic keeps them.
 * `times` holds each batch's cost per lookup (µs), so its p99 shows the slow tail of the mix.
 */
export function timeLookups(
  checkRequest: NonNullable<ExchangePolicy['checkRequest']>,
  hosts: readonly string[],
  picks: readonly number[],
): { times: Float64Array; mean: number; blocked: number } {
  const batches = Math.floor(hosts.length / BATCH);
  const times = new Float64Array(batches);
  const batch: RequestFacts[] = [];
  let blocked = 0;
  let total = 0;
  for (let b = 0; b < batches; b++) {
    for (let j = 0; j < BATCH; j++)
      batch[j] = requestFacts(hosts[b * BATCH + j]!, b * BATCH + j, picks[b * BATCH + j]!);
    const t = process.hrtime.bigint();
    for (let j = 0; j < BATCH; j++) if (checkRequest(batch[j]!)) blocked++;
    const ns = Number(process.hrtime.bigint() - t);
    times[b] = ns / 1000 / BATCH;
    total += ns;
  }
  return { times, mean: total / 1000 / (batches * BATCH), blocked };
}
