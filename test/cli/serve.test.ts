import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { viaProxy } from '../proxy/helpers/client.js';
import { type Origin, startHttpOrigin } from '../proxy/helpers/origins.js';

const CLI = join(import.meta.dirname, '../../dist/proxy-core/src/cli.js');

interface Veil {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  port: number;
  exit: Promise<number | null>;
}

/** Runs the built `veil` CLI with an isolated config dir; resolves once it prints its listening line. */
async function startVeil(args: string[], dir: string): Promise<Veil> {
  const child = spawn(process.execPath, [CLI, 'serve', '--config', join(dir, 'config.json'), ...args], {
    env: { ...process.env, XDG_CONFIG_HOME: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const veil: Veil = {
    child,
    stdout: '',
    stderr: '',
    port: 0,
    exit: once(child, 'exit').then(([code]) => code as number | null),
  };
  child.stderr?.on('data', (d: Buffer) => {
    veil.stderr += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      veil.stdout += d.toString();
      const m = /Veil listening on http:\/\/127\.0\.0\.1:(\d+)\n/.exec(veil.stdout);
      if (m) {
        veil.port = Number(m[1]);
        resolve();
      }
    });
    void veil.exit.then((code) => reject(new Error(`veil exited with ${code}: ${veil.stderr}`)));
  });
  return veil;
}

/** Runs the CLI to completion (for flags that make it exit). */
async function runVeil(args: string[], dir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--config', join(dir, 'config.json'), ...args], {
    env: { ...process.env, XDG_CONFIG_HOME: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const [code] = await once(child, 'exit');
  return { code: code as number | null, stdout, stderr };
}

describe('veil serve', () => {
  let dir: string;
  let origin: Origin;
  let release: (() => void) | undefined;

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npx tsc -b\` (npm test does) before these tests.`);
    dir = mkdtempSync(join(tmpdir(), 'veil-serve-'));
    origin = await startHttpOrigin((req, res) => {
      if (req.url === '/slow') {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.write('first half, ');
        release = () => res.end('second half');
        return;
      }
      res.end(`origin ${req.url}`);
    });
  });

  afterAll(async () => {
    await origin.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints its listening line, proxies, and exits 0 on SIGTERM', async () => {
    const veil = await startVeil(['--port', '0'], dir);
    try {
      expect(veil.stdout).toMatch(/^Veil listening on http:\/\/127\.0\.0\.1:\d+\n$/);
      const res = await viaProxy(veil.port, `http://127.0.0.1:${origin.port}/through`);
      expect(res.body.toString()).toBe('origin /through');
    } finally {
      veil.child.kill('SIGTERM');
    }
    expect(await veil.exit).toBe(0);
  });

  it('lets an in-flight exchange finish on SIGINT, then exits 0', async () => {
    const veil = await startVeil(['--port', '0'], dir);
    release = undefined;
    const pending = viaProxy(veil.port, `http://127.0.0.1:${origin.port}/slow`);
    await expect.poll(() => release !== undefined, { timeout: 10_000 }).toBe(true);
    veil.child.kill('SIGINT');
    // the signal is handled before the origin finishes: the exchange must still complete
    setTimeout(() => release?.(), 300);
    const res = await pending;
    expect(res.body.toString()).toBe('first half, second half');
    expect(await veil.exit).toBe(0);
  });

  it('rejects an unknown flag with one clear line and a non-zero exit', async () => {
    const { code, stderr } = await runVeil(['--bogus'], dir);
    expect(code).not.toBe(0);
    expect(stderr.trim().split('\n')[0]).toMatch(/^veil: .*--bogus/);
  });

  it('rejects a bad port value', async () => {
    const { code, stderr } = await runVeil(['--port', 'eighty'], dir);
    expect(code).not.toBe(0);
    expect(stderr).toContain('--port must be a number');
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('rejects bad --connect-ports', async () => {
    const { code, stderr } = await runVeil(['--connect-ports', '443,http'], dir);
    expect(code).not.toBe(0);
    expect(stderr).toContain('--connect-ports');
  });

  it('reports an occupied port in one line and exits non-zero', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const { port } = blocker.address() as { port: number };
    writeFileSync(join(dir, 'config.json'), '{}\n');
    try {
      const { code, stderr } = await runVeil(['--port', String(port)], dir);
      expect(code).not.toBe(0);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toContain(`Port ${port}`);
      expect(stderr).toContain('already in use');
    } finally {
      blocker.close();
    }
  });

  it('refuses to listen beyond loopback without an allow-list', async () => {
    const { code, stderr } = await runVeil(['--port', '0', '--listen', '0.0.0.0'], dir);
    expect(code).not.toBe(0);
    expect(stderr).toContain('--allow-client');
  });
});
