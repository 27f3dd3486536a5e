import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { cpuMs, freePort, have, runCommand, type Service, startService } from '../lib/processes.js';
import type { BenchContext, BenchScenario, ScenarioReport } from '../lib/scenario.js';
import { fmtMs, fmtRps, withRatio } from '../lib/table.js';
import { type LoadResult, parseWrk } from '../lib/wrk.js';

const CONCURRENCY = [1, 50, 500] as const;
const BODY_KB = 16;
const WARM_UP_SEC = 2;
const RANGE = 'bytes=0-1023';
const SWR_CLIENTS = 200;
const SWR_ROUNDS = 5;

/**
 * The origin, its own process: `/hit` (and `/range`) is cacheable for an hour, `/miss` is no-store, both
 * 16 KiB from memory, the least a Node server can do per request; `/static` serves the same
 * bytes from a file the way a static file server does (stat, then read: two filesystem calls
 * per request, cacheable for an hour, with Last-Modified); `/swr` is fresh for one second and then
 * stale-while-revalidate, answering 304 to its ETag after 100 ms; `/count` tells how many requests it
 * answered. Args: PORT FILE.
 */
const ORIGIN = `
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs';
const body = Buffer.alloc(${BODY_KB} * 1024, 'v');
const file = process.argv[2];
let served = 0;
const server = createServer((req, res) => {
  if (req.url.endsWith('/count')) return res.end(String(served));
  served++;
  if (req.url.endsWith('/static')) {
    stat(file, (err, st) => {
      if (err) return res.writeHead(404).end();
      readFile(file, (err2, data) => {
        if (err2) return res.writeHead(500).end();
        res.writeHead(200, {
          'Content-Type': 'application/octet-stream',
          'Content-Length': data.length,
          'Last-Modified': st.mtime.toUTCString(),
          'Cache-Control': 'max-age=3600',
        });
        res.end(data);
      });
    });
    return;
  }
  if (req.url.endsWith('/swr')) {
    // stale a second after it was stored, then served stale for an hour while it revalidates
    const headers = { ETag: '"s"', 'Cache-Control': 'max-age=1, stale-while-revalidate=3600' };
    // a revalidation takes the origin 100 ms, as a distant one would: clients should not wait for it
    if (req.headers['if-none-match'] === '"s"') return setTimeout(() => res.writeHead(304, headers).end(), 100);
    res.writeHead(200, { ...headers, 'Content-Type': 'application/octet-stream', 'Content-Length': body.length });
    return res.end(body);
  }
  res.writeHead(200, {
    'Content-Type': 'application/octet-stream',
    'Content-Length': body.length,
    'Cache-Control': req.url.endsWith('/miss') ? 'no-store' : 'max-age=3600',
  });
  res.end(body);
});
server.keepAliveTimeout = 60000;
server.listen(Number(process.argv[1]), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`;

/** Veil's engine with the default memory cache, its own process. Args: PORT, then the compiled modules' URLs. */
const VEIL = `
const [port, proxyUrl, cacheUrl, storeUrl] = process.argv.slice(1);
const { createProxy } = await import(proxyUrl);
const { createResponseCache } = await import(cacheUrl);
const { createMemoryStore } = await import(storeUrl);
const cache = createResponseCache({ store: createMemoryStore(256 * 1024 * 1024), maxEntryBytes: 16 * 1024 * 1024 });
const engine = createProxy({ port: Number(port), cache, timeouts: { clientIdleMs: 60000 } });
await engine.listen();
process.on('SIGTERM', () => engine.close().then(() => process.exit(0)));
`;

const moduleUrl = (path: string): string => new URL(`../../proxy-core/src/${path}`, import.meta.url).href;

type Concurrency = (typeof CONCURRENCY)[number];

interface Row {
  name: string;
  load: Partial<Record<Concurrency, LoadResult>>;
  /** CPU time (user + system) the origin and Veil spent per answered request, in µs. */
  cpuUs: Partial<Record<Concurrency, number>>;
}

