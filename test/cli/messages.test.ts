import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { viaProxy } from '../proxy/helpers/client.js';

const CLI = join(import.meta.dirname, '../../dist/proxy-core/src/cli.js');

let dir: string;
beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npx tsc -b\` (npm test does) before these tests.`);
  dir = await mkdtemp(join(tmpdir(), 'veil-cli-msg-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the built CLI to completion in an isolated config dir. */
async function veil(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, XDG_CONFIG_HOME: dir, ...env },
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

/** Starts `veil serve` and resolves when it printed `until` (on stdout or stderr); the caller stops it. */
async function serve(args: string[], until: RegExp): Promise<{ child: ChildProcess; out: () => string }> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], {
    env: { ...process.env, XDG_CONFIG_HOME: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (until.test(out)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`veil exited (${code}) before ${until}:\n${out}`)));
  });
  return { child, out: () => out };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}

async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

describe('bad input: one line, exit 2', () => {
  const config = () => join(dir, 'bad-input.json');
  it.each([
    [['serve', '--port', '-1'], '--port must be a number from 0 to 65535, not "-1".'],
    [['serve', '--cache-size', '-3'], '--cache-size takes megabytes from 0 (off) to 65536, not "-3".'],
    [['serve', '--ui-port', '-5'], '--ui-port must be a number from 0 to 65535, not "-5".'],
    [
      ['serve', '--listen', 'nonsense'],
      '--listen takes an IP address of this computer (127.0.0.1, ::1, or 0.0.0.0 for every network), not "nonsense".',
    ],
    [
      ['blocklist', 'test', 'not a url'],
      '"not a url" is not a URL or host name. Give one like https://ads.example.com/pixel.gif or ads.example.com.',
    ],
    [
      ['blocklist', 'test', 'http://[::1'],
      '"http://[::1" is not a URL or host name. Give one like https://ads.example.com/pixel.gif or ads.example.com.',
    ],
  ])('%j', async (args, line) => {
    const r = await veil([...args, '--config', config()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`veil: ${line}\n`);
    expect(r.stdout).toBe('');
  });

  it('refuses 0.0.0.0 without --allow-client, naming the flag', async () => {
    const r = await veil(['serve', '--port', '0', '--listen', '0.0.0.0', '--config', config()]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n').at(-1)).toBe(
      'veil: Listening on 0.0.0.0 exposes Veil to the network: add --allow-client CIDR (e.g. 192.168.1.0/24) for the clients that may use it.',
    );
  });

  it('prints its version', async () => {
    const pkg = JSON.parse(await readFile(join(import.meta.dirname, '../../package.json'), 'utf8'));
    for (const flag of ['--version', '-V']) {
      const r = await veil([flag]);
      expect(r).toEqual({ code: 0, stdout: `veil ${pkg.version}\n`, stderr: '' });
    }
  });
});

describe('veil serve says where a problem came from', () => {
  it('a port in use from the config file names the file; from --port names the flag', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const { port } = blocker.address() as AddressInfo;
    try {
      const file = join(dir, 'taken.json');
      await writeFile(file, JSON.stringify({ proxy: { port } }));
      const fromFile = await veil(['serve', '--config', file]);
      expect(fromFile.code).toBe(2);
      expect(fromFile.stderr).toBe(
        `veil: Port ${port} on 127.0.0.1 is already in use by another program. The port is proxy.port in ${file}: change it there, or run with --port N for this run.\n`,
      );
      const fromFlag = await veil(['serve', '--port', String(port), '--config', file]);
      expect(fromFlag.stderr).toBe(
        `veil: Port ${port} on 127.0.0.1 is already in use by another program. Choose another with --port (0 picks a free one).\n`,
      );
    } finally {
      blocker.close();
    }
  });

  it('a config path that does not exist is said to be created; a bad file keeps its valid sections, one line per problem, before the listening line', async () => {
    const missing = join(dir, 'new', 'config.json');
    const fresh = await serve(['--port', '0', '--config', missing], /Veil listening on/);
    await stop(fresh.child);
    expect(fresh.out()).toContain(
      `veil: info: ${missing} does not exist yet; Veil starts on defaults and creates it when a setting is first saved.\n`,
    );

    const file = join(dir, 'half-bad.json');
    await writeFile(
      file,
      JSON.stringify({ proxy: { port: 'eighty' }, privacy: { profile: 'strict' }, cache: { maxSizeMb: -3 } }),
    );
    const run = await serve(['--config', file, '--port', '0'], /Veil listening on/);
    await stop(run.child);
    const lines = run.out().trim().split('\n');
    const listening = lines.findIndex((l) => l.startsWith('Veil listening on'));
    expect(lines.slice(0, listening)).toEqual([
      'veil: warning: Settings file: proxy.port is invalid (Port must be a whole number from 0 to 65535); using the default, 8899.',
      'veil: warning: Settings file: cache.maxSizeMb is invalid (Cache size limit (MB) must be a number from 0 to 65536); using the default, 256.',
      expect.stringMatching(
        /^veil: info: Every other setting in .*half-bad\.json is in use; the file as it was is kept as .*half-bad\.json\.corrupt-/,
      ),
    ]);
    // the strict profile survived the bad port
    expect(JSON.parse(await readFile(file, 'utf8')).privacy.profile).toBe('strict');
    expect((await readdir(dir)).filter((n) => n.startsWith('half-bad.json.corrupt-'))).toHaveLength(1);
  });

  it('warns at start about an upstream that does not answer, and still fails closed', async () => {
    const dead = await freePort();
    const run = await serve(
      ['--port', '0', '--upstream', `socks5://127.0.0.1:${dead}`, '--config', join(dir, 'up.json')],
      /Requests fail closed \(502\) until it answers\.\n/,
    );
    try {
      expect(run.out()).toContain(
        `veil: warning: The upstream proxy socks5://127.0.0.1:${dead} could not be reached (ECONNREFUSED). Requests fail closed (502) until it answers.\n`,
      );
      const port = Number(/Veil listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(run.out())![1]);
      const res = await viaProxy(port, 'http://127.0.0.1:9/never');
      expect(res.status).toBe(502);
    } finally {
      await stop(run.child);
    }
  });
});

