import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { type Origin, send, startOrigin, startVeil, type Veil, viaVeil } from './cache-harness.js';

let origin: Origin;
let veil: Veil;

afterEach(async () => {
  await veil?.close();
  await origin?.close();
});

describe('storage bounds', () => {
  it('evicts the least recently used entries when the byte limit is reached', async () => {
    origin = await startOrigin((req, res) => {
      res.writeHead(200, { 'Cache-Control': 'max-age=600' });
      res.end(`${req.url}:`.padEnd(10_000, 'x'));
    });
    // room for two 10 kB entries, not three
    veil = await startVeil({ maxBytes: 25_000 });
    const [a, b, c] = ['a', 'b', 'c'].map((n) => `${origin.base}/${n}`) as [string, string, string];
    await viaVeil(veil, a);
    await viaVeil(veil, b);
    expect((await viaVeil(veil, a)).record.cache).toBe('hit'); // a is now the most recently used
    await viaVeil(veil, c);
    const stats = veil.cache.stats();
    expect(stats.entries).toBe(2);
    expect(stats.bytes).toBeLessThanOrEqual(25_000);
    expect((await viaVeil(veil, a)).record.cache).toBe('hit');
    expect((await viaVeil(veil, c)).record.cache).toBe('hit');
    expect((await viaVeil(veil, b)).record.cache).toBe('miss');
  });

  it('streams bodies above the per-entry limit through whole, without storing them', async () => {
    const big = 'y'.repeat(300_000);
    origin = await startOrigin((req, res) => {
      // chunked (no Content-Length): the limit is found while the body streams
      const length: Record<string, number> = req.url === '/declared' ? { 'Content-Length': big.length } : {};
      res.writeHead(200, { 'Cache-Control': 'max-age=600', ...length });
      for (let i = 0; i < big.length; i += 50_000) res.write(big.slice(i, i + 50_000));
      res.end();
    });
    veil = await startVeil({ maxEntryBytes: 100_000 });
    for (const path of ['/chunked', '/declared']) {
      const first = await viaVeil(veil, `${origin.base}${path}`);
      expect(first.body.length).toBe(big.length);
      const second = await viaVeil(veil, `${origin.base}${path}`);
      expect(second.body.length).toBe(big.length);
      expect(second.record.cache).not.toBe('hit');
    }
    expect(origin.hits).toBe(4);
    expect(veil.cache.stats().entries).toBe(0);
  });
});

describe('request collapsing', () => {
  it('sends N concurrent misses for one URL upstream once', async () => {
    const n = 12;
    let releaseOrigin!: () => void;
    const held = new Promise<void>((r) => {
      releaseOrigin = r;
    });
    origin = await startOrigin((_req, res) => {
      void held.then(() => {
        res.writeHead(200, { 'Cache-Control': 'max-age=600' });
        res.end('shared answer');
      });
    });
    veil = await startVeil();
    const url = `${origin.base}/popular`;
    const replies = Array.from({ length: n }, () => send(veil.port, url));
    await waitFor('the followers to queue', () => origin.hits === 1 && veil.cache.waiting === n - 1, 15_000, 10);
    releaseOrigin();
    const done = await Promise.all(replies);
    expect(done.every((r) => r.status === 200 && r.body === 'shared answer')).toBe(true);
    expect(origin.hits).toBe(1);
    await waitFor('every record', () => veil.records.length === n, 15_000, 10);
    const results = veil.records.map((r) => r.cache).sort();
    expect(results.filter((c) => c === 'hit')).toHaveLength(n - 1);
    expect(results.filter((c) => c === 'miss')).toHaveLength(1);
  });

  it('lets the followers go upstream themselves when the answer cannot be stored', async () => {
    const n = 6;
    let releaseOrigin!: () => void;
    const held = new Promise<void>((r) => {
      releaseOrigin = r;
    });
    origin = await startOrigin((_req, res) => {
      void held.then(() => {
        res.writeHead(200, { 'Cache-Control': 'no-store' });
        res.end(`private #${origin.hits}`);
      });
    });
    veil = await startVeil();
    const url = `${origin.base}/personal`;
    const replies = Array.from({ length: n }, () => send(veil.port, url));
    await waitFor('the followers to queue', () => veil.cache.waiting === n - 1, 15_000, 10);
    releaseOrigin();
    const done = await Promise.all(replies);
    expect(done.every((r) => r.status === 200)).toBe(true);
    expect(origin.hits).toBe(n);
  });

  it('releases the followers when the leader fails upstream', async () => {
    let first = true;
    let releaseOrigin!: () => void;
    const held = new Promise<void>((r) => {
      releaseOrigin = r;
    });
    origin = await startOrigin((req, res) => {
      if (first) {
        first = false;
        void held.then(() => req.socket.destroy());
        return;
      }
      res.writeHead(200, { 'Cache-Control': 'max-age=600' });
      res.end('second try');
    });
    veil = await startVeil();
    const url = `${origin.base}/flaky`;
    const leader = send(veil.port, url);
    await waitFor('the leader upstream', () => origin.hits === 1, 15_000, 10);
    const follower = send(veil.port, url);
    await waitFor('the follower to queue', () => veil.cache.waiting === 1, 15_000, 10);
    releaseOrigin();
    expect((await leader).status).toBe(502);
    expect((await follower).body).toBe('second try');
  });
});
