import { type ChildProcess, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, type Lab, namespaceProblem, waitForLine } from '../../bench/lib/netns-lab.js';

/**
 * Veil as a household's gateway: a client namespace routed through a gateway namespace where
 * `veil serve --transparent` runs behind `veil transparent rules --apply`, to an origin namespace.
 * The client has no proxy setting at all.
 */
const CLI = join(import.meta.dirname, '../../dist/proxy-core/src/cli.js');
const ORIGIN = join(import.meta.dirname, 'fixtures', 'echo-origin.mjs');
const TRANSPARENT_PORT = 8898;

const problem = namespaceProblem();
if (problem) console.log(`[transparent gateway] skipped: ${problem}`);

/** A test CA and a certificate for origin.test signed by it (openssl). */
function makeCerts(dir: string): { ca: string; cert: string; key: string } {
  const ca = join(dir, 'ca.pem');
  const caKey = join(dir, 'ca-key.pem');
  const cert = join(dir, 'origin.pem');
  const key = join(dir, 'origin-key.pem');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  execFileSync(
    'openssl',
    ['req', '-x509', ...ec, '-days', '2', '-subj', '/CN=Veil test CA', '-keyout', caKey, '-out', ca],
    {
      stdio: 'ignore',
    },
  );
  const csr = join(dir, 'origin.csr');
  execFileSync('openssl', ['req', ...ec, '-subj', '/CN=origin.test', '-keyout', key, '-out', csr], { stdio: 'ignore' });
  const ext = join(dir, 'ext.cnf');
  writeFileSync(ext, 'subjectAltName=DNS:origin.test\n');
  execFileSync(
    'openssl',
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca,
      '-CAkey',
      caKey,
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      ext,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { ca, cert, key };
}

describe.skipIf(problem !== null)('Veil as a transparent gateway', () => {
  let lab: Lab;
  let dir: string;
  let certs: { ca: string; cert: string; key: string };
  let origin: ChildProcess;
  let veil: ChildProcess;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'veil-gateway-'));
    certs = makeCerts(dir);
    lab = createLab();
    // the gateway's own name table, set after the lab knows the origin's address
    writeFileSync(
      `/etc/netns/${lab.gateway}/hosts`,
      `127.0.0.1 localhost\n${lab.originIp} origin.test blocked.test\n198.51.100.9 forged.test\n`,
    );
    origin = lab.spawn(lab.origin, process.execPath, [ORIGIN, certs.cert, certs.key]);
    await waitForLine(origin, /ready/);
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ version: 2, blocklists: { userBlock: ['||blocked.test^'] } }));
    const rules = spawnSync(
      'ip',
      ['netns', 'exec', lab.gateway, process.execPath, CLI, 'transparent', 'rules', '--interface', lab.gatewayLanIf],
      { encoding: 'utf8' },
    );
    expect(rules.status).toBe(2); // --port is missing: refused, nothing applied
    const apply = spawnSync(
      'ip',
      [
        'netns',
        'exec',
        lab.gateway,
        process.execPath,
        CLI,
        'transparent',
        'rules',
        '--interface',
        lab.gatewayLanIf,
        '--port',
        String(TRANSPARENT_PORT),
        '--apply',
      ],
      { encoding: 'utf8' },
    );
    expect(apply.stderr).toBe('');
    veil = lab.spawn(
      lab.gateway,
      process.execPath,
      [
        CLI,
        'serve',
        '--config',
        config,
        '--listen',
        lab.gatewayLanIp,
        '--allow-client',
        `${lab.clientIp.replace(/\.\d+$/, '.0')}/24`,
        '--transparent',
        String(TRANSPARENT_PORT),
      ],
      { XDG_CONFIG_HOME: dir },
    );
    await waitForLine(veil, /Veil transparent listener on [\d.]+:8898/);
  }, 60_000);

  afterAll(() => {
    veil?.kill('SIGTERM');
    origin?.kill();
    lab?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const curl = (args: string[]): { code: number | null; out: string } => {
    const r = spawnSync('ip', ['netns', 'exec', lab.client, 'curl', '-s', '--max-time', '8', ...args], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    return { code: r.status, out: r.stdout };
  };
  const resolveTo = (name: string, port: number): string[] => ['--resolve', `${name}:${port}:${lab.originIp}`];
  const echo = (out: string): { headers: string[]; tls: boolean; n: number } => JSON.parse(out);

  it('plain HTTP reaches the origin by name, with no proxy setting, scrubbed as the origin sees it', () => {
    const r = curl([
      ...resolveTo('origin.test', 80),
      '-H',
      'X-Forwarded-For: 10.1.2.3',
      '-H',
      'Via: 1.1 the-lan',
      'http://origin.test/hello',
    ]);
    expect(r.code).toBe(0);
    const seen = echo(r.out).headers.map((h) => h.toLowerCase());
    expect(seen).toContain('origin.test');
    expect(seen).not.toContain('x-forwarded-for');
    expect(seen).not.toContain('via');
    expect(seen.join(' ')).not.toContain(lab.clientIp);
  });

  it('TLS is passed through untouched: the client sees and verifies the origin’s own certificate', () => {
    const r = curl([...resolveTo('origin.test', 443), '--cacert', certs.ca, 'https://origin.test/secure']);
    expect(r.code).toBe(0);
    expect(echo(r.out).tls).toBe(true);
  });

  it('a blocked host is blocked, over HTTP with Veil’s page and over TLS by closing', () => {
    const page = curl([...resolveTo('blocked.test', 80), '-w', '\n%{http_code}', 'http://blocked.test/']);
    expect(page.out.trim().split('\n').pop()).toBe('403');
    const tls = curl([...resolveTo('blocked.test', 443), '--cacert', certs.ca, 'https://blocked.test/']);
    expect(tls.code).not.toBe(0);
  });

  it('a forged Host goes to the address the client chose and is never cached; a true one is', () => {
    const forged = () => {
      const out = curl([...resolveTo('forged.test', 80), 'http://forged.test/cacheable']).out;
      return echo(out).n;
    };
    const first = forged();
    expect(forged()).not.toBe(first);
    const honest = () => echo(curl([...resolveTo('origin.test', 80), 'http://origin.test/cacheable']).out).n;
    const once = honest();
    expect(honest()).toBe(once);
  });

  it('a connection to Veil’s own transparent port is refused as a loop', () => {
    const r = curl([`http://${lab.gatewayLanIp}:${TRANSPARENT_PORT}/`]);
    expect(r.out).toBe('');
    expect(r.code).not.toBe(0);
  });
});
