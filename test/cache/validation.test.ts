import { afterEach, describe, expect, it } from 'vitest';
import { getHeader, setHeader } from '../../proxy-core/src/proxy/header-list.js';
import { httpDate, manualClock, type Origin, startOrigin, startVeil, type Veil, viaVeil } from './cache-harness.js';

let origin: Origin;
let veil: Veil;

afterEach(async () => {
  await veil?.close();
  await origin?.close();
});

describe('revalidation of stale entries', () => {
  it('merges a 304 into the stored response and keeps serving the stored body', async () => {
    const clock = manualClock();
    origin = await startOrigin((req, res) => {
      const base = { Date: httpDate(clock.now()), ETag: '"a"', 'Cache-Control': 'max-age=10' };
      if (req.headers['if-none-match'] === '"a"') {
        res.writeHead(304, { ...base, 'X-Revision': 'after-304' });
        res.end();
        return;
      }
      res.writeHead(200, { ...base, 'X-Revision': 'first', 'Content-Type': 'text/plain' });
      res.end('stored body');
    });
    veil = await startVeil({ now: clock.now });
    const url = `${origin.base}/r`;
    await viaVeil(veil, url);
    clock.advance(11);
    const revalidated = await viaVeil(veil, url);
    expect(revalidated.record.cache).toBe('revalidated');
    expect(revalidated.status).toBe(200);
    expect(revalidated.body).toBe('stored body');
    expect(revalidated.headers['x-revision']).toBe('after-304');
    expect(revalidated.headers['content-type']).toBe('text/plain');
    expect(origin.seen[1]?.['if-none-match']).toBe('"a"');
    // the 304 refreshed the lifetime: fresh again for 10 s
    clock.advance(5);
    const hit = await viaVeil(veil, url);
    expect(hit.record.cache).toBe('hit');
    expect(hit.headers['x-revision']).toBe('after-304');
    expect(origin.hits).toBe(2);
    expect(veil.cache.stats().revalidations).toBe(1);
  });

  it('replaces the stored response when the origin answers 200 with a new body', async () => {
    const clock = manualClock();
    origin = await startOrigin((_req, res) => {
      res.writeHead(200, {
        Date: httpDate(clock.now()),
        'Last-Modified': httpDate(clock.now(), -3600),
        'Cache-Control': 'max-age=10',
      });
      res.end(`version ${origin.hits}`);
    });
    veil = await startVeil({ now: clock.now });
    const url = `${origin.base}/changed`;
    await viaVeil(veil, url);
    clock.advance(11);
    const fresh = await viaVeil(veil, url);
    expect(origin.seen[1]?.['if-modified-since']).toBeDefined();
    expect(fresh.body).toBe('version 2');
    expect(fresh.record.cache).toBe('miss');
    const hit = await viaVeil(veil, url);
    expect(hit.body).toBe('version 2');
    expect(hit.record.cache).toBe('hit');
    expect(veil.cache.stats().entries).toBe(1);
  });

  it('answers once from the old copy and drops it when a 304 names another validator', async () => {
    const clock = manualClock();
    origin = await startOrigin((req, res) => {
      if (req.headers['if-none-match']) {
        res.writeHead(304, { ETag: '"someone-else"', 'Cache-Control': 'max-age=10' });
        res.end();
        return;
      }
      res.writeHead(200, { ETag: '"mine"', 'Cache-Control': 'max-age=10', 'Content-Type': 'text/plain' });
      res.end('original');
    });
    veil = await startVeil({ now: clock.now });
    const url = `${origin.base}/confused`;
    await viaVeil(veil, url);
    clock.advance(11);
    const answer = await viaVeil(veil, url);
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('original');
    expect(answer.headers['content-type']).toBe('text/plain');
    expect(veil.cache.stats().entries).toBe(0);
  });

  it('stands in with the stale copy for an origin error within stale-if-error, and not after', async () => {
    const clock = manualClock();
    let failing = false;
    origin = await startOrigin((_req, res) => {
      if (failing) {
        res.writeHead(503, { 'Retry-After': '5' });
        res.end('down');
        return;
      }
      res.writeHead(200, { Date: httpDate(clock.now()), 'Cache-Control': 'max-age=10, stale-if-error=60' });
      res.end('good copy');
    });
    veil = await startVeil({ now: clock.now });
    const url = `${origin.base}/flaky-origin`;
    await viaVeil(veil, url);
    failing = true;
    clock.advance(30);
    const rescued = await viaVeil(veil, url);
    expect(rescued.status).toBe(200);
    expect(rescued.body).toBe('good copy');
    expect(rescued.record.cache).toBe('stale');
    clock.advance(60);
    const down = await viaVeil(veil, url);
    expect(down.status).toBe(503);
  });

  it('stands in with the stale copy when the origin cannot be reached at all, within stale-if-error', async () => {
    const clock = manualClock();
    let reset = false;
    origin = await startOrigin((req, res) => {
      // a dead origin as the proxy sees it: the connection drops before any answer
      if (reset) return req.socket.destroy();
      res.writeHead(200, { Date: httpDate(clock.now()), 'Cache-Control': 'max-age=10, stale-if-error=60' });
      res.end('good copy');
    });
    veil = await startVeil({ now: clock.now });
    const url = `${origin.base}/gone-origin`;
    await viaVeil(veil, url);
    reset = true;
    clock.advance(30);
    const rescued = await viaVeil(veil, url);
    expect(rescued.status).toBe(200);
    expect(rescued.body).toBe('good copy');
    expect(rescued.record.cache).toBe('stale');
    expect(rescued.record.error).toBeUndefined();
    clock.advance(60);
    const down = await viaVeil(veil, url);
    expect(down.status).toBe(502);
    expect(down.record.error).toBe('E_UPSTREAM_RESET');
  });

  it("answers a client's own validator with 304 from a fresh entry", async () => {
    origin = await startOrigin((_req, res) => {
      res.writeHead(200, { ETag: 'W/"x"', 'Cache-Control': 'max-age=600' });
      res.end('payload');
    });
    veil = await startVeil();
    const url = `${origin.base}/cond`;
    await viaVeil(veil, url);
    const cond = await viaVeil(veil, url, { headers: { 'If-None-Match': '"x"' } });
    expect(cond.status).toBe(304);
    expect(cond.body).toBe('');
    expect(cond.headers.etag).toBe('W/"x"');
    const other = await viaVeil(veil, url, { headers: { 'If-None-Match': '"y"' } });
    expect(other.status).toBe(200);
    expect(other.body).toBe('payload');
    expect(origin.hits).toBe(1);
  });
});

