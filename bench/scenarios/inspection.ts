import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { connect as netConnect } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { type CertificateAuthority, generateCa, loadCa } from '../../proxy-core/src/tls/certificate-authority.js';
import { createLeafIssuer } from '../../proxy-core/src/tls/leaf-issuer.js';
import { EC_SIGN, newKeyPair, privateKeyPem, x509 } from '../../proxy-core/src/tls/x509-provider.js';
import { freePort, have, peakRssMb, runCommand, type Service, startService } from '../lib/processes.js';
import type { BenchContext, BenchScenario, ScenarioReport } from '../lib/scenario.js';
import { fmtMBps, fmtMs, fmtRps } from '../lib/table.js';

const NEW_HOSTS = 20;
const BIG_MB = 100;
const WORKERS = 10;
const libFile = (name: string): string => fileURLToPath(new URL(`../lib/${name}`, import.meta.url));
const cliFile = fileURLToPath(new URL('../../proxy-core/src/cli.js', import.meta.url));

/** An origin certificate for 127.0.0.1 and the extra loopback addresses. */
async function originCert(ca: CertificateAuthority): Promise<{ cert: string; key: string }> {
  const keys = await newKeyPair();
  const ips = ['127.0.0.1', ...Array.from({ length: NEW_HOSTS }, (_, i) => `127.0.0.${i + 2}`)];
  const cert = await x509.X509CertificateGenerator.create({
    subject: 'CN=bench origin',
    issuer: ca.cert.subject,
    notBefore: new Date(Date.now() - 86_400_000),
    notAfter: new Date(Date.now() + 30 * 86_400_000),
    signingAlgorithm: EC_SIGN,
    publicKey: keys.publicKey,
    signingKey: ca.signingKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(ips.map((value) => ({ type: 'ip' as const, value }))),
    ],
  });
  return { cert: cert.toString('pem'), key: await privateKeyPem(keys.privateKey) };
}

/** TLS through `CONNECT host:port` on the proxy, trusting `ca`. */
async function tunnel(proxyPort: number, host: string, port: number, ca: string): Promise<TLSSocket> {
  const raw = netConnect(proxyPort, '127.0.0.1');
  await once(raw, 'connect');
  raw.setNoDelay(true);
  raw.write(`CONNECT ${host}:${port} HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`);
  let head = '';
  while (!head.includes('\r\n\r\n')) head += ((await once(raw, 'data')) as [Buffer])[0].toString('latin1');
  if (!head.startsWith('HTTP/1.1 200')) throw new Error(`CONNECT refused: ${head.split('\r\n')[0]}`);
  const tls = tlsConnect({ socket: raw, host, ca, ALPNProtocols: ['http/1.1'] });
  await once(tls, 'secureConnect');
  return tls;
}

/** One GET on an agent whose connections are tunnels; resolves with the body length. */
function get(agent: Agent, host: string, port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ agent, host, port, path }, (res) => {
      let n = 0;
      res.on('data', (c: Buffer) => {
        n += c.length;
      });
      res.on('end', () => resolve(n));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** An https agent whose every connection is a CONNECT tunnel through the proxy. */
function tunnelAgent(proxyPort: number, ca: string, maxSockets: number): Agent {
  const agent = new Agent({ keepAlive: true, maxSockets });
  (agent as unknown as { createConnection: unknown }).createConnection = (
    opts: { host: string; port: number },
    cb: (err: Error | null, s?: TLSSocket) => void,
  ) => {
    tunnel(proxyPort, opts.host, opts.port, ca).then((s) => cb(null, s), cb);
  };
  return agent;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Figures {
  rps: number | null;
  newHostMs: number | null;
  cachedHostMs: number | null;
  bigMBps: number | null;
  peakRssMb: number | null;
  error?: string;
}

async function measure(
  proxyPort: number,
  ca: string,
  originPort: number,
  durationSec: number,
  pid?: number,
): Promise<Figures> {
  // first connection to a host never seen: a fresh address each time (a new leaf for an inspecting proxy)
  const fresh: number[] = [];
  for (let i = 0; i < NEW_HOSTS; i++) {
    const t0 = performance.now();
    const agent = tunnelAgent(proxyPort, ca, 1);
    await get(agent, `127.0.0.${i + 2}`, originPort, '/small');
    fresh.push(performance.now() - t0);
    agent.destroy();
  }
  // a new connection to a host seen before (the leaf is cached)
  const cached: number[] = [];
  for (let i = 0; i < NEW_HOSTS; i++) {
    const t0 = performance.now();
    const agent = tunnelAgent(proxyPort, ca, 1);
    await get(agent, '127.0.0.2', originPort, '/small');
    cached.push(performance.now() - t0);
    agent.destroy();
  }
  // keep-alive requests/s inside tunnels
  const agent = tunnelAgent(proxyPort, ca, WORKERS);
  let done = 0;
  const until = performance.now() + durationSec * 1000;
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (performance.now() < until) {
        await get(agent, '127.0.0.1', originPort, '/small');
        done++;
      }
    }),
  );
  const rps = done / durationSec;
  agent.destroy();
  const big = tunnelAgent(proxyPort, ca, 1);
  const t0 = performance.now();
  const bytes = await get(big, '127.0.0.1', originPort, '/big');
  const bigMBps = bytes / 1048576 / ((performance.now() - t0) / 1000);
  big.destroy();
  return { rps, newHostMs: median(fresh), cachedHostMs: median(cached), bigMBps, peakRssMb: peakRssMb(pid) };
}

