import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parseServeArgs } from '../../proxy-core/src/cli/serve-args.js';
import { connect, freePort, tempDir } from './helpers.js';

const bin = fileURLToPath(new URL('../../bin/veil.js', import.meta.url));
const cli = fileURLToPath(new URL('../../dist/proxy-core/src/cli.js', import.meta.url));

describe('veil serve --ui flags', () => {
  it('parses --ui and --ui-port, and rejects a bad port with the fix', () => {
    expect(parseServeArgs([]).uiPort).toBeNull();
    // a stable default, so the address can be bookmarked; --ui-port 0 still picks a free one
    expect(parseServeArgs(['--ui']).uiPort).toBe(8898);
    expect(parseServeArgs(['--ui-port', '0']).uiPort).toBe(0);
    expect(parseServeArgs(['--ui-port', '9911']).uiPort).toBe(9911);
    expect(() => parseServeArgs(['--ui-port', 'abc'])).toThrow(/--ui-port must be a number/);
    expect(() => parseServeArgs(['--ui-port', '70000'])).toThrow(/0 to 65535/);
  });
});

describe('veil serve --ui', () => {
  let child: ChildProcess | null = null;
  let cleanup: (() => Promise<void>) | null = null;
  afterEach(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await new Promise((r) => child!.once('exit', r));
    }
    await cleanup?.();
  });

  it('prints the UI address with a token, serves the contract there, not on the proxy port, and exits 0', async () => {
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npx tsc -b\` first.`);
    const t = await tempDir();
    cleanup = t.cleanup;
    child = spawn(
      process.execPath,
      [bin, 'serve', '--ui', '--ui-port', '0', '--port', '0', '--config', join(t.dir, 'config.json')],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout!.setEncoding('utf8');
    const uiLine = await new Promise<string>((resolve, reject) => {
      child!.stdout!.on('data', (chunk: string) => {
        out += chunk;
        const m = out.match(/^Veil UI at (http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]{20,})$/m);
        if (m) resolve(m[1]!);
      });
      child!.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    const ui = new URL(uiLine);
    const token = ui.hash.slice('#token='.length);
    const proxyPort = Number(out.match(/Veil listening on http:\/\/127\.0\.0\.1:(\d+)/)![1]);
    expect(Number(ui.port)).not.toBe(proxyPort);

    const c = await connect(`ws://127.0.0.1:${ui.port}/ws?token=${token}`);
    await c.next((m) => 'hello' in m);
    const status = await c.call('status.get');
    expect(status).toMatchObject({ result: { running: true, listening: { port: proxyPort } } });
    await c.close();

    // the proxy port never speaks the control API
    await expect(connect(`ws://127.0.0.1:${proxyPort}/ws?token=${token}`)).rejects.toBeTruthy();

    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  /** Starts `veil serve --ui-port P` and resolves with its UI address once printed. */
  async function serveUi(dir: string, uiPort: number): Promise<{ url: URL; out: () => string }> {
    child = spawn(
      process.execPath,
      [bin, 'serve', '--ui-port', String(uiPort), '--port', '0', '--config', join(dir, 'config.json')],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    const url = await new Promise<URL>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        const m = out.match(/^Veil UI at (\S+)$/m);
        if (m) resolve(new URL(m[1]!));
      };
      child!.stdout!.on('data', onData);
      child!.stderr!.on('data', onData);
      child!.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    return { url, out: () => out };
  }

  async function stopChild(): Promise<void> {
    const exited = new Promise((r) => child!.once('exit', r));
    child!.kill('SIGTERM');
    await exited;
  }

  it('keeps its address and token across restarts (0600 file), and a rotated token takes effect live', async () => {
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npx tsc -b\` first.`);
    const t = await tempDir();
    cleanup = t.cleanup;
    const port = await freePort();
    const first = await serveUi(t.dir, port);
    await stopChild();
    const second = await serveUi(t.dir, port);
    expect(second.url.href).toBe(first.url.href);
    expect((await stat(join(t.dir, 'ui-access.json'))).mode & 0o777).toBe(0o600);
    const token = first.url.hash.slice('#token='.length);
    const check = (tk: string) => fetch(`http://127.0.0.1:${port}/token-check?token=${encodeURIComponent(tk)}`);
    expect((await check(token)).status).toBe(200);

    const rotated = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [bin, 'ui-url', '--rotate', '--config', join(t.dir, 'config.json')], (err, stdout) =>
        err ? reject(err) : resolve(stdout.trim()),
      ),
    );
    const fresh = new URL(rotated).hash.slice('#token='.length);
    expect(fresh).not.toBe(token);
    const stale = await check(token);
    expect(stale.status).toBe(401);
    expect(await stale.text()).toContain('Run `veil ui-url` for the current address.');
    expect((await check(fresh)).status).toBe(200);
    await stopChild();
  });
});