export const scenario: BenchScenario = {
  name: 'cache',
  description: `Cache hits vs misses through Veil vs direct to a local origin (${BODY_KB} KiB body, keep-alive)`,
  async run(ctx: BenchContext): Promise<ScenarioReport> {
    const notes: string[] = [];
    const services: Service[] = [];
    try {
      const originPort = await freePort();
      const staticFile = join(ctx.tmpDir, 'cache-static.bin');
      writeFileSync(staticFile, Buffer.alloc(BODY_KB * 1024, 'v'));
      services.push(
        await startService('cache-origin', process.execPath, nodeEval(ORIGIN, [originPort, staticFile]), originPort),
      );
      const veilPort = await freePort();
      const veilArgs = [
        veilPort,
        moduleUrl('proxy/create-proxy.js'),
        moduleUrl('cache/response-cache.js'),
        moduleUrl('cache/memory-store.js'),
      ];
      services.push(await startService('veil-cache', process.execPath, nodeEval(VEIL, veilArgs), veilPort));
      const origin = `127.0.0.1:${originPort}`;
      const useWrk = await have('wrk');
      if (!useWrk) notes.push('wrk is not installed: a Node client measured instead (it shares the CPU with Veil).');
      const pids = services.map((s) => s.child.pid);
      const generate = (
        path: string,
        proxyPort: number | null,
        c: number,
        seconds = ctx.durationSec,
        headers: Record<string, string> = {},
      ) =>
        useWrk
          ? wrk(ctx, origin, path, proxyPort, c, seconds, headers)
          : nodeLoad(origin, path, proxyPort, c, seconds, headers);
      // requests/s moves with whatever else the shared cores run; the servers' CPU time per
      // request barely does, so it is measured alongside (origin and Veil together)
      const load = async (
        row: Row,
        path: string,
        proxyPort: number | null,
        c: Concurrency,
        headers: Record<string, string> = {},
      ): Promise<void> => {
        const cpu0 = serversCpuMs(pids);
        const t0 = performance.now();
        const result = await generate(path, proxyPort, c, ctx.durationSec, headers);
        const requests = result.requests || result.rps * ((performance.now() - t0) / 1000);
        const cpu1 = serversCpuMs(pids);
        row.load[c] = result;
        if (cpu0 !== null && cpu1 !== null && requests > 0) row.cpuUs[c] = ((cpu1 - cpu0) * 1000) / requests;
      };

      // the JIT compiles Veil's hit path (and the origin's handler) during its first thousands of
      // requests; untimed load first, so every figure measures warm code, the origin's and Veil's alike
      ctx.log('warm-up: direct, hits, misses');
      for (const [path, port] of [
        ['/hit', null],
        ['/hit', veilPort],
        ['/miss', veilPort],
        ['/static', null],
        ['/static', veilPort],
      ] as const) {
        await generate(path, port, 50, WARM_UP_SEC);
      }
      await generate('/range', veilPort, 50, WARM_UP_SEC, { Range: RANGE });

      const rows: Row[] = [
        { name: 'direct to origin', load: {}, cpuUs: {} },
        { name: 'Veil, cache hit', load: {}, cpuUs: {} },
        { name: 'Veil, cache miss', load: {}, cpuUs: {} },
        { name: 'direct to static-file origin', load: {}, cpuUs: {} },
        { name: 'Veil, cache hit (static file)', load: {}, cpuUs: {} },
        { name: `Veil, Range hit (${RANGE})`, load: {}, cpuUs: {} },
      ];
      for (const c of CONCURRENCY) {
        ctx.log(`c=${c}: direct, hits, misses`);
        await load(rows[0]!, '/hit', null, c);
        const before = await originCount(origin);
        await load(rows[1]!, '/hit', veilPort, c);
        const upstream = (await originCount(origin)) - before;
        // the first request of a run may store the entry; a hit run that reaches the origin more is not measuring hits
        if (upstream > 1) notes.push(`c=${c}: the origin answered ${upstream} requests during the cache-hit run.`);
        await load(rows[2]!, '/miss', veilPort, c);
        await load(rows[3]!, '/static', null, c);
        const staticBefore = await originCount(origin);
        await load(rows[4]!, '/static', veilPort, c);
        const staticUpstream = (await originCount(origin)) - staticBefore;
        if (staticUpstream > 1) {
          notes.push(`c=${c}: the origin answered ${staticUpstream} requests during the static cache-hit run.`);
        }
        const rangeBefore = await originCount(origin);
        await load(rows[5]!, '/range', veilPort, c, { Range: RANGE });
        const rangeUpstream = (await originCount(origin)) - rangeBefore;
        if (rangeUpstream > 1)
          notes.push(`c=${c}: the origin answered ${rangeUpstream} requests during the Range run.`);
        for (const r of rows) {
          const l = r.load[c];
          // a figure made of failures is no figure: say so next to it
          if (l && (l.errors > 0 || l.non2xx > 0)) {
            notes.push(`c=${c} ${r.name}: ${l.errors} socket errors or timeouts (>2 s), ${l.non2xx} non-2xx answers.`);
          }
        }
      }
      // each hit row is read against its own origin: the in-memory one, or the static-file one
      const baseOf = (r: Row): Row => (r.name.includes('static') ? rows[3]! : rows[0]!);
      const table = {
        title: `cache: ${BODY_KB} KiB responses, requests/s (ratio to the same origin direct) and p50 latency`,
        columns: ['path', ...CONCURRENCY.flatMap((c) => [`c=${c} req/s`, `c=${c} p50 ms`])],
        rows: rows.map((r) => [
          r.name,
          ...CONCURRENCY.flatMap((c) => [
            withRatio(r.load[c]?.rps ?? null, baseOf(r).load[c]?.rps ?? null, fmtRps),
            r.load[c] ? fmtMs(r.load[c].p50Ms) : '-',
          ]),
        ]),
      };
      const cpuTable = {
        title:
          'cache: server CPU per request, µs (origin + Veil processes, user + system; ratio to the same origin direct)',
        columns: ['path', ...CONCURRENCY.map((c) => `c=${c}`)],
        rows: rows.map((r) => [
          r.name,
          ...CONCURRENCY.map((c) => withRatio(r.cpuUs[c] ?? null, baseOf(r).cpuUs[c] ?? null, (v) => v.toFixed(0))),
        ]),
      };
      ctx.log(`stale-while-revalidate: ${SWR_ROUNDS} bursts of ${SWR_CLIENTS} clients`);
      const swr = await swrBursts(origin, veilPort, notes);
      const swrTable = {
        title: `cache: stale-while-revalidate bursts (${SWR_CLIENTS} clients at once on a stale entry, ${SWR_ROUNDS} rounds)`,
        columns: ['round', 'burst ms', 'p50 ms', 'p99 ms', 'failed', 'origin requests'],
        rows: swr.map((r, i) => [
          String(i + 1),
          r.burstMs.toFixed(1),
          fmtMs(r.p50Ms),
          fmtMs(r.p99Ms),
          String(r.failed),
          String(r.originRequests),
        ]),
      };
      return { tables: [table, cpuTable, swrTable], data: { rows, swr }, notes };
    } finally {
      for (const s of services.reverse()) await s.stop();
    }
  },
};

