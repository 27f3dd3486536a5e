import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLab, type Lab, namespaceProblem, waitForLine } from '../lib/netns-lab.js';
import { cpuMs, have } from '../lib/processes.js';
import type { BenchContext, BenchScenario, ScenarioReport } from '../lib/scenario.js';
import { fmtMs, fmtRps, withRatio } from '../lib/table.js';
import { type LoadResult, wrkLoad } from '../lib/wrk.js';

const CONCURRENCY = [1, 50, 500] as const;
const TRANSPARENT_PORT = 8898;
const FORWARD_PORT = 8899;
// the origin also answers on a port the rules leave alone: the direct figure
const DIRECT_PORT = 8081;

const libFile = (name: string): string => fileURLToPath(new URL(`../lib/${name}`, import.meta.url));
const cliFile = fileURLToPath(new URL('../../proxy-core/src/cli.js', import.meta.url));

type Target = 'direct' | 'forward' | 'transparent';

/**
 * The transparent listener against the forward listener and direct, measured where it runs: a
 * client namespace routed through a gateway namespace (Veil, behind `veil transparent rules`)
 * to an origin namespace. The same `veil serve` process serves both listeners.
 */
export const scenario: BenchScenario = {
  name: 'transparent',
  description: 'In network namespaces: direct vs the forward listener vs the transparent listener (req/s, p50/p99)',
  async run(ctx: BenchContext): Promise<ScenarioReport> {
    const problem = namespaceProblem();
    if (problem) return { tables: [], data: null, notes: [`transparent: skipped: ${problem}.`] };
    if (!(await have('wrk'))) return { tables: [], data: null, notes: ['transparent: skipped: apt-get install wrk.'] };
    const children: ChildProcess[] = [];
    let lab: Lab | undefined;
    try {
      lab = createLab();
      const l = lab;
      for (const port of [80, DIRECT_PORT]) {
        const origin = l.spawn(l.origin, process.execPath, [libFile('origin-server.js'), String(port), '1', '0.0.0.0']);
        children.push(origin);
        await waitForLine(origin, /origin listening/);
      }
      const veil = l.spawn(
        l.gateway,
        'bash',
        [
          '-c',
          `ulimit -n 65536; exec ${process.execPath} ${cliFile} serve --config ${join(ctx.tmpDir, 'transparent', 'config.json')} --listen ${l.gatewayLanIp} --port ${FORWARD_PORT} --allow-client ${l.clientIp.replace(/\.\d+$/, '.0')}/24 --transparent ${TRANSPARENT_PORT}`,
        ],
        { XDG_CONFIG_HOME: join(ctx.tmpDir, 'transparent') },
      );
      children.push(veil);
      await waitForLine(veil, /Veil transparent listener/);
      const rules = spawnSync(
        'ip',
        [
          'netns',
          'exec',
          l.gateway,
          process.execPath,
          cliFile,
          'transparent',
          'rules',
          '--interface',
          l.gatewayLanIf,
          '--port',
          String(TRANSPARENT_PORT),
          '--ports',
          '80',
          '--apply',
        ],
        { encoding: 'utf8' },
      );
      if (rules.status !== 0) throw new Error(`the rules did not apply: ${rules.stderr.trim()}`);

      const prefix = ['ip', 'netns', 'exec', l.client];
      const load = (t: Target, c: number, durationSec: number): Promise<LoadResult> =>
        wrkLoad({
          dir: ctx.tmpDir,
          prefix,
          connections: c,
          durationSec,
          ...(t === 'direct'
            ? { origin: `${l.originIp}:${DIRECT_PORT}`, proxyPort: null }
            : t === 'transparent'
              ? { origin: `${l.originIp}:80`, proxyPort: null }
              : { origin: `${l.originIp}:80`, proxyPort: FORWARD_PORT, proxyHost: l.gatewayLanIp }),
        });
      const targets: Target[] = ['direct', 'forward', 'transparent'];
      for (const t of targets) await load(t, 50, 1).catch(() => null); // warm-up
      const results: Record<Target, Partial<Record<number, LoadResult>>> = { direct: {}, forward: {}, transparent: {} };
      const cpu: Record<Target, number | null> = { direct: null, forward: null, transparent: null };
      const notes: string[] = [];
      for (const c of CONCURRENCY) {
        for (const t of targets) {
          ctx.log(`c=${c}: ${t}`);
          const before = cpuMs(veil.pid);
          const r = await load(t, c, ctx.durationSec);
          const after = cpuMs(veil.pid);
          results[t][c] = r;
          if (c === 50 && t !== 'direct' && before !== null && after !== null && r.requests) {
            cpu[t] = ((after - before) * 1000) / r.requests;
          }
          if (r.errors || r.non2xx) notes.push(`${t} c=${c}: ${r.errors} socket errors, ${r.non2xx} non-2xx`);
        }
      }
      const direct = results.direct;
      const rows = targets.map((t) => [
        t,
        ...CONCURRENCY.map((c) => withRatio(results[t][c]?.rps ?? null, direct[c]?.rps ?? null, fmtRps)),
        ...CONCURRENCY.map((c) => {
          const r = results[t][c];
          return r ? `${fmtMs(r.p50Ms)} / ${fmtMs(r.p99Ms)}` : '-';
        }),
        cpu[t] === null ? '-' : cpu[t]!.toFixed(0),
      ]);
      notes.push(
        'direct: the origin on a port the rules do not redirect; forward: wrk with absolute-form requests to the forward listener; transparent: plain requests to the origin, redirected by nftables.',
      );
      notes.push('CPU µs/req: the veil serve process (bash wrapper included) per request at c=50.');
      return {
        tables: [
          {
            title: `transparent vs forward vs direct, in network namespaces (${ctx.durationSec}s per figure)`,
            columns: [
              'target',
              'req/s c=1',
              'req/s c=50',
              'req/s c=500',
              'p50/p99 ms c=1',
              'p50/p99 ms c=50',
              'p50/p99 ms c=500',
              'CPU µs/req c=50',
            ],
            rows,
          },
        ],
        data: { results, cpu },
        notes,
      };
    } finally {
      for (const c of children.reverse()) c.kill('SIGTERM');
      lab?.destroy();
    }
  },
};
