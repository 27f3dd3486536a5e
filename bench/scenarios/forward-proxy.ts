import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { curlMBps } from '../lib/curl.js';
import { startNginxOrigin } from '../lib/nginx-origin.js';
import { PEERS, peerInstalled } from '../lib/peers.js';
import { accepts, cpuMs, freePort, have, peakRssMb, type Service, startService } from '../lib/processes.js';
import type { BenchContext, BenchScenario, ScenarioReport } from '../lib/scenario.js';
import { fmtMBps, fmtMs, fmtRps, withRatio } from '../lib/table.js';
import { type LoadResult, wrkLoad } from '../lib/wrk.js';

const CONCURRENCY = [1, 50, 500] as const;
const BIG_MB = 100;

interface TargetResult {
  load: Partial<Record<(typeof CONCURRENCY)[number], LoadResult>>;
  bodyMBps: number | null;
  connectMBps: number | null;
  peakRssMb: number | null;
  /** CPU time of the proxy's processes per request at c=50, in µs. */
  cpuUsPerRequest: number | null;
  errors: string[];
}

const libFile = (name: string): string => fileURLToPath(new URL(`../lib/${name}`, import.meta.url));
const cliFile = fileURLToPath(new URL('../../proxy-core/src/cli.js', import.meta.url));

/** Starts a bench origin; CONNECT prefers port 443, the one port every peer tunnels to by default. */
async function startOrigin(port: number): Promise<Service> {
  return startService(
    `origin:${port}`,
    process.execPath,
    [libFile('origin-server.js'), String(port), String(BIG_MB)],
    port,
  );
}

export const scenario: BenchScenario = {
  name: 'forward-proxy',
  description: 'Direct vs Veil vs Privoxy, tinyproxy, Squid: small responses at c=1/50/500, 100 MB body, CONNECT, RSS',
  async run(ctx: BenchContext): Promise<ScenarioReport> {
    const notes: string[] = [];
    const services: Service[] = [];
    try {
      const origin = await startOrigin(await freePort());
      services.push(origin);
      let tunnelPort = 443;
      if (await accepts(443)) tunnelPort = await freePort();
      let tunnelOrigin: Service;
      try {
        tunnelOrigin = await startOrigin(tunnelPort);
      } catch {
        tunnelPort = await freePort();
        tunnelOrigin = await startOrigin(tunnelPort);
      }
      services.push(tunnelOrigin);
      if (tunnelPort !== 443)
        notes.push(`CONNECT origin on port ${tunnelPort} (443 unavailable): peers may refuse it.`);
      const originAddr = `127.0.0.1:${origin.port}`;
      // nginx: an origin that is not the bottleneck (a Node origin's own p99 at c=500 is about a second here)
      let nginx: { addr: string; tunnelPort: number } | null = null;
      if (await have('nginx')) {
        const [plain, tunnel] = [await freePort(), await freePort()];
        try {
          services.push(await startNginxOrigin(ctx.tmpDir, [plain, tunnel], BIG_MB));
          nginx = { addr: `127.0.0.1:${plain}`, tunnelPort: tunnel };
        } catch (err) {
          notes.push(`nginx origin: could not start, skipped (${(err as Error).message}).`);
        }
      } else {
        notes.push('nginx origin: not installed, skipped (apt-get install nginx-light).');
      }
      const connectPorts = [tunnelPort, ...(nginx ? [nginx.tunnelPort] : [])];

      const proxies: Array<{ name: string; service: Service }> = [];
      const veilPort = await freePort();
      const veil = await startService(
        'veil',
        process.execPath,
        [libFile('veil-server.js'), String(veilPort), ...connectPorts.map(String)],
        veilPort,
      );
      services.push(veil);
      proxies.push({ name: 'veil', service: veil });
      // what users run: `veil serve` with every built-in feature (traffic, privacy, cache, blocklists)
      const servicePort = await freePort();
      const serviceDir = join(ctx.tmpDir, 'veil-service');
      const veilService = await startService(
        'veil-service',
        process.execPath,
        [
          cliFile,
          'serve',
          '--port',
          String(servicePort),
          '--connect-ports',
          connectPorts.join(','),
          '--config',
          join(serviceDir, 'config.json'),
        ],
        servicePort,
      );
      services.push(veilService);
      proxies.push({ name: 'veil-service', service: veilService });
      const naivePort = await freePort();
      const naive = await startService(
        'naive-node',
        process.execPath,
        [libFile('naive-proxy.js'), String(naivePort)],
        naivePort,
      );
      services.push(naive);
      proxies.push({ name: 'naive-node', service: naive });
      for (const peer of PEERS) {
        if (!(await peerInstalled(peer))) {
          notes.push(`${peer.name}: not installed, skipped (apt-get install ${peer.pkg}).`);
          continue;
        }
        try {
          const service = await peer.start(ctx.tmpDir);
          services.push(service);
          proxies.push({ name: peer.name, service });
        } catch (err) {
          notes.push(`${peer.name}: could not start, skipped (${(err as Error).message}).`);
        }
      }

      const targets: Array<{ name: string; port: number | null; pid?: number }> = [
        { name: 'direct', port: null },
        ...proxies.map((p) => ({
          name: p.name,
          port: p.service.port,
          ...(p.service.child.pid ? { pid: p.service.child.pid } : {}),
        })),
      ];
      const runs: Array<{ origin: string; results: Record<string, TargetResult> }> = [
        { origin: 'Node origin', results: await measure(ctx, targets, originAddr, tunnelPort) },
      ];
      if (nginx)
        runs.push({ origin: 'nginx origin', results: await measure(ctx, targets, nginx.addr, nginx.tunnelPort) });
      for (const run of runs) {
        for (const t of targets) {
          for (const e of run.results[t.name]!.errors) notes.push(`${run.origin}, ${t.name}: ${e}`);
        }
      }
      notes.push('Peak RSS is the process high-water mark (VmHWM) after the c=500 run, before the large bodies.');
      notes.push('veil is the bare engine (createProxy); veil-service is `veil serve` with all built-in features.');
      notes.push(
        'CPU µs/req is the proxy processes’ user+system time per request at c=50 (all threads and children): steadier than req/s when the machine is shared.',
      );
      notes.push('naive-node is the 30-line http.request + pipe proxy of the issue, for what Node alone costs.');
      return {
        tables: runs.map((run) =>
          table(
            `forward proxy, ${run.origin} (${ctx.durationSec}s per figure; ratio to direct in parentheses)`,
            targets,
            run.results,
          ),
        ),
        data: Object.fromEntries(runs.map((r) => [r.origin, r.results])),
        notes,
      };
    } finally {
      for (const s of services.reverse()) await s.stop().catch(() => {});
    }
  },
};