describe('veil blocklist test uses what is stored', () => {
  it('never downloads a configured list, and says which one it could not use', async () => {
    let hits = 0;
    const server = createHttpServer((_req, res) => {
      hits++;
      res.end('||ads.example^\n');
    }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/list.txt`;
    try {
      const file = join(dir, 'lists.json');
      await writeFile(
        file,
        JSON.stringify({
          version: 2,
          blocklists: {
            lists: [{ id: 'sub', name: 'Sub', enabled: true, source: { type: 'url', url }, format: 'auto' }],
          },
        }),
      );
      const r = await veil(['blocklist', 'test', 'http://ads.example/x', '--config', file]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^NONE /);
      expect(r.stderr).toBe(
        'veil: list "Sub" is not used: it was never downloaded (veil serve downloads it; this test never does).\n',
      );
      const viaFlag = await veil(['blocklist', 'test', 'http://ads.example/x', '--blocklist', url, '--config', file]);
      expect(viaFlag.code).toBe(2);
      expect(viaFlag.stderr).toContain('veil blocklist test never downloads');
      expect(hits).toBe(0);
    } finally {
      server.close();
    }
  });
});

describe('veil ui-url', () => {
  it('prints the address with the stored token (0600), and --rotate makes a new one', async () => {
    const config = join(dir, 'ui', 'config.json');
    const first = await veil(['ui-url', '--config', config]);
    expect(first.code).toBe(0);
    const m = /^http:\/\/127\.0\.0\.1:8898\/#token=([A-Za-z0-9_-]{40,})\n$/.exec(first.stdout);
    expect(m, first.stdout).not.toBeNull();
    const file = join(dir, 'ui', 'ui-access.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'ui'))).mode & 0o777).toBe(0o700);
    expect((await veil(['ui-url', '--config', config])).stdout).toBe(first.stdout);
    const rotated = await veil(['ui-url', '--rotate', '--config', config]);
    expect(rotated.stdout).not.toBe(first.stdout);
    expect(rotated.stderr).toContain('the old token no longer works');
    expect(JSON.parse(await readFile(file, 'utf8')).token).toBe(rotated.stdout.trim().split('#token=')[1]);
  });
});