export const scenario: BenchScenario = {
  name: 'inspection',
  description:
    'HTTPS inspection: keep-alive req/s inside a tunnel, first connection to a new and a cached host, 100 MB body; Veil inspecting vs blind vs mitmproxy',
  async run(ctx: BenchContext): Promise<ScenarioReport> {
    const notes: string[] = [
      `load average at start: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    ];
    const services: Service[] = [];
    const results: Record<string, Figures> = {};
    try {
      const pkiGen = await generateCa();
      const pki = await loadCa(pkiGen.certPem, pkiGen.keyPem);
      const caFile = join(ctx.tmpDir, 'origin-ca.pem');
      writeFileSync(caFile, pki.certPem);
      const { cert, key } = await originCert(pki);
      writeFileSync(join(ctx.tmpDir, 'origin.pem'), cert);
      writeFileSync(join(ctx.tmpDir, 'origin-key.pem'), key);
      const originPort = await freePort();
      services.push(
        await startService(
          'tls-origin',
          process.execPath,
          [
            libFile('tls-origin-server.js'),
            join(ctx.tmpDir, 'origin.pem'),
            join(ctx.tmpDir, 'origin-key.pem'),
            String(originPort),
            String(NEW_HOSTS),
            String(BIG_MB),
          ],
          originPort,
        ),
      );
      const veilTargets: Array<{ name: string; inspect: boolean }> = [
        { name: 'veil inspecting', inspect: true },
        { name: 'veil blind tunnel', inspect: false },
      ];
      for (const t of veilTargets) {
        const dir = join(ctx.tmpDir, t.inspect ? 'veil-inspect' : 'veil-blind');
        const port = await freePort();
        const config = join(dir, 'config.json');
        await runCommand('mkdir', ['-p', dir]);
        writeFileSync(
          config,
          JSON.stringify({
            proxy: { allowedConnectPorts: [originPort] },
            inspection: { enabled: t.inspect, exclude: [], excludePrivateAddresses: false, extraCa: [caFile] },
          }),
        );
        const veil = await startService(
          'veil',
          process.execPath,
          [cliFile, 'serve', '--port', String(port), '--config', config],
          port,
        );
        services.push(veil);
        const ca = t.inspect
          ? await runCommand(process.execPath, [cliFile, 'ca', 'cert', '--config', config])
          : pki.certPem;
        ctx.log(`${t.name}…`);
        results[t.name] = await measure(port, ca, originPort, ctx.durationSec, veil.child.pid);
      }
      if (await have('mitmdump')) {
        const port = await freePort();
        const confdir = join(ctx.tmpDir, 'mitm');
        const mitm = await startService(
          'mitmdump',
          'mitmdump',
          [
            '-q',
            '--listen-host',
            '127.0.0.1',
            '--listen-port',
            String(port),
            '--set',
            `confdir=${confdir}`,
            '--set',
            `ssl_verify_upstream_trusted_ca=${caFile}`,
          ],
          port,
        );
        services.push(mitm);
        const { readFileSync } = await import('node:fs');
        const ca = readFileSync(join(confdir, 'mitmproxy-ca-cert.pem'), 'utf8');
        ctx.log('mitmproxy…');
        results.mitmproxy = await measure(port, ca, originPort, ctx.durationSec, mitm.child.pid);
      } else {
        notes.push('mitmproxy skipped: mitmdump is not installed (apt-get install mitmproxy).');
      }
      // memory with 5,000 hosts: the leaf cache alone, in this process
      const before = process.memoryUsage().rss;
      const issuer = createLeafIssuer(pki, 5000);
      const t0 = performance.now();
      for (let i = 0; i < 5000; i += 100)
        await Promise.all(Array.from({ length: 100 }, (_, j) => issuer.issue(`h${i + j}.bench.test`)));
      const mintMs = (performance.now() - t0) / 5000;
      for (let i = 5000; i < 6000; i++) await issuer.issue(`h${i}.bench.test`);
      const leafMb = (process.memoryUsage().rss - before) / 1048576;
      notes.push(
        `leaf cache: 5,000 hosts (then 1,000 more, bounded at ${issuer.size}) cost ${leafMb.toFixed(0)} MB RSS; minting ${mintMs.toFixed(2)} ms/leaf amortized at 100 in parallel.`,
      );
      notes.push(
        `load average at end: ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')} (2 shared cores: figures are noisy).`,
      );
      const names = Object.keys(results);
      const cell = (v: number | null, f: (n: number) => string): string => (v === null ? '—' : f(v));
      return {
        tables: [
          {
            title: 'HTTPS inspection (loopback, HTTP/1.1 inside)',
            columns: [
              'proxy',
              'keep-alive req/s (c=10)',
              'new host first req (ms)',
              'cached host first req (ms)',
              `${BIG_MB} MB body (MB/s)`,
              'peak RSS (MB)',
            ],
            rows: names.map((n) => {
              const r = results[n]!;
              return [
                n,
                cell(r.rps, fmtRps),
                cell(r.newHostMs, fmtMs),
                cell(r.cachedHostMs, fmtMs),
                cell(r.bigMBps, fmtMBps),
                cell(r.peakRssMb, (v) => v.toFixed(0)),
              ];
            }),
          },
        ],
        data: { results, leafCacheMb: leafMb, mintMs },
        notes,
      };
    } finally {
      for (const s of services.reverse()) await s.stop();
    }
  },
};