/** CPU time (ms) of the origin and Veil together; null where it cannot be read (not Linux). */
function serversCpuMs(pids: Array<number | undefined>): number | null {
  let total = 0;
  for (const pid of pids) {
    const ms = cpuMs(pid);
    if (ms === null) return null;
    total += ms;
  }
  return total;
}

function nodeEval(script: string, args: Array<string | number>): string[] {
  return ['--input-type=module', '-e', script, ...args.map(String)];
}

async function wrk(
  ctx: BenchContext,
  origin: string,
  path: string,
  proxyPort: number | null,
  c: number,
  seconds: number,
  headers: Record<string, string>,
): Promise<LoadResult> {
  const args = ['-t', c >= 50 ? '2' : '1', '-c', String(c), '-d', `${seconds}s`, '--latency'];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  if (proxyPort === null) {
    args.push(`http://${origin}${path}`);
  } else {
    // through a proxy the request line carries the absolute URL
    const script = join(ctx.tmpDir, `cache-${path.slice(1)}.lua`);
    writeFileSync(script, `wrk.path = "http://${origin}${path}"\nwrk.headers["Host"] = "${origin}"\n`);
    args.push('-s', script, `http://127.0.0.1:${proxyPort}`);
  }
  return parseWrk(await runCommand('wrk', args, (seconds + 60) * 1000));
}

