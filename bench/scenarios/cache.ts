import { once } from 'node:events';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { createMemoryStore } from '../../proxy-core/src/cache/memory-store.js';
import { createResponseCache } from '../../proxy-core/src/cache/response-cache.js';
import { createProxy } from '../../proxy-core/src/proxy/create-proxy.js';

export interface CacheBenchRow {
  name: string;
  requestsPerSecond: number;
  /** CPU time of this process (client, Veil and origin together) per request: steadier than req/s on a busy machine. */
  cpuMicrosPerRequest: number;
  requests: number;
  errors: number;
}

export interface CacheBenchOptions {
  /** Seconds per measurement. Default 3. */
  seconds?: number;
  /** Requests in flight at once. Default 16. */
  concurrency?: number;
  /** Response body bytes. Default 16 KiB. */
  bodyBytes?: number;
  /** The origin answers after this long, standing for an application's own work. Default 2 ms. */
  originDelayMs?: number;
}

/**
 * Requests per second for the same 16 KiB resource: straight to a local origin, through Veil
 * as cache hits, and through Veil as misses (the origin marks that copy no-store). Everything
 * runs in this process on loopback, so the figures compare paths, not machines.
 */
export async function cacheScenario(options: CacheBenchOptions = {}): Promise<CacheBenchRow[]> {
  const seconds = options.seconds ?? 3;
  const concurrency = options.concurrency ?? 16;
  const body = Buffer.alloc(options.bodyBytes ?? 16 * 1024, 'v');
  const delay = options.originDelayMs ?? 2;
  const origin = createServer((req, res) => {
    const cacheControl = req.url === '/miss' ? 'no-store' : 'max-age=3600';
    const answer = (): void => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Cache-Control': cacheControl });
      res.end(body);
    };
    if (delay > 0) setTimeout(answer, delay);
    else answer();
  });
  origin.keepAliveTimeout = 30_000;
  origin.listen(0, '127.0.0.1');
  await once(origin, 'listening');
  const originPort = (origin.address() as AddressInfo).port;
  const cache = createResponseCache({ store: createMemoryStore(64 * 1024 * 1024), maxEntryBytes: 16 * 1024 * 1024 });
  const veil = createProxy({ port: 0, cache, timeouts: { clientIdleMs: 30_000 } });
  const { port: veilPort } = await veil.listen();
  const base = `http://127.0.0.1:${originPort}`;
  try {
    const rows: CacheBenchRow[] = [];
    rows.push(await measure('direct to origin', originPort, (p) => p, seconds, concurrency));
    rows.push(await measure('Veil, cache hit', veilPort, (p) => `${base}${p}`, seconds, concurrency, '/hit'));
    rows.push(await measure('Veil, cache miss', veilPort, (p) => `${base}${p}`, seconds, concurrency, '/miss'));
    const stats = cache.stats();
    if (stats.hits === 0) throw new Error('the cache-hit run produced no hits: the measurement is wrong');
    return rows;
  } finally {
    await veil.close();
    origin.closeAllConnections();
    origin.close();
  }
}

/** Keeps `concurrency` keep-alive requests in flight for `seconds` and counts the answers. */
async function measure(
  name: string,
  port: number,
  target: (path: string) => string,
  seconds: number,
  concurrency: number,
  path = '/hit',
): Promise<CacheBenchRow> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const one = (): Promise<boolean> =>
    new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: target(path), agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
        res.on('error', () => resolve(false));
      });
      req.on('error', () => resolve(false));
      req.end();
    });
  // warm up: connections, JIT, and the first (storing) miss
  for (let i = 0; i < concurrency; i++) await one();
  let requests = 0;
  let errors = 0;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        if (await one()) requests++;
        else errors++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  agent.destroy();
  return {
    name,
    requestsPerSecond: Math.round(requests / elapsed),
    cpuMicrosPerRequest: Math.round((cpu.user + cpu.system) / Math.max(1, requests)),
    requests,
    errors,
  };
}

/** Prints the rows as a table. */
export function printCacheRows(rows: CacheBenchRow[], originDelayMs = 2): void {
  console.log(
    `cache: requests/s for one 16 KiB resource (keep-alive, loopback, origin answers after ${originDelayMs} ms)`,
  );
  for (const r of rows) {
    const rate = String(r.requestsPerSecond).padStart(8);
    const cpu = String(r.cpuMicrosPerRequest).padStart(6);
    console.log(`  ${r.name.padEnd(20)} ${rate} req/s ${cpu} µs CPU/request  (${r.errors} errors)`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const originDelayMs = Number(process.env.CACHE_BENCH_ORIGIN_MS ?? 2);
  printCacheRows(await cacheScenario({ originDelayMs }), originDelayMs);
}
