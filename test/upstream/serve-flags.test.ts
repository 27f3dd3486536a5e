import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EchoOrigin, headerValue, startEchoOrigin, viaProxy } from '../privacy/harness.js';
import { startRecordingSocks } from './servers.js';

const bin = fileURLToPath(new URL('../../bin/veil.js', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../../dist/proxy-core/src/cli.js', import.meta.url)));

/** Runs `veil serve` with the flags; resolves once it prints its address. */
async function serve(args: string[], dir: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--config', join(dir, 'config.json'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  for await (const chunk of child.stdout!) {
    out += String(chunk);
    const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
    if (m) return { child, port: Number(m[1]) };
  }
  throw new Error(`veil serve exited before listening:\n${out}`);
}

let origin: EchoOrigin;
let dir: string;
beforeAll(async () => {
  origin = await startEchoOrigin();
  dir = await mkdtemp(join(tmpdir(), 'veil-serve-flags-'));
});
afterAll(async () => {
  await origin.close();
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!built)('veil serve --profile --upstream', () => {
  if (!built) console.warn('skipping: dist/ is not built (run npx tsc -b)');

  it('applies the profile and routes through the upstream for that run', async () => {
    const socks = await startRecordingSocks({ 'flag-origin.veil-test': origin.port });
    const { child, port } = await serve(['--profile', 'strict', '--upstream', `socks5://127.0.0.1:${socks.port}`], dir);
    try {
      const res = await viaProxy(port, `http://flag-origin.veil-test:${origin.port}/flags`, {
        'Accept-Language': 'fr-CH',
        Cookie: 'a=1',
        Referer: `http://flag-origin.veil-test:${origin.port}/`,
      });
      expect(res.status).toBe(200);
      const seen = origin.seen.at(-1)!;
      expect(headerValue(seen.headers, 'accept-language')).toBe('en-US,en;q=0.9');
      expect(headerValue(seen.headers, 'cookie')).toBeUndefined();
      expect(headerValue(seen.headers, 'referer')).toBeUndefined();
      expect(socks.requests).toEqual([{ atyp: 3, address: 'flag-origin.veil-test', port: origin.port }]);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
      await socks.stop();
    }
  });

  it('refuses an unknown profile with the list of known ones', async () => {
    const child = spawn(
      process.execPath,
      [bin, 'serve', '--port', '0', '--config', join(dir, 'c2.json'), '--profile', 'paranoid'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).not.toBe(0);
    expect(err).toMatch(/No profile "paranoid"\. Use one of: transparent, standard, strict/);
  });
});
