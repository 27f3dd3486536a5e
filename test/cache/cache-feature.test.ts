import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseServeArgs } from '../../proxy-core/src/cli/serve-args.js';
import { cacheFeature } from '../../proxy-core/src/control/features/cache-feature.js';
import { privacyFeature } from '../../proxy-core/src/control/features/privacy-feature.js';
import { createService, type VeilService } from '../../proxy-core/src/control/service.js';
import { settingsSchema } from '../../proxy-core/src/control/settings-schema.js';
import { createMemoryStore } from '../../proxy-core/src/control/settings-store.js';
import { type Origin, send, startOrigin } from './cache-harness.js';

let origin: Origin;
let service: VeilService | undefined;
let dataDir: string;

afterEach(async () => {
  await service?.shutdown(2000);
  service = undefined;
  await origin?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function startService(
  settings: Record<string, unknown> = {},
  features = [cacheFeature],
): Promise<{ port: number }> {
  dataDir = await mkdtemp(join(tmpdir(), 'veil-cache-feature-'));
  const initial = settingsSchema.parse({ proxy: { port: 0 }, ...settings });
  service = createService({ store: createMemoryStore(initial), dataDir, features });
  const status = await service.start();
  return { port: status.listening!.port };
}

async function cookieOrigin(): Promise<void> {
  origin = await startOrigin((req, res) => {
    const headers: Record<string, string> = { 'Cache-Control': 'max-age=600' };
    if (req.url?.startsWith('/cookie')) headers['Set-Cookie'] = 'id=42';
    res.writeHead(200, headers);
    res.end(`${req.url}`);
  });
}

describe('the cache feature in the service', () => {
  it('is on by default: stats count hits, misses and bytes saved; purge by host and all', async () => {
    await cookieOrigin();
    const { port } = await startService();
    const url = `${origin.base}/a`;
    await send(port, url);
    await send(port, url);
    await send(port, `${origin.base}/b`);
    const stats = await service!.invoke('cache.stats');
    expect(stats).toMatchObject({ enabled: true, entries: 2, hits: 1, misses: 2, maxBytes: 256 * 1024 * 1024 });
    expect(stats.bytesSaved).toBe(2);
    expect(origin.hits).toBe(2);
    // the same origin under another name: purging "localhost" leaves 127.0.0.1 alone
    expect(await service!.invoke('cache.purge', { host: 'localhost' })).toEqual({ removed: 0 });
    expect(await service!.invoke('cache.purge', { host: '127.0.0.1' })).toEqual({ removed: 2 });
    await send(port, url);
    expect(origin.hits).toBe(3);
    expect(await service!.invoke('cache.purge')).toEqual({ removed: 1 });
    expect((await service!.invoke('status.get')).counters.cacheHits).toBe(1);
  });

  it('turns off and on live from the settings', async () => {
    await cookieOrigin();
    const { port } = await startService();
    const url = `${origin.base}/toggle`;
    await service!.invoke('settings.update', { patch: { cache: { enabled: false } } });
    await send(port, url);
    await send(port, url);
    expect(origin.hits).toBe(2);
    expect((await service!.invoke('cache.stats')).enabled).toBe(false);
    await service!.invoke('settings.update', { patch: { cache: { enabled: true, maxSizeMb: 1 } } });
    await send(port, url);
    await send(port, url);
    expect(origin.hits).toBe(3);
    expect(await service!.invoke('cache.stats')).toMatchObject({ enabled: true, maxBytes: 1024 * 1024, hits: 1 });
  });

  it('keeps entries when resized, and moves them to a disk directory when one is set', async () => {
    await cookieOrigin();
    const { port } = await startService();
    await send(port, `${origin.base}/moved`);
    await service!.invoke('settings.update', { patch: { cache: { maxSizeMb: 8 } } });
    expect((await service!.invoke('cache.stats')).entries).toBe(1);
    await service!.invoke('settings.update', { patch: { cache: { dir: 'http-cache' } } });
    expect((await service!.invoke('cache.stats')).entries).toBe(1);
    expect((await readdir(join(dataDir, 'http-cache'))).filter((n) => n.endsWith('.entry'))).toHaveLength(1);
    await send(port, `${origin.base}/moved`);
    expect(origin.hits).toBe(1);
  });

  it('falls back to memory with a notice naming the directory when the disk store cannot open', async () => {
    await cookieOrigin();
    const { port } = await startService();
    const blocked = join(dataDir, 'a-file');
    await writeFile(blocked, 'not a directory');
    await service!.invoke('settings.update', { patch: { cache: { dir: join(blocked, 'cache') } } });
    const notices = (await service!.invoke('status.get')).notices;
    expect(notices.find((n) => n.code === 'E_CACHE_DIR')?.message).toContain(join(blocked, 'cache'));
    await send(port, `${origin.base}/fallback`);
    await send(port, `${origin.base}/fallback`);
    expect(origin.hits).toBe(1);
  });

  it('does not store Set-Cookie responses when Veil listens beyond loopback', async () => {
    await cookieOrigin();
    const { port } = await startService({
      proxy: { port: 0, listen: '0.0.0.0', allowedClients: ['127.0.0.1/32'], allowLoopbackAndLinkLocal: true },
    });
    for (let i = 0; i < 2; i++) {
      await send(port, `${origin.base}/cookie`);
      await send(port, `${origin.base}/plain`);
    }
    expect(origin.hits).toBe(3);
    expect((await service!.invoke('cache.stats')).entries).toBe(1);
  });
});

describe('the cache with the real privacy profiles', () => {
  it('standard: a stored first-party cookie never reaches a third-party request from the cache', async () => {
    await cookieOrigin();
    const { port } = await startService({ privacy: { profile: 'standard' } }, [privacyFeature, cacheFeature]);
    const url = `${origin.base}/cookie-page`;
    const first = await send(port, url);
    expect(first.headers['set-cookie']).toEqual(['id=42']);
    const thirdParty = await send(port, url, { headers: { Referer: 'http://tracker.example/' } });
    expect(origin.hits).toBe(1);
    expect(thirdParty.headers.age).toBeDefined();
    expect(thirdParty.headers['set-cookie']).toBeUndefined();
    const firstPartyAgain = await send(port, url);
    expect(firstPartyAgain.headers['set-cookie']).toEqual(['id=42']);
  });

  it('strict: the cookie is removed before the response is stored', async () => {
    await cookieOrigin();
    const { port } = await startService({ privacy: { profile: 'strict' } }, [privacyFeature, cacheFeature]);
    const url = `${origin.base}/cookie-strict`;
    expect((await send(port, url)).headers['set-cookie']).toBeUndefined();
    await service!.invoke('settings.update', { patch: { privacy: { profile: 'transparent' } } });
    const hit = await send(port, url);
    expect(origin.hits).toBe(1);
    expect(hit.headers['set-cookie']).toBeUndefined();
  });

  it('transparent: Set-Cookie is stored and served, as RFC 9111 allows', async () => {
    await cookieOrigin();
    const { port } = await startService({ privacy: { profile: 'transparent' } }, [privacyFeature, cacheFeature]);
    const url = `${origin.base}/cookie-open`;
    await send(port, url, { headers: { Cookie: 'mine=1' } });
    const hit = await send(port, url, { headers: { Referer: 'http://elsewhere.example/' } });
    expect(origin.hits).toBe(1);
    expect(hit.headers['set-cookie']).toEqual(['id=42']);
  });
});

describe('veil serve cache flags', () => {
  it('--cache-size sets the size, 0 turns the cache off, --cache-dir is made absolute', () => {
    expect(parseServeArgs(['--cache-size', '64']).overrides.cache).toEqual({ maxSizeMb: 64, enabled: true });
    expect(parseServeArgs(['--cache-size', '0']).overrides.cache).toEqual({ maxSizeMb: 0, enabled: false });
    const dir = parseServeArgs(['--cache-dir', 'rel/cache']).overrides.cache?.dir;
    expect(dir).toBe(join(process.cwd(), 'rel/cache'));
    expect(parseServeArgs([]).overrides.cache).toBeUndefined();
  });

  it('names the fix for a bad size', () => {
    expect(() => parseServeArgs(['--cache-size', 'big'])).toThrow(/--cache-size takes megabytes/);
    expect(() => parseServeArgs(['--cache-size', '-5'])).toThrow(/--cache-size/);
  });
});
