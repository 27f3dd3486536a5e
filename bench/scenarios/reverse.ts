import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { curlMBps } from '../lib/curl.js';
import { cpuMs, freePort, type Service, startService } from '../lib/processes.js';
import { REVERSE_PEERS, reversePeerInstalled } from '../lib/reverse-peers.js';
import type { BenchContext, BenchScenario, ScenarioReport } from '../lib/scenario.js';
import { fmtMBps, fmtMs, fmtRps, withRatio } from '../lib/table.js';
import { type LoadResult, wrkLoad } from '../lib/wrk.js';

const CONCURRENCY = [1, 50, 500] as const;
const BIG_MB = 100;

interface TargetResult {
  load: Partial<Record<(typeof CONCURRENCY)[number], LoadResult>>;
  bodyMBps: number | null;
  cpuUsPerRequest: number | null;
  errors: string[];
}

const libFile = (name: string): string => fileURLToPath(new URL(`../lib/${name}`, import.meta.url));
const cliFile = fileURLToPath(new URL('../../proxy-core/src/cli.js', import.meta.url));

export const scenario: BenchScenario = {
  name: 'reverse',
  description: 'veil reverse vs a minimal http-proxy, nginx and HAProxy, to one and two backends',
  async run(ctx: BenchContext): Promise<ScenarioReport> {
    const notes: string[] = [];
    const services: Service[] = [];
    try {
      const backends: string[] = [];
      for (let i = 0; i < 2; i++) {
        const port = await freePort();
        const s = await startService(
          `backend:${port}`,
          process.execPath,
          [libFile('origin-server.js'), String(port), String(BIG_MB)],
          port,
        );
        services.push(s);
        backends.push(`127.0.0.1:${port}`);
      }
      const config = join(ctx.tmpDir, 'reverse-config.json');
      writeFileSync(config, '{}\n');
      const targets: Array<{ name: string; port: number; pid?: number }> = [
        { name: 'direct', port: Number(backends[0]!.split(':')[1]) },
      ];
      const add = (name: string, s: Service): void => {
        services.push(s);
        targets.push({ name, port: s.port, ...(s.child.pid ? { pid: s.child.pid } : {}) });
      };
      for (const pool of [backends.slice(0, 1), backends]) {
        const tag = pool.length === 1 ? '1 backend' : '2 backends';
        const veilPort = await freePort();
        const flags = pool.flatMap((b) => ['--backend', `http://${b}`]);
        add(
          `veil reverse, ${tag}`,
          await startService(
            'veil-reverse',
            process.execPath,
            [cliFile, 'reverse', '--listen', `127.0.0.1:${veilPort}`, ...flags, '--config', config],
            veilPort,
          ),
        );
        const nodePort = await freePort();
        add(
          `http-proxy (Node), ${tag}`,
          await startService(
            'http-proxy',
            process.execPath,
            [libFile('http-proxy-reverse.js'), String(nodePort), ...pool.map((b) => `http://${b}`)],
            nodePort,
          ),
        );
        for (const peer of REVERSE_PEERS) {
          if (!(await reversePeerInstalled(peer))) {
            if (pool.length === 1) notes.push(`${peer.name}: not installed, skipped (apt-get install ${peer.pkg}).`);
            continue;
          }
          try {
            add(`${peer.name}, ${tag}`, await peer.start(ctx.tmpDir, pool));
          } catch (err) {
            notes.push(`${peer.name} (${tag}): could not start, skipped (${(err as Error).message}).`);
          }
        }
      }
      const results: Record<string, TargetResult> = {};
      for (const t of targets) results[t.name] = { load: {}, bodyMBps: null, cpuUsPerRequest: null, errors: [] };
      const load = (t: { port: number }, c: number, durationSec: number): Promise<LoadResult> =>
        wrkLoad({ dir: ctx.tmpDir, origin: `127.0.0.1:${t.port}`, proxyPort: null, connections: c, durationSec });
      // warm up, then each figure for every target back to back, so the machine's load touches all alike
      for (const t of targets) await load(t, 50, 1).catch(() => null);
      for (const c of CONCURRENCY) {
        for (const t of targets) {
          ctx.log(`small responses, c=${c}: ${t.name}`);
          try {
            const before = cpuMs(t.pid);
            const r = await load(t, c, ctx.durationSec);
            const after = cpuMs(t.pid);
            results[t.name]!.load[c] = r;
            if (c === 50 && before !== null && after !== null && r.requests) {
              results[t.name]!.cpuUsPerRequest = ((after - before) * 1000) / r.requests;
            }
            if (r.errors || r.non2xx)
              results[t.name]!.errors.push(`c=${c}: ${r.errors} socket errors, ${r.non2xx} non-2xx`);
          } catch (err) {
            results[t.name]!.errors.push(`c=${c}: ${(err as Error).message}`);
          }
        }
      }
      for (const t of targets) {
        ctx.log(`${BIG_MB} MB body: ${t.name}`);
        try {
          results[t.name]!.bodyMBps = await curlMBps(`http://127.0.0.1:${t.port}/big`, {});
        } catch (err) {
          results[t.name]!.errors.push(`body: ${(err as Error).message}`);
        }
      }
      const direct = results.direct!;
      const rows = targets.map((t) => {
        const r = results[t.name]!;
        return [
          t.name,
          ...CONCURRENCY.map((c) => withRatio(r.load[c]?.rps ?? null, direct.load[c]?.rps ?? null, fmtRps)),
          ...CONCURRENCY.map((c) => {
            const l = r.load[c];
            return l ? `${fmtMs(l.p50Ms)} / ${fmtMs(l.p99Ms)}` : '-';
          }),
          withRatio(r.bodyMBps, direct.bodyMBps, fmtMBps),
          r.cpuUsPerRequest === null ? '-' : r.cpuUsPerRequest.toFixed(0),
        ];
      });
      for (const t of targets) for (const e of results[t.name]!.errors) notes.push(`${t.name}: ${e}`);
      notes.push(
        'direct is wrk against the first backend itself; every proxy keeps connections to its backends alive.',
      );
      notes.push(
        'nginx and HAProxy run one worker/thread, like Node’s one event loop; CPU µs/req is user+system per request at c=50.',
      );
      return {
        tables: [
          {
            title: `reverse proxy (${ctx.durationSec}s per figure; ratio to direct in parentheses)`,
            columns: [
              'target',
              'req/s c=1',
              'req/s c=50',
              'req/s c=500',
              'p50/p99 ms c=1',
              'p50/p99 ms c=50',
              'p50/p99 ms c=500',
              `${BIG_MB} MB MB/s`,
              'CPU µs/req c=50',
            ],
            rows,
          },
        ],
        data: results,
        notes,
      };
    } finally {
      for (const s of services.reverse()) await s.stop().catch(() => {});
    }
  },
};
