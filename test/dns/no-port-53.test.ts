import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EchoOrigin, startEchoOrigin, viaProxy } from '../privacy/harness.js';
import { resolverCert, startDohServer, type TestResolver } from './resolver-servers.js';

/**
 * Counts Veil's own sockets to port 53: `veil serve` runs under strace (connect and send calls of
 * every thread, getaddrinfo's included), in a mount namespace whose /etc/resolv.conf points at
 * 127.0.0.1, so even a leak would never leave loopback.
 */
const CLI = join(import.meta.dirname, '../../dist/proxy-core/src/cli.js');

function available(): string | null {
  if (process.getuid?.() !== 0) return 'needs root for a mount namespace (unshare -m)';
  for (const tool of ['strace', 'unshare']) {
    try {
      execFileSync('which', [tool], { stdio: 'ignore' });
    } catch {
      return `${tool} is not installed (apt-get install strace util-linux)`;
    }
  }
  return null;
}
const missing = available();
if (missing) console.log(`test/dns/no-port-53: skipped: ${missing}`);

interface Traced {
  child: ChildProcess;
  port: number;
  stop(): Promise<string>;
}

// process groups started here; a test that fails half-way must not leave Veil running under strace
const groups = new Set<number>();

async function tracedVeil(dir: string, args: string[]): Promise<Traced> {
  const resolv = join(dir, 'resolv.conf');
  writeFileSync(resolv, 'nameserver 127.0.0.1\noptions attempts:1 timeout:1\n');
  const trace = join(dir, `trace-${Date.now()}.txt`);
  const veilArgs = [CLI, 'serve', '--port', '0', '--config', join(dir, 'config.json'), ...args].map((a) => `'${a}'`);
  const script = `mount --bind '${resolv}' /etc/resolv.conf && exec strace -f -qq -e trace=connect,sendto,sendmsg,sendmmsg -o '${trace}' '${process.execPath}' ${veilArgs.join(' ')}`;
  const child = spawn('unshare', ['-m', 'sh', '-c', script], {
    env: { ...process.env, XDG_CONFIG_HOME: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
    // its own process group: SIGTERM reaches Veil under strace, not strace alone
    detached: true,
  });
  if (child.pid) groups.add(child.pid);
  void once(child, 'exit').then(() => groups.delete(child.pid!));
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exit = once(child, 'exit');
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /Veil listening on http:\/\/127\.0\.0\.1:(\d+)\n/.exec(stdout);
      if (m) resolve(Number(m[1]));
    });
    void exit.then(([code]) => reject(new Error(`veil exited with ${code}: ${stderr}`)));
  });
  return {
    child,
    port,
    async stop() {
      process.kill(-child.pid!, 'SIGTERM');
      await exit;
      return readFileSync(trace, 'utf8');
    },
  };
}

const port53 = (trace: string): string[] => trace.split('\n').filter((l) => /sin6?_port=htons\(53\)/.test(l));

describe.skipIf(missing !== null)('no cleartext DNS from Veil with private DNS on', () => {
  let doh: TestResolver;
  let origin: EchoOrigin;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'veil-port53-'));
    doh = await startDohServer({ 'only-private.veil-test': { A: ['127.0.0.1'] } });
    origin = await startEchoOrigin();
  });
  afterAll(async () => {
    for (const pgid of groups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await doh?.close();
    await origin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('zero sockets to port 53: answered, unknown and resolvers-down lookups alike', async () => {
    const veil = await tracedVeil(dir, [
      '--dns',
      doh.url,
      '--dns-bootstrap',
      '127.0.0.1',
      '--dns-ca',
      resolverCert().caFile,
    ]);
    const ok = await viaProxy(veil.port, `http://only-private.veil-test:${origin.port}/`);
    expect(ok.status).toBe(200);
    const unknown = await viaProxy(veil.port, `http://unknown-name.veil-test:${origin.port}/`);
    expect(unknown.status).toBe(502);
    await doh.close();
    const down = await viaProxy(veil.port, `http://another-name.veil-test:${origin.port}/`);
    expect(down.status).toBe(502);
    expect(down.body).toContain('Private DNS could not resolve');
    const trace = await veil.stop();
    // the trace saw Veil's sockets: the DoH server's port is in it
    expect(trace).toContain(`htons(${doh.port})`);
    expect(port53(trace)).toEqual([]);
  }, 30_000);

  it('control: without private DNS the same trace does see port 53', async () => {
    const veil = await tracedVeil(dir, []);
    const res = await viaProxy(veil.port, `http://unknown-name.veil-test:${origin.port}/`);
    expect(res.status).toBe(502);
    const trace = await veil.stop();
    expect(port53(trace).length).toBeGreaterThan(0);
  }, 30_000);
});
