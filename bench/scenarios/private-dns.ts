import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_ZONE, startBenchResolvers } from '../lib/dns-servers.js';
import { cpuMs, freePort, have, runCommand, type Service, startService } from '../lib/processes.js';
import type { BenchContext, BenchScenario, ScenarioReport } from '../lib/scenario.js';
import { fmtRps } from '../lib/table.js';
import { type LoadResult, wrkLoad } from '../lib/wrk.js';

const libFile = (name: string): string => fileURLToPath(new URL(`../lib/${name}`, import.meta.url));
const ROUNDS = 3;
const cliFile = fileURLToPath(new URL('../../proxy-core/src/cli.js', import.meta.url));

/** `sh -c` inside a private mount namespace whose resolv.conf points at the bench's UDP server. */
function inNamespace(resolvConf: string, command: string[]): string[] {
  const quoted = command.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  return ['-m', 'sh', '-c', `mount --bind '${resolvConf}' /etc/resolv.conf && exec ${quoted}`];
}

export const scenario: BenchScenario = {
  name: 'private-dns',
  description:
    'Lookup latency (system resolver vs DoH, cached and not) against one local server; veil serve req/s with private DNS on vs the system resolver',
  async run(ctx: BenchContext): Promise<ScenarioReport> {
    const notes: string[] = [];
    if (process.getuid?.() !== 0 || !(await have('unshare')) || !(await have('wrk'))) {
      return {
        tables: [],
        data: null,
        notes: ['skipped: needs root, unshare (a mount namespace for resolv.conf) and wrk (apt-get install wrk)'],
      };
    }
    const services: Service[] = [];
    const resolvers = await startBenchResolvers(ctx.tmpDir);
    const resolvConf = join(ctx.tmpDir, 'resolv.conf');
    writeFileSync(resolvConf, `nameserver ${resolvers.udpAddress}\noptions attempts:1 timeout:1\n`);
    try {
      const load = loadavg()[0]!.toFixed(2);
      ctx.log('private-dns: lookup latency');
      const probe = JSON.parse(
        await runCommand(
          'unshare',
          inNamespace(resolvConf, [
            process.execPath,
            libFile('dns-lookup-probe.js'),
            resolvers.dohUrl,
            resolvers.caFile,
            '500',
          ]),
        ),
      ) as Record<string, { p50: number; mean: number }>;

      const originPort = await freePort();
      const origin = await startService(
        `origin:${originPort}`,
        process.execPath,
        [libFile('origin-server.js'), String(originPort), '1'],
        originPort,
      );
      services.push(origin);
      const configs = [
        ['system resolver', [] as string[]],
        [
          'private DNS (DoH)',
          ['--dns', resolvers.dohUrl, '--dns-bootstrap', '127.0.0.1', '--dns-ca', resolvers.caFile],
        ],
      ] as const;
      const ports: number[] = [];
      for (const [name, extra] of configs) {
        const port = await freePort();
        ports.push(port);
        const veil = await startService(
          name,
          'unshare',
          inNamespace(resolvConf, [
            process.execPath,
            cliFile,
            'serve',
            '--port',
            String(port),
            '--config',
            join(ctx.tmpDir, `${port}`, 'config.json'),
            ...extra,
          ]),
          port,
        );
        services.push(veil);
      }
      // alternating rounds, median of each: on a shared machine one run alone says little
      const runs: Record<string, LoadResult[]> = { 'system resolver': [], 'private DNS (DoH)': [] };
      // the proxy's own CPU time per request: the figure the shared cores disturb least
      const cpu: Record<string, { ms: number; requests: number }> = {
        'system resolver': { ms: 0, requests: 0 },
        'private DNS (DoH)': { ms: 0, requests: 0 },
      };
      for (let round = 1; round <= ROUNDS; round++) {
        for (const [i, [name]] of configs.entries()) {
          ctx.log(`private-dns: ${name}, c=50, round ${round}/${ROUNDS}`);
          const pid = services[i + 1]!.child.pid;
          const before = cpuMs(pid) ?? 0;
          const r = await wrkLoad({
            dir: ctx.tmpDir,
            origin: `origin.${BENCH_ZONE}:${originPort}`,
            proxyPort: ports[i]!,
            connections: 50,
            durationSec: ctx.durationSec,
          });
          cpu[name]!.ms += (cpuMs(pid) ?? 0) - before;
          cpu[name]!.requests += r.requests ?? 0;
          runs[name]!.push(r);
        }
      }
      const median = (xs: LoadResult[]): LoadResult =>
        [...xs].sort((a, b) => a.rps - b.rps)[Math.floor(xs.length / 2)]!;
      const results: Record<string, LoadResult> = {
        'system resolver': median(runs['system resolver']!),
        'private DNS (DoH)': median(runs['private DNS (DoH)']!),
      };
      const sys = results['system resolver']!;
      const priv = results['private DNS (DoH)']!;
      const ratio = priv.rps / sys.rps;
      const usPerReq = (name: string): string =>
        cpu[name]!.requests ? ((cpu[name]!.ms * 1000) / cpu[name]!.requests).toFixed(0) : '–';
      notes.push(`load average ${load} when the run started (the machine is shared: compare within this run).`);
      notes.push('glibc has no cache: the system resolver asks the UDP server on every lookup, repeated names too.');
      notes.push(
        'veil serve pools upstream connections per origin, so under keep-alive load a name is resolved when a connection is opened, not per request.',
      );
      if (sys.errors + sys.non2xx + priv.errors + priv.non2xx > 0) notes.push('some requests failed: see data.');
      return {
        tables: [
          {
            title: 'Lookup latency against one local server (µs, p50 / mean, 500 lookups each)',
            columns: ['way', 'uncached', 'cached / repeated'],
            rows: [
              [
                'system resolver (UDP)',
                `${probe.systemUncached!.p50} / ${probe.systemUncached!.mean}`,
                `${probe.systemRepeated!.p50} / ${probe.systemRepeated!.mean}`,
              ],
              [
                'Veil private DNS (DoH, HTTP/2)',
                `${probe.dohUncached!.p50} / ${probe.dohUncached!.mean}`,
                `${probe.dohCached!.p50} / ${probe.dohCached!.mean}`,
              ],
            ],
          },
          {
            title: `veil serve, names that need resolution (origin.${BENCH_ZONE}), c=50, median of ${ROUNDS} alternating ${ctx.durationSec} s runs`,
            columns: ['resolver', 'req/s', 'p50 / p99 ms', 'ratio', 'CPU µs/req'],
            rows: [
              [
                'system resolver',
                fmtRps(sys.rps),
                `${sys.p50Ms.toFixed(1)} / ${sys.p99Ms.toFixed(1)}`,
                '1.00x',
                usPerReq('system resolver'),
              ],
              [
                'private DNS (DoH)',
                fmtRps(priv.rps),
                `${priv.p50Ms.toFixed(1)} / ${priv.p99Ms.toFixed(1)}`,
                `${ratio.toFixed(2)}x`,
                usPerReq('private DNS (DoH)'),
              ],
            ],
          },
        ],
        data: {
          loadAverage: Number(load),
          loadAverageAfter: loadavg()[0],
          lookupUs: probe,
          forward: results,
          runs,
          cpu,
          ratio,
        },
        notes,
      };
    } finally {
      for (const s of services.reverse()) await s.stop().catch(() => {});
      await resolvers.close();
    }
  },
};