describe('Vary', () => {
  it('keeps one entry per combination of the selecting headers', async () => {
    origin = await startOrigin((req, res) => {
      res.writeHead(200, { 'Cache-Control': 'max-age=600', Vary: 'Accept-Language, Accept-Encoding' });
      res.end(`${req.headers['accept-language']}|${req.headers['accept-encoding']}`);
    });
    veil = await startVeil();
    const url = `${origin.base}/vary`;
    const combos = [
      { 'Accept-Language': 'en', 'Accept-Encoding': 'gzip' },
      { 'Accept-Language': 'fr', 'Accept-Encoding': 'gzip' },
      { 'Accept-Language': 'en', 'Accept-Encoding': 'br' },
    ];
    for (const headers of combos) {
      const r = await viaVeil(veil, url, { headers });
      expect(r.record.cache).toBe('miss');
    }
    // twice: the first round is judged by the library, the second by the hit plans it confirmed
    for (const round of [1, 2]) {
      for (const headers of combos) {
        const r = await viaVeil(veil, url, { headers });
        expect(r.record.cache, `round ${round}`).toBe('hit');
        expect(r.body).toBe(`${headers['Accept-Language']}|${headers['Accept-Encoding']}`);
      }
    }
    const absent = await viaVeil(veil, url, { headers: { 'Accept-Language': 'en' } });
    expect(absent.record.cache).toBe('miss');
    expect(origin.hits).toBe(4);
    expect(veil.cache.stats().entries).toBe(4);
  });

  it('keys on the headers as Veil forwarded them, after its own rewriting', async () => {
    origin = await startOrigin((req, res) => {
      res.writeHead(200, { 'Cache-Control': 'max-age=600', Vary: 'Accept-Language' });
      res.end(String(req.headers['accept-language']));
    });
    // a privacy rule that sends every client's Accept-Language as "en-US"
    veil = await startVeil({
      policy: {
        rewriteRequest: (_f, headers) => {
          if (getHeader(headers, 'accept-language') !== undefined) setHeader(headers, 'Accept-Language', 'en-US');
          return [];
        },
      },
    });
    const url = `${origin.base}/lang`;
    await viaVeil(veil, url, { headers: { 'Accept-Language': 'de-CH' } });
    const other = await viaVeil(veil, url, { headers: { 'Accept-Language': 'ja' } });
    expect(other.record.cache).toBe('hit');
    expect(other.body).toBe('en-US');
    expect(origin.hits).toBe(1);
  });

  it('never stores Vary: *', async () => {
    origin = await startOrigin((_req, res) => {
      res.writeHead(200, { 'Cache-Control': 'max-age=600', Vary: '*' });
      res.end('x');
    });
    veil = await startVeil();
    await viaVeil(veil, `${origin.base}/star`);
    expect((await viaVeil(veil, `${origin.base}/star`)).record.cache).toBe('uncacheable');
    expect(origin.hits).toBe(2);
  });
});

