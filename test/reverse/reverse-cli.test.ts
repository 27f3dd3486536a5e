import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseReverseArgs } from '../../proxy-core/src/cli/reverse-command.js';
import { startBackend, type TestBackend } from './backends.js';
import { fetchVia, nameOf } from './harness.js';

const CLI = join(import.meta.dirname, '../../dist/proxy-core/src/cli.js');

function run(
  args: string[],
  dir: string,
): { child: ChildProcess; out: () => string; err: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, 'reverse', ...args], {
    env: { ...process.env, XDG_CONFIG_HOME: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  return { child, out: () => out, err: () => err, exit };
}

async function ready(p: ReturnType<typeof run>, count = 1): Promise<number[]> {
  const re = /Veil reverse proxy listening on https?:\/\/127\.0\.0\.1:(\d+)\n/g;
  await expect.poll(() => [...p.out().matchAll(re)].length, { timeout: 10_000 }).toBe(count);
  return [...p.out().matchAll(re)].map((m) => Number(m[1]));
}

describe('veil reverse', () => {
  let dir: string;
  let a: TestBackend;
  let b: TestBackend;
  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npx tsc -b\` (npm test does) before these tests.`);
    dir = mkdtempSync(join(tmpdir(), 'veil-reverse-cli-'));
    [a, b] = await Promise.all([startBackend('a'), startBackend('b')]);
  });
  afterAll(async () => {
    await Promise.all([a.kill(), b.kill()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('with only --backend flags, every request goes to that pool; exits 0 on SIGTERM', async () => {
    const p = run(['--listen', '127.0.0.1:0', '--backend', a.url, '--backend', b.url], dir);
    try {
      const [port] = await ready(p);
      expect(p.out()).toMatch(/^Veil reverse proxy listening on http:\/\/127\.0\.0\.1:\d+\n$/);
      const names = new Set<string>();
      for (const path of ['/', '/x', '/y/z', '/w'])
        names.add(nameOf(await fetchVia(port!, path, { host: 'any.test' })));
      expect(names).toEqual(new Set(['a', 'b']));
    } finally {
      p.child.kill('SIGTERM');
    }
    expect(await p.exit).toBe(0);
  });

  it('serves the --config file’s listeners, and --listen adds one', async () => {
    const config = join(dir, 'reverse.json');
    writeFileSync(
      config,
      JSON.stringify({
        reverse: {
          listeners: [{ address: '127.0.0.1', port: 0 }],
          routes: [{ host: 'b.test', backends: [b.url] }, { backends: [a.url] }],
        },
      }),
    );
    const p = run(['--config', config, '--listen', '127.0.0.1:0'], dir);
    try {
      const ports = await ready(p, 2);
      for (const port of ports) {
        expect(nameOf(await fetchVia(port, '/', { host: 'b.test' }))).toBe('b');
        expect(nameOf(await fetchVia(port, '/', { host: 'other.test' }))).toBe('a');
      }
    } finally {
      p.child.kill('SIGINT');
    }
    expect(await p.exit).toBe(0);
  });

  it('a port in use: one line, exit 2', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const { port } = blocker.address() as { port: number };
    try {
      const p = run(['--listen', `127.0.0.1:${port}`, '--backend', a.url], dir);
      expect(await p.exit).toBe(2);
      expect(p.err().trim().split('\n')).toEqual([`veil: Port ${port} on 127.0.0.1 is already in use.`]);
    } finally {
      blocker.close();
    }
  });

  it('bad flags: one line naming the fix, exit 2', async () => {
    const p = run(['--listen', 'nowhere', '--backend', a.url], dir);
    expect(await p.exit).toBe(2);
    expect(p.err().trim().split('\n')).toHaveLength(1);
    expect(p.err()).toContain('--listen takes ADDR:PORT');
  });

  it('explains each mistake with its fix', () => {
    const cfg = ['--config', join(dir, 'absent-ok.json')];
    writeFileSync(cfg[1]!, '{}');
    const msg = (argv: string[]): string => {
      try {
        parseReverseArgs([...cfg, ...argv]);
      } catch (err) {
        return (err as Error).message;
      }
      return 'accepted';
    };
    expect(msg(['--backend', 'http://127.0.0.1:1'])).toContain('add --listen ADDR:PORT');
    expect(msg(['--listen', '127.0.0.1:8080'])).toContain('add --backend URL');
    expect(msg(['--listen', '127.0.0.1:8080', '--backend', 'ftp://x'])).toContain('--backend takes http://host:port');
    expect(msg(['--listen', '127.0.0.1:8080', '--backend', 'http://h:1/path'])).toContain('without a path');
    expect(msg(['--listen', '127.0.0.1:99999', '--backend', 'http://h:1'])).toContain('--listen takes');
    expect(msg(['--listen', ':8080', '--backend', 'http://h:1', '--tls-cert', 'c.pem'])).toContain('go together');
    expect(msg(['--bogus'])).toContain('veil reverse --help');
    expect(msg(['--listen', '[::1]:8080', '--backend', 'http://h:1'])).toBe('accepted');
    const parsed = parseReverseArgs([
      ...cfg,
      '--listen',
      ':8443',
      '--backend',
      'https://h:1',
      '--tls-cert',
      'c',
      '--tls-key',
      'k',
    ]);
    expect(parsed.settings.listeners).toEqual([
      { address: '127.0.0.1', port: 8443, tls: { cert: 'c', key: 'k', sni: {} } },
    ]);
    writeFileSync(cfg[1]!, JSON.stringify({ reverse: { routes: [{ backends: [] }] } }));
    expect(msg(['--listen', ':1'])).toContain('reverse.routes.0.backends');
  });

  it('an unreadable certificate: one line, exit 2', async () => {
    const p = run(
      [
        '--listen',
        '127.0.0.1:0',
        '--backend',
        a.url,
        '--tls-cert',
        join(dir, 'no.pem'),
        '--tls-key',
        join(dir, 'no.key'),
      ],
      dir,
    );
    expect(await p.exit).toBe(2);
    expect(p.err()).toMatch(/^veil: Cannot read .*no\.pem: ENOENT\.\n$/);
  });
});