function get(
  port: number,
  path: string,
  agent: Agent | false,
  headers: Record<string, string> = {},
): Promise<{ ok: boolean; body: string }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent, headers }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ ok: res.statusCode === 200 || res.statusCode === 206, body }));
      res.on('error', () => resolve({ ok: false, body }));
    });
    req.on('error', () => resolve({ ok: false, body: '' }));
    req.end();
  });
}

async function originCount(origin: string): Promise<number> {
  return Number((await get(Number(origin.split(':')[1]), '/count', false)).body);
}

/** The fallback load generator: `c` keep-alive requests in flight for `seconds`. */
async function nodeLoad(
  origin: string,
  path: string,
  proxyPort: number | null,
  c: number,
  seconds: number,
  headers: Record<string, string>,
): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: c });
  const port = proxyPort ?? Number(origin.split(':')[1]);
  const target = proxyPort === null ? path : `http://${origin}${path}`;
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        if ((await get(port, target, agent, headers)).ok) latencies.push(performance.now() - t0);
        else errors++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => latencies[Math.floor((latencies.length - 1) * p)] ?? Number.NaN;
  return { rps: latencies.length / elapsed, p50Ms: pct(0.5), p99Ms: pct(0.99), errors, non2xx: 0 };
}

interface SwrRound {
  burstMs: number;
  p50Ms: number;
  p99Ms: number;
  failed: number;
  /** Requests the origin answered for the round: one background revalidation is the aim. */
  originRequests: number;
}

/**
 * Stale-while-revalidate under a burst: the entry goes stale, then SWR_CLIENTS clients ask at
 * once on warm keep-alive connections. Each should get the stored answer without waiting for
 * the origin, which should see one revalidation per round.
 */
async function swrBursts(origin: string, veilPort: number, notes: string[]): Promise<SwrRound[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: SWR_CLIENTS });
  const target = `http://${origin}/swr`;
  const rounds: SwrRound[] = [];
  try {
    // stores the entry and opens every connection the bursts will use
    await Promise.all(Array.from({ length: SWR_CLIENTS }, () => get(veilPort, `http://${origin}/hit`, agent)));
    await get(veilPort, target, agent);
    for (let round = 0; round < SWR_ROUNDS; round++) {
      await new Promise((r) => setTimeout(r, 1200));
      const before = await originCount(origin);
      const latencies: number[] = [];
      let failed = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: SWR_CLIENTS }, async () => {
          const t = performance.now();
          if ((await get(veilPort, target, agent)).ok) latencies.push(performance.now() - t);
          else failed++;
        }),
      );
      const burstMs = performance.now() - t0;
      // the revalidation runs after the first answer and takes the origin 100 ms: let it land
      await new Promise((r) => setTimeout(r, 300));
      const originRequests = (await originCount(origin)) - before;
      latencies.sort((a, b) => a - b);
      const pct = (p: number): number => latencies[Math.floor((latencies.length - 1) * p)] ?? Number.NaN;
      rounds.push({ burstMs, p50Ms: pct(0.5), p99Ms: pct(0.99), failed, originRequests });
      if (originRequests !== 1) notes.push(`swr round ${round + 1}: the origin answered ${originRequests} requests.`);
    }
  } finally {
    agent.destroy();
  }
  return rounds;
}
