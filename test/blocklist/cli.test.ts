import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const VEIL = fileURLToPath(new URL('../../bin/veil.js', import.meta.url));
const BUILT = fileURLToPath(new URL('../../dist/proxy-core/src/cli.js', import.meta.url));

let dir: string;
let listFile: string;
let config: string;

beforeAll(async () => {
  if (!existsSync(BUILT)) throw new Error('The CLI is not built: run `npx tsc -b` before these tests.');
  dir = await mkdtemp(join(tmpdir(), 'veil-blcli-'));
  listFile = join(dir, 'my-hosts.txt');
  config = join(dir, 'config.json');
  await writeFile(listFile, '# mine\n0.0.0.0 ads.cli.test\n0.0.0.0 tracker.cli.test\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function veil(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [VEIL, ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('veil blocklist test', () => {
  it('prints the decision and the rule; exits 1 when blocked', async () => {
    const blocked = await veil([
      'blocklist',
      'test',
      'http://x.ads.cli.test/a.js',
      '--blocklist',
      listFile,
      '--config',
      config,
    ]);
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toContain('BLOCK');
    expect(blocked.stdout).toContain('ads.cli.test in my-hosts.txt, line 2');
    const clean = await veil(['blocklist', 'test', 'example.org', '--blocklist', listFile, '--config', config]);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/^NONE .*only the host/);
  });

  it('names the problem with an unreadable list', async () => {
    const r = await veil([
      'blocklist',
      'test',
      'http://a.test/',
      '--blocklist',
      join(dir, 'missing.txt'),
      '--config',
      config,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read .*missing\.txt/);
  });
});

describe('veil serve --blocklist', () => {
  let child: ChildProcess | undefined;
  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });

  it('adds the list for the run: curl through it gets 403, and the config is not changed', async () => {
    await writeFile(config, '{}\n');
    child = spawn(process.execPath, [VEIL, 'serve', '--port', '0', '--blocklist', listFile, '--config', config]);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    await expect.poll(() => /listening on (http:\/\/\S+)/.exec(out)?.[1], { timeout: 15_000 }).toBeTruthy();
    const proxy = /listening on (http:\/\/\S+)/.exec(out)![1]!;
    const { stdout } = await run('curl', ['-s', '-w', '\n%{http_code}', '--proxy', proxy, 'http://ads.cli.test/']);
    expect(stdout.trim().endsWith('403')).toBe(true);
    expect(stdout).toContain('my-hosts.txt');
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(await readFile(config, 'utf8')).toBe('{}\n');
  });
});
