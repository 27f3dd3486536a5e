import { afterEach, describe, expect, it } from 'vitest';
import {
  httpDate,
  manualClock,
  type Origin,
  send,
  startOrigin,
  startVeil,
  type Veil,
  viaVeil,
} from './cache-harness.js';

let origin: Origin;
let veil: Veil;

afterEach(async () => {
  await veil?.close();
  await origin?.close();
});

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('revalidation through Veil (RFC 9111 §4.3, §5.2.2, RFC 5861)', () => {
  it('§5.2.2.2: a stale must-revalidate entry is never served when the origin is gone: 504', async () => {
    const clock = manualClock();
    origin = await startOrigin((_req, res) => {
      res.writeHead(200, {
        Date: httpDate(clock.now()),
        'Cache-Control': 'max-age=10, must-revalidate, stale-if-error=600',
        ETag: '"m"',
      });
      res.end('kept');
    });
    veil = await startVeil({ now: clock.now });
    const url = `${origin.base}/must`;
    await viaVeil(veil, url);
    expect((await viaVeil(veil, url, { headers: { 'Cache-Control': 'max-stale' } })).record.cache).toBe('hit');
    await origin.close();
    clock.advance(20);
    const gone = await viaVeil(veil, url, { headers: { 'Cache-Control': 'max-stale=3600' } });
    expect(gone.status).toBe(504);
    expect(gone.body).not.toContain('kept');
    expect(gone.body).toContain('must-revalidate');
  });

  it('§5.2.2.8: proxy-revalidate binds Veil (a shared cache) the same way', async () => {
    const clock = manualClock();
    origin = await startOrigin((_req, res) => {
      res.writeHead(200, { Date: httpDate(clock.now()), 'Cache-Control': 'max-age=10, proxy-revalidate' });
      res.end(`v${origin.hits}`);
    });
    veil = await startVeil({ now: clock.now });
    const url = `${origin.base}/proxy-revalidate`;
    await viaVeil(veil, url);
    clock.advance(20);
    const again = await viaVeil(veil, url, { headers: { 'Cache-Control': 'max-stale' } });
    expect(again.body).toBe('v2');
    expect(origin.hits).toBe(2);
  });

  it('RFC 5861 §3: a burst within stale-while-revalidate is served stale at once, with one revalidation', async () => {
    const clock = manualClock();
    origin = await startOrigin((req, res) => {
      const headers = {
        Date: httpDate(clock.now()),
        'Cache-Control': 'max-age=10, stale-while-revalidate=60',
        ETag: '"w"',
        'X-Served': String(origin.hits),
      };
      if (req.headers['if-none-match'] === '"w"') {
        res.writeHead(304, headers);
        res.end();
        return;
      }
      res.writeHead(200, headers);
      res.end('stale but quick');
    });
    veil = await startVeil({ now: clock.now });
    const url = `${origin.base}/swr`;
    await viaVeil(veil, url);
    clock.advance(30);
    const burst = await Promise.all(Array.from({ length: 20 }, () => send(veil.port, url)));
    for (const r of burst) {
      expect(r.status).toBe(200);
      expect(r.body).toBe('stale but quick');
      expect(r.headers.warning).toBeUndefined();
      // stale (Age 30) until the revalidation lands, fresh from it (Age 0) after
      expect(r.headers.age === '30' || (r.headers.age === '0' && r.headers['x-served'] === '2')).toBe(true);
    }
    expect(burst.some((r) => r.headers.age === '30')).toBe(true);
    await until(() => origin.hits === 2 && veil.cache.revalidating === 0, 'the background revalidation');
    await veil.cache.flush();
    expect(origin.seen[1]!['if-none-match']).toBe('"w"');
    expect(origin.hits).toBe(2);
    // the background request is an exchange of its own in the traffic list, and no client got its 304
    expect(veil.records.filter((r) => r.status === 304 && r.url === url)).toHaveLength(1);
    const after = await viaVeil(veil, url);
    expect(after.record.cache).toBe('hit');
    expect(after.headers['x-served']).toBe('2');
    expect(after.headers.age).toBe('0');
  });

  it('RFC 5861 §3: past the stale-while-revalidate window the client waits for the origin', async () => {
    const clock = manualClock();
    origin = await startOrigin((_req, res) => {
      res.writeHead(200, { Date: httpDate(clock.now()), 'Cache-Control': 'max-age=10, stale-while-revalidate=5' });
      res.end(`v${origin.hits}`);
    });
    veil = await startVeil({ now: clock.now });
    const url = `${origin.base}/swr-past`;
    await viaVeil(veil, url);
    clock.advance(30);
    expect((await viaVeil(veil, url)).body).toBe('v2');
  });

  it('RFC 5861 §3: a background revalidation that finds a new representation drops the old one', async () => {
    const clock = manualClock();
    origin = await startOrigin((_req, res) => {
      res.writeHead(200, { Date: httpDate(clock.now()), 'Cache-Control': 'max-age=10, stale-while-revalidate=60' });
      res.end(`v${origin.hits}`);
    });
    veil = await startVeil({ now: clock.now });
    const url = `${origin.base}/swr-new`;
    await viaVeil(veil, url);
    clock.advance(30);
    expect((await viaVeil(veil, url)).body).toBe('v1');
    await until(() => origin.hits === 2 && veil.cache.revalidating === 0, 'the background revalidation');
    expect((await viaVeil(veil, url)).body).toBe('v3');
  });

  it('§4.3.4: a 304 updates the stored headers, but never Content-Length or Content-Encoding', async () => {
    const clock = manualClock();
    origin = await startOrigin((req, res) => {
      if (req.headers['if-none-match'] === '"u"') {
        res.writeHead(304, {
          Date: httpDate(clock.now()),
          ETag: '"u"',
          'Cache-Control': 'max-age=100',
          'X-Version': '2',
          'Content-Encoding': 'br',
        });
        res.end();
        return;
      }
      res.writeHead(200, {
        Date: httpDate(clock.now()),
        ETag: '"u"',
        'Cache-Control': 'max-age=10',
        'X-Version': '1',
        'Content-Encoding': 'identity',
      });
      res.end('0123456789');
    });
    veil = await startVeil({ now: clock.now });
    const url = `${origin.base}/update`;
    await viaVeil(veil, url);
    clock.advance(20);
    const revalidated = await viaVeil(veil, url);
    expect(revalidated.record.cache).toBe('revalidated');
    await veil.cache.flush();
    clock.advance(50);
    const hit = await viaVeil(veil, url);
    expect(hit.record.cache).toBe('hit');
    expect(hit.headers['x-version']).toBe('2');
    expect(hit.headers['content-encoding']).toBe('identity');
    expect(hit.headers['content-length']).toBe('10');
    expect(hit.body).toBe('0123456789');
  });

  it('§4.3.5: a HEAD response refreshes the stored GET response it describes', async () => {
    const clock = manualClock();
    origin = await startOrigin((req, res) => {
      const head = req.method === 'HEAD';
      res.writeHead(200, {
        Date: httpDate(clock.now()),
        ETag: '"h"',
        'Cache-Control': head ? 'max-age=100' : 'max-age=10',
        'X-From': head ? 'head' : 'get',
        'Content-Length': '4',
      });
      res.end(head ? undefined : 'body');
    });
    veil = await startVeil({ now: clock.now });
    const url = `${origin.base}/head`;
    await viaVeil(veil, url);
    clock.advance(20);
    const head = await viaVeil(veil, url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    await veil.cache.flush();
    clock.advance(50);
    const get = await viaVeil(veil, url);
    expect(get.record.cache).toBe('hit');
    expect(get.headers['x-from']).toBe('head');
    expect(get.body).toBe('body');
    expect(origin.hits).toBe(2);
  });

  it('RFC 9111 §4.2.2 and §5.5: an old heuristic entry is served without a Warning (obsoleted)', async () => {
    const clock = manualClock();
    const modified = httpDate(clock.now(), -100 * 86400);
    origin = await startOrigin((_req, res) => {
      res.writeHead(200, { Date: httpDate(clock.now()), 'Last-Modified': modified });
      res.end('heuristic');
    });
    veil = await startVeil({ now: clock.now });
    const url = `${origin.base}/old`;
    await viaVeil(veil, url);
    clock.advance(2 * 86400);
    const hit = await viaVeil(veil, url);
    expect(hit.record.cache).toBe('hit');
    expect(hit.headers.warning).toBeUndefined();
    expect(hit.headers.age).toBe(String(2 * 86400));
  });
});
