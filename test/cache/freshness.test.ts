import { afterEach, describe, expect, it } from 'vitest';
import { httpDate, manualClock, type Origin, startOrigin, startVeil, type Veil, viaVeil } from './cache-harness.js';

let origin: Origin;
let veil: Veil;

afterEach(async () => {
  await veil?.close();
  await origin?.close();
});

/** An origin answering every request with `headers` (Date from the test clock) and a counter body. */
async function setup(
  headers: (now: number) => Record<string, string>,
  start?: number,
): Promise<ReturnType<typeof manualClock>> {
  const clock = manualClock(start);
  origin = await startOrigin((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain', Date: httpDate(clock.now()), ...headers(clock.now()) });
    res.end(`body ${origin.hits}`);
  });
  veil = await startVeil({ now: clock.now });
  return clock;
}

describe('freshness (RFC 9111 §4.2) with a controllable clock', () => {
  it('serves a max-age response from the store until it is stale, with Age and a hit record', async () => {
    const clock = await setup(() => ({ 'Cache-Control': 'max-age=60' }));
    const url = `${origin.base}/fresh`;
    const first = await viaVeil(veil, url);
    expect(first.body).toBe('body 1');
    expect(first.record.cache).toBe('miss');

    clock.advance(30);
    const second = await viaVeil(veil, url);
    expect(second.body).toBe('body 1');
    expect(second.record.cache).toBe('hit');
    expect(second.headers.age).toBe('30');
    expect(origin.hits).toBe(1);

    clock.advance(31);
    const third = await viaVeil(veil, url);
    expect(third.body).toBe('body 2');
    expect(origin.hits).toBe(2);
    expect(veil.cache.stats()).toMatchObject({ hits: 1, misses: 2 });
  });

  it('keeps Age current and Date as stored over many hits, and stops at the freshness limit', async () => {
    // 100 ms past a whole second, so the Age turns over (at .5) within one second of Date
    const clock = await setup(() => ({ 'Cache-Control': 'max-age=60', ETag: '"v"' }), 1_800_000_000_100);
    const url = `${origin.base}/repeated`;
    const storedDate = httpDate(clock.now());
    await viaVeil(veil, url);
    // the first hit takes the full lookup, the later ones the fast path; both must agree
    for (const [step, age] of [
      [10, '10'],
      [0.45, '10'],
      [0.1, '11'],
      [5, '16'],
      [44.3, '60'],
    ] as const) {
      clock.advance(step);
      const hit = await viaVeil(veil, url);
      expect(hit.record.cache).toBe('hit');
      expect(hit.headers.age).toBe(age);
      // RFC 9111 §4: the stored Date is served as stored; Age says how old the answer is
      expect(hit.headers.date).toBe(storedDate);
      expect(hit.headers['content-length']).toBe('6');
      expect(hit.body).toBe('body 1');
    }
    const head = await viaVeil(veil, url, { method: 'HEAD' });
    expect(head.record.cache).toBe('hit');
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe('6');
    const conditional = await viaVeil(veil, url, { headers: { 'If-None-Match': '"v"' } });
    expect(conditional.status).toBe(304);
    expect(conditional.headers.age).toBe('60');
    expect(origin.hits).toBe(1);

    clock.advance(0.2);
    const stale = await viaVeil(veil, url);
    expect(stale.record.cache).not.toBe('hit');
    expect(origin.hits).toBe(2);
    expect(veil.cache.stats()).toMatchObject({ hits: 7 });
  });

  it('answers a request with Cache-Control or Pragma by the rules, even after plain hits', async () => {
    const clock = await setup(() => ({ 'Cache-Control': 'max-age=600' }));
    const url = `${origin.base}/plain-then-strict`;
    await viaVeil(veil, url);
    clock.advance(20);
    expect((await viaVeil(veil, url)).record.cache).toBe('hit');
    expect((await viaVeil(veil, url)).record.cache).toBe('hit');
    const young = await viaVeil(veil, url, { headers: { 'Cache-Control': 'max-age=10' } });
    expect(young.body).toBe('body 2');
    clock.advance(5);
    const pragma = await viaVeil(veil, url, { headers: { Pragma: 'no-cache' } });
    expect(pragma.body).toBe('body 3');
    const plain = await viaVeil(veil, url);
    expect(plain.record.cache).toBe('hit');
    expect(plain.body).toBe('body 3');
    expect(origin.hits).toBe(3);
  });

  it('lets s-maxage win over max-age in a shared cache', async () => {
    const clock = await setup(() => ({ 'Cache-Control': 'max-age=600, s-maxage=10' }));
    const url = `${origin.base}/s-maxage`;
    await viaVeil(veil, url);
    clock.advance(5);
    expect((await viaVeil(veil, url)).record.cache).toBe('hit');
    clock.advance(6);
    expect((await viaVeil(veil, url)).body).toBe('body 2');
  });

  it('counts Expires from the origin Date', async () => {
    const clock = await setup((now) => ({ Expires: httpDate(now, 20) }));
    const url = `${origin.base}/expires`;
    await viaVeil(veil, url);
    clock.advance(19);
    expect((await viaVeil(veil, url)).record.cache).toBe('hit');
    clock.advance(2);
    expect((await viaVeil(veil, url)).record.cache).not.toBe('hit');
    expect(origin.hits).toBe(2);
  });

  it('counts the Age the origin (or a cache before it) already spent', async () => {
    const clock = await setup(() => ({ 'Cache-Control': 'max-age=60', Age: '50' }));
    const url = `${origin.base}/aged`;
    await viaVeil(veil, url);
    clock.advance(5);
    const hit = await viaVeil(veil, url);
    expect(hit.record.cache).toBe('hit');
    expect(hit.headers.age).toBe('55');
    clock.advance(6);
    expect((await viaVeil(veil, url)).record.cache).not.toBe('hit');
  });

  it('gives a response with only Last-Modified a heuristic lifetime of 10% of its age', async () => {
    // modified 10 days before it was served: fresh for one day
    const clock = await setup((now) => ({ 'Last-Modified': httpDate(now, -10 * 86400) }));
    const url = `${origin.base}/heuristic`;
    await viaVeil(veil, url);
    clock.advance(23 * 3600);
    expect((await viaVeil(veil, url)).record.cache).toBe('hit');
    clock.advance(2 * 3600);
    const later = await viaVeil(veil, url);
    expect(later.record.cache).not.toBe('hit');
    // it had a validator, so Veil asked with If-Modified-Since
    expect(origin.seen.at(-1)?.['if-modified-since']).toBeDefined();
  });

  it('serves a stale entry to a client that accepts it with max-stale, marked stale', async () => {
    const clock = await setup(() => ({ 'Cache-Control': 'max-age=10' }));
    const url = `${origin.base}/max-stale`;
    await viaVeil(veil, url);
    clock.advance(40);
    const stale = await viaVeil(veil, url, { headers: { 'Cache-Control': 'max-stale=60' } });
    expect(stale.record.cache).toBe('stale');
    expect(stale.headers.age).toBe('40');
    expect(origin.hits).toBe(1);
    const strict = await viaVeil(veil, url);
    expect(strict.record.cache).not.toBe('hit');
    expect(origin.hits).toBe(2);
  });

  it('never stores no-store or private responses', async () => {
    for (const cc of ['no-store', 'private, max-age=600']) {
      await setup(() => ({ 'Cache-Control': cc }));
      const url = `${origin.base}/${cc.split(',')[0]}`;
      const first = await viaVeil(veil, url);
      expect(first.record.cache).toBe('uncacheable');
      await viaVeil(veil, url);
      expect(origin.hits).toBe(2);
      expect(veil.cache.stats().entries).toBe(0);
      await veil.close();
      await origin.close();
    }
  });

  it('revalidates no-cache responses every time, answering from the store on 304', async () => {
    const clock = manualClock();
    origin = await startOrigin((req, res) => {
      if (req.headers['if-none-match'] === '"v1"') {
        res.writeHead(304, { ETag: '"v1"', Date: httpDate(clock.now()), 'Cache-Control': 'no-cache' });
        res.end();
        return;
      }
      res.writeHead(200, { ETag: '"v1"', Date: httpDate(clock.now()), 'Cache-Control': 'no-cache' });
      res.end('the body');
    });
    veil = await startVeil({ now: clock.now });
    const url = `${origin.base}/no-cache`;
    await viaVeil(veil, url);
    const again = await viaVeil(veil, url);
    expect(again.status).toBe(200);
    expect(again.body).toBe('the body');
    expect(again.record.cache).toBe('revalidated');
    expect(origin.hits).toBe(2);
    expect(origin.seen[1]?.['if-none-match']).toBe('"v1"');
  });

  it('revalidates must-revalidate responses once stale even when the client accepts stale answers', async () => {
    const clock = manualClock();
    origin = await startOrigin((_req, res) => {
      res.writeHead(200, { Date: httpDate(clock.now()), 'Cache-Control': 'max-age=10, must-revalidate' });
      res.end(`v${origin.hits}`);
    });
    veil = await startVeil({ now: clock.now });
    const url = `${origin.base}/must`;
    await viaVeil(veil, url);
    clock.advance(20);
    const stale = await viaVeil(veil, url, { headers: { 'Cache-Control': 'max-stale=3600' } });
    expect(stale.body).toBe('v2');
  });
});
