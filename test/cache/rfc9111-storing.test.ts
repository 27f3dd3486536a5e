import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDiskStore } from '../../proxy-core/src/cache/disk-store.js';
import type { CacheStore } from '../../proxy-core/src/cache/stored-entry.js';
import { httpDate, manualClock, type Origin, startOrigin, startVeil, type Veil, viaVeil } from './cache-harness.js';

let origin: Origin;
let veil: Veil;
let store: CacheStore | undefined;

afterEach(async () => {
  await veil?.close();
  await store?.close();
  store = undefined;
  await origin?.close();
});

/** An origin answering `status` with `headers` (Date from the clock) and a body that counts its requests. */
async function answering(status: number, headers: Record<string, string>, clock = manualClock()) {
  origin = await startOrigin((_req, res) => {
    res.writeHead(status, { Date: httpDate(clock.now()), ...headers });
    res.end(`answer ${origin.hits}`);
  });
  veil = await startVeil({ now: clock.now });
  return clock;
}

/** Two GETs of one URL: true when the second came from the store. */
async function storedTwice(path: string): Promise<boolean> {
  const url = `${origin.base}${path}`;
  await viaVeil(veil, url);
  await veil.cache.flush();
  const second = await viaVeil(veil, url);
  return second.record.cache === 'hit';
}