describe('invalidation by unsafe methods (RFC 9111 §4.4)', () => {
  it('drops the target and the Location it names after a successful POST', async () => {
    origin = await startOrigin((req, res) => {
      if (req.method === 'POST') {
        req.resume();
        res.writeHead(201, { Location: '/items/2', 'Content-Location': `${origin.base}/items` });
        res.end();
        return;
      }
      res.writeHead(200, { 'Cache-Control': 'max-age=600' });
      res.end(`${req.url} #${origin.hits}`);
    });
    veil = await startVeil();
    const items = `${origin.base}/items`;
    const item = `${origin.base}/items/2`;
    const other = `${origin.base}/other`;
    for (const u of [items, item, other]) await viaVeil(veil, u);
    expect(veil.cache.stats().entries).toBe(3);
    const post = await viaVeil(veil, items, { method: 'POST', body: 'new' });
    expect(post.status).toBe(201);
    expect(post.record.cache).toBe('bypass');
    expect(veil.cache.stats().entries).toBe(1);
    expect((await viaVeil(veil, items)).record.cache).toBe('miss');
    expect((await viaVeil(veil, item)).record.cache).toBe('miss');
    expect((await viaVeil(veil, other)).record.cache).toBe('hit');
  });

  it('keeps entries when the unsafe request failed', async () => {
    origin = await startOrigin((req, res) => {
      req.resume();
      if (req.method === 'DELETE') {
        res.writeHead(500);
        res.end();
        return;
      }
      res.writeHead(200, { 'Cache-Control': 'max-age=600' });
      res.end('kept');
    });
    veil = await startVeil();
    const url = `${origin.base}/keep`;
    await viaVeil(veil, url);
    await viaVeil(veil, url, { method: 'DELETE' });
    expect((await viaVeil(veil, url)).record.cache).toBe('hit');
  });
});

describe('client Cache-Control', () => {
  it('honours no-cache and max-age=0 by revalidating, and only-if-cached with 504 when absent', async () => {
    origin = await startOrigin((req, res) => {
      if (req.headers['if-none-match'] === '"e"') {
        res.writeHead(304, { ETag: '"e"', 'Cache-Control': 'max-age=600' });
        res.end();
        return;
      }
      res.writeHead(200, { ETag: '"e"', 'Cache-Control': 'max-age=600' });
      res.end('body');
    });
    veil = await startVeil();
    const url = `${origin.base}/client`;
    const absent = await viaVeil(veil, url, { headers: { 'Cache-Control': 'only-if-cached' } });
    expect(absent.status).toBe(504);
    expect(origin.hits).toBe(0);
    await viaVeil(veil, url);
    const cached = await viaVeil(veil, url, { headers: { 'Cache-Control': 'only-if-cached' } });
    expect(cached.status).toBe(200);
    expect(cached.record.cache).toBe('hit');
    for (const cc of ['no-cache', 'max-age=0']) {
      const r = await viaVeil(veil, url, { headers: { 'Cache-Control': cc } });
      expect(r.record.cache).toBe('revalidated');
      expect(r.body).toBe('body');
    }
    const pragma = await viaVeil(veil, url, { headers: { Pragma: 'no-cache' } });
    expect(pragma.record.cache).toBe('revalidated');
    expect(origin.hits).toBe(4);
  });

  it('serves HEAD and Range requests from a stored GET (RFC 9111 §3.4, §4)', async () => {
    origin = await startOrigin((req, res) => {
      if (req.headers.range) {
        res.writeHead(206, { 'Content-Range': 'bytes 0-1/10', 'Cache-Control': 'max-age=600' });
        res.end('01');
        return;
      }
      res.writeHead(200, { 'Cache-Control': 'max-age=600', 'Content-Type': 'text/plain' });
      res.end('0123456789');
    });
    veil = await startVeil();
    const url = `${origin.base}/file`;
    await viaVeil(veil, url);
    const head = await viaVeil(veil, url, { method: 'HEAD' });
    expect(head.record.cache).toBe('hit');
    expect(head.headers['content-length']).toBe('10');
    expect(head.body).toBe('');
    const range = await viaVeil(veil, url, { headers: { Range: 'bytes=0-1' } });
    expect(range.status).toBe(206);
    expect(range.body).toBe('01');
    expect(range.headers['content-range']).toBe('bytes 0-1/10');
    expect(range.record.cache).toBe('hit');
    expect(origin.hits).toBe(1);
  });
});