type Target = { name: string; port: number | null; pid?: number };

/** Every figure for every target against one origin, back to back so a change in load touches all alike. */
async function measure(
  ctx: BenchContext,
  targets: Target[],
  originAddr: string,
  tunnelPort: number,
): Promise<Record<string, TargetResult>> {
  const results: Record<string, TargetResult> = {};
  for (const t of targets)
    results[t.name] = {
      load: {},
      bodyMBps: null,
      connectMBps: null,
      peakRssMb: null,
      cpuUsPerRequest: null,
      errors: [],
    };

  // warm up JITs and pools, then measure each figure for every target back to back,
  // so a change in the machine's load touches all targets alike
  for (const t of targets) {
    await wrkLoad({
      dir: ctx.tmpDir,
      origin: originAddr,
      proxyPort: t.port,
      connections: 50,
      durationSec: 1,
    }).catch(() => null);
  }
  for (const c of CONCURRENCY) {
    for (const t of targets) {
      ctx.log(`small responses, c=${c}: ${t.name}`);
      try {
        const cpuBefore = cpuMs(t.pid);
        const r = await wrkLoad({
          dir: ctx.tmpDir,
          origin: originAddr,
          proxyPort: t.port,
          connections: c,
          durationSec: ctx.durationSec,
        });
        const cpuAfter = cpuMs(t.pid);
        results[t.name]!.load[c] = r;
        if (c === 50 && cpuBefore !== null && cpuAfter !== null && r.requests) {
          results[t.name]!.cpuUsPerRequest = ((cpuAfter - cpuBefore) * 1000) / r.requests;
        }
        if (r.errors || r.non2xx)
          results[t.name]!.errors.push(`c=${c}: ${r.errors} socket errors, ${r.non2xx} non-2xx`);
      } catch (err) {
        results[t.name]!.errors.push(`c=${c}: ${(err as Error).message}`);
      }
    }
  }
  for (const t of targets) results[t.name]!.peakRssMb = t.pid ? peakRssMb(t.pid) : null;

  for (const t of targets) {
    ctx.log(`${BIG_MB} MB body: ${t.name}`);
    const proxy = t.port ? `http://127.0.0.1:${t.port}` : undefined;
    try {
      results[t.name]!.bodyMBps = await curlMBps(`http://${originAddr}/big`, proxy ? { proxy } : {});
    } catch (err) {
      results[t.name]!.errors.push(`body: ${(err as Error).message}`);
    }
    ctx.log(`CONNECT tunnel: ${t.name}`);
    try {
      results[t.name]!.connectMBps = await curlMBps(
        `http://127.0.0.1:${tunnelPort}/big`,
        proxy ? { proxy, tunnel: true } : {},
      );
    } catch (err) {
      results[t.name]!.errors.push(`connect: ${(err as Error).message}`);
    }
  }
  return results;
}

/** The printed table of one origin's run. */
function table(title: string, targets: Target[], results: Record<string, TargetResult>) {
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
      withRatio(r.connectMBps, direct.connectMBps, fmtMBps),
      r.peakRssMb === null ? '-' : r.peakRssMb.toFixed(0),
      r.cpuUsPerRequest === null ? '-' : r.cpuUsPerRequest.toFixed(0),
    ];
  });
  return {
    title,
    columns: [
      'target',
      'req/s c=1',
      'req/s c=50',
      'req/s c=500',
      'p50/p99 ms c=1',
      'p50/p99 ms c=50',
      'p50/p99 ms c=500',
      `${BIG_MB} MB MB/s`,
      'CONNECT MB/s',
      'peak RSS MB',
      'CPU µs/req c=50',
    ],
    rows,
  };
}