describe('storing through Veil (RFC 9111 §3, §5)', () => {
  it('§5.3: an invalid Expires means already expired, whatever else could have made it fresh', async () => {
    await answering(200, { Expires: '0', 'Last-Modified': 'Mon, 01 Jan 2024 00:00:00 GMT' });
    expect(await storedTwice('/expires-0')).toBe(false);
    await veil.close();
    await origin.close();
    await answering(200, { Expires: 'Thu, 01 Jan 2099 00:00:00 UTC' });
    expect(await storedTwice('/expires-utc')).toBe(false);
  });

  it('§5.1: an Age that is not a non-negative integer is ignored, an integer one counts', async () => {
    await answering(200, { 'Cache-Control': 'max-age=3600', Age: '7200.0' });
    expect(await storedTwice('/age-decimal')).toBe(true);
    await veil.close();
    await origin.close();
    await answering(200, { 'Cache-Control': 'max-age=3600', Age: '7200' });
    expect(await storedTwice('/age-integer')).toBe(false);
  });

  it('§5.2: directive names are case-insensitive', async () => {
    await answering(200, { 'Cache-Control': 'Max-Age=60' });
    expect(await storedTwice('/max-age')).toBe(true);
    await veil.close();
    await origin.close();
    await answering(200, { 'Cache-Control': 'max-age=60, NO-STORE' });
    expect(await storedTwice('/no-store')).toBe(false);
  });

  it('§3: any final status with explicit freshness is stored; without it only the heuristic codes', async () => {
    for (const [status, headers, stored] of [
      [500, { 'Cache-Control': 'max-age=60' }, true],
      [302, { 'Cache-Control': 'max-age=60', Location: '/x' }, true],
      [404, { 'Last-Modified': 'Mon, 01 Jan 2024 00:00:00 GMT' }, true],
      [302, { 'Last-Modified': 'Mon, 01 Jan 2024 00:00:00 GMT', Location: '/x' }, false],
    ] as const) {
      await answering(status, headers);
      expect(await storedTwice(`/status-${status}`), `${status} ${JSON.stringify(headers)}`).toBe(stored);
      await veil.close();
      await origin.close();
    }
  });

  it('§5.2.2.3: must-understand overrides no-store for a status Veil understands, and only then', async () => {
    await answering(200, { 'Cache-Control': 'max-age=60, must-understand, no-store' });
    expect(await storedTwice('/understood')).toBe(true);
    await veil.close();
    await origin.close();
    await answering(299, { 'Cache-Control': 'max-age=60, must-understand' });
    expect(await storedTwice('/not-understood')).toBe(false);
  });

  it('§5.2.2.4, §5.2.2.7: no-cache="field" and private="field" fields are never served from the store', async () => {
    await answering(200, {
      'Cache-Control': 'max-age=60, no-cache="X-Token", private="X-User"',
      'X-Token': 'tok',
      'X-User': 'alice',
      'X-Public': 'yes',
    });
    const url = `${origin.base}/fields`;
    const first = await viaVeil(veil, url);
    expect(first.headers['x-user']).toBe('alice');
    await veil.cache.flush();
    const hit = await viaVeil(veil, url);
    expect(hit.record.cache).toBe('hit');
    expect(hit.headers['x-public']).toBe('yes');
    expect(hit.headers['x-token']).toBeUndefined();
    expect(hit.headers['x-user']).toBeUndefined();
  });

  it('§4.1: Vary keys are normalised, so equivalent requests share one entry', async () => {
    await answering(200, { 'Cache-Control': 'max-age=60', Vary: 'Accept-Language, Accept-Encoding' });
    const url = `${origin.base}/vary`;
    await viaVeil(veil, url, { headers: { 'Accept-Language': 'en;q=0.7, DA', 'Accept-Encoding': 'GZIP' } });
    await veil.cache.flush();
    const same = await viaVeil(veil, url, {
      headers: { 'Accept-Language': 'da,en ; q=0.7', 'Accept-Encoding': 'gzip' },
    });
    expect(same.record.cache).toBe('hit');
    const other = await viaVeil(veil, url, { headers: { 'Accept-Language': 'fr', 'Accept-Encoding': 'gzip' } });
    expect(other.record.cache).toBe('miss');
    expect(origin.hits).toBe(2);
  });

  it('RFC 9110 §15.2: interim responses (100, 103) are relayed and never stored', async () => {
    const clock = manualClock();
    origin = await startOrigin((_req, res) => {
      res.writeContinue();
      res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
      res.writeHead(200, { Date: httpDate(clock.now()), 'Cache-Control': 'max-age=60' });
      res.end('final');
    });
    veil = await startVeil({ now: clock.now });
    const url = `${origin.base}/interim`;
    const interim = (): Promise<{ codes: number[]; status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const codes: number[] = [];
        const req = request({ host: '127.0.0.1', port: veil.port, path: url, agent: false }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ codes, status: res.statusCode ?? 0, body }));
        });
        req.on('information', (info) => codes.push(info.statusCode));
        req.on('error', reject);
        req.end();
      });
    const first = await interim();
    expect(first.codes).toContain(103);
    expect(first).toMatchObject({ status: 200, body: 'final' });
    await veil.cache.flush();
    const second = await interim();
    expect(second).toMatchObject({ codes: [], status: 200, body: 'final' });
    expect(origin.hits).toBe(1);
  });

  it("an exposed Veil never serves one user's private answer to another client", async () => {
    const clock = manualClock();
    origin = await startOrigin((req, res) => {
      res.writeHead(200, {
        Date: httpDate(clock.now()),
        'Cache-Control': 'private, max-age=600',
        'Set-Cookie': `seen=${req.headers.cookie ?? 'none'}`,
      });
      res.end(`for ${req.headers.cookie ?? 'nobody'}`);
    });
    veil = await startVeil({ now: clock.now, exposed: true });
    const url = `${origin.base}/account`;
    expect((await viaVeil(veil, url, { headers: { Cookie: 'user=alice' } })).body).toBe('for user=alice');
    await veil.cache.flush();
    const bob = await viaVeil(veil, url, { headers: { Cookie: 'user=bob' } });
    expect(bob.body).toBe('for user=bob');
    const anonymous = await viaVeil(veil, url);
    expect(anonymous.body).toBe('for nobody');
    expect(anonymous.headers['set-cookie']).toEqual(['seen=none']);
    expect(veil.cache.stats().entries).toBe(0);
  });

  it('carries on when its disk store is deleted under it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'veil-cache-gone-'));
    store = await openDiskStore(dir, 8 * 1024 * 1024);
    const clock = manualClock();
    origin = await startOrigin((_req, res) => {
      res.writeHead(200, { Date: httpDate(clock.now()), 'Cache-Control': 'max-age=600' });
      res.end(`disk ${origin.hits}`);
    });
    veil = await startVeil({ now: clock.now, store });
    const url = `${origin.base}/disk`;
    await viaVeil(veil, url);
    await veil.cache.flush();
    await rm(dir, { recursive: true, force: true });
    const afterDelete = await viaVeil(veil, url);
    expect(afterDelete.status).toBe(200);
    expect(afterDelete.body).toBe('disk 2');
    await veil.cache.flush();
    const hit = await viaVeil(veil, url);
    expect(hit.record.cache).toBe('hit');
    expect(hit.body).toBe('disk 2');
    await rm(dir, { recursive: true, force: true });
  });
});
