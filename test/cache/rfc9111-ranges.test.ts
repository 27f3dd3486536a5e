import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDiskStore } from '../../proxy-core/src/cache/disk-store.js';
import { httpDate, manualClock, type Origin, startOrigin, startVeil, type Veil, viaVeil } from './cache-harness.js';

let origin: Origin;
let veil: Veil;

afterEach(async () => {
  await veil?.close();
  await origin?.close();
});

const BODY = '0123456789';

/** An origin that serves BODY and honours a single Range itself, so Veil can store its 206s. */
function rangeOrigin(now: () => number, extra: Record<string, string> = {}) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const headers = { Date: httpDate(now()), ETag: '"r1"', 'Cache-Control': 'max-age=600', ...extra };
    if (req.headers['if-none-match'] === '"r1"') {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (m) {
      const [start, end] = [Number(m[1]), Number(m[2])];
      res.writeHead(206, { ...headers, 'Content-Range': `bytes ${start}-${end}/${BODY.length}` });
      res.end(BODY.slice(start, end + 1));
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': 'text/plain' });
    res.end(BODY);
  };
}

describe('partial content through Veil (RFC 9110 §14, RFC 9111 §3.3–3.4)', () => {
  it('§14.1.2: a stored complete response answers single, suffix and open-ended ranges with 206', async () => {
    const clock = manualClock();
    origin = await startOrigin(rangeOrigin(clock.now));
    veil = await startVeil({ now: clock.now });
    const url = `${origin.base}/whole`;
    await viaVeil(veil, url);
    for (const [range, body, contentRange] of [
      ['bytes=2-4', '234', 'bytes 2-4/10'],
      ['bytes=-3', '789', 'bytes 7-9/10'],
      ['bytes=6-', '6789', 'bytes 6-9/10'],
      ['bytes=8-100', '89', 'bytes 8-9/10'],
    ] as const) {
      const r = await viaVeil(veil, url, { headers: { Range: range } });
      expect(r.status, range).toBe(206);
      expect(r.body).toBe(body);
      expect(r.headers['content-range']).toBe(contentRange);
      expect(r.headers['content-length']).toBe(String(body.length));
      expect(r.record.cache).toBe('hit');
    }
    expect(origin.hits).toBe(1);
  });

  it('§15.5.17: an unsatisfiable range gets 416 with the length; several ranges get the whole 200', async () => {
    const clock = manualClock();
    origin = await startOrigin(rangeOrigin(clock.now));
    veil = await startVeil({ now: clock.now });
    const url = `${origin.base}/416`;
    await viaVeil(veil, url);
    const outside = await viaVeil(veil, url, { headers: { Range: 'bytes=10-' } });
    expect(outside.status).toBe(416);
    expect(outside.headers['content-range']).toBe('bytes */10');
    expect(outside.body).toBe('');
    const several = await viaVeil(veil, url, { headers: { Range: 'bytes=0-1,4-5' } });
    expect(several.status).toBe(200);
    expect(several.body).toBe(BODY);
    expect(origin.hits).toBe(1);
  });

  it('§13.1.5: If-Range with the current entity-tag gets the part, with another one the whole', async () => {
    const clock = manualClock();
    origin = await startOrigin(rangeOrigin(clock.now));
    veil = await startVeil({ now: clock.now });
    const url = `${origin.base}/if-range`;
    await viaVeil(veil, url);
    const same = await viaVeil(veil, url, { headers: { Range: 'bytes=0-1', 'If-Range': '"r1"' } });
    expect(same.status).toBe(206);
    expect(same.body).toBe('01');
    const changed = await viaVeil(veil, url, { headers: { Range: 'bytes=0-1', 'If-Range': '"old"' } });
    expect(changed.status).toBe(200);
    expect(changed.body).toBe(BODY);
    expect(origin.hits).toBe(1);
  });

  it('RFC 9111 §3.4: 206 answers are stored, serve what they hold, and combine into the whole', async () => {
    const clock = manualClock();
    origin = await startOrigin(rangeOrigin(clock.now));
    veil = await startVeil({ now: clock.now });
    const url = `${origin.base}/parts`;
    const first = await viaVeil(veil, url, { headers: { Range: 'bytes=0-4' } });
    expect(first.status).toBe(206);
    expect(first.record.cache).toBe('miss');
    await veil.cache.flush();
    const inside = await viaVeil(veil, url, { headers: { Range: 'bytes=1-3' } });
    expect(inside).toMatchObject({ status: 206, body: '123' });
    expect(inside.headers['content-range']).toBe('bytes 1-3/10');
    expect(inside.record.cache).toBe('hit');
    // a plain GET is never answered from a part
    expect(origin.hits).toBe(1);
    const rest = await viaVeil(veil, url, { headers: { Range: 'bytes=5-9' } });
    expect(rest.body).toBe('56789');
    await veil.cache.flush();
    expect(origin.hits).toBe(2);
    const whole = await viaVeil(veil, url);
    expect(whole.status).toBe(200);
    expect(whole.body).toBe(BODY);
    expect(whole.headers['content-length']).toBe('10');
    expect(whole.headers['content-range']).toBeUndefined();
    expect(whole.record.cache).toBe('hit');
    expect(origin.hits).toBe(2);
  });

  it('RFC 9111 §3.4: parts combine on the disk store as well', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'veil-parts-'));
    const store = await openDiskStore(dir, 8 * 1024 * 1024);
    try {
      const clock = manualClock();
      origin = await startOrigin(rangeOrigin(clock.now));
      veil = await startVeil({ now: clock.now, store });
      const url = `${origin.base}/disk-parts`;
      await viaVeil(veil, url, { headers: { Range: 'bytes=0-6' } });
      await veil.cache.flush();
      await viaVeil(veil, url, { headers: { Range: 'bytes=4-9' } });
      await veil.cache.flush();
      const whole = await viaVeil(veil, url);
      expect(whole).toMatchObject({ status: 200, body: BODY });
      expect(whole.record.cache).toBe('hit');
      expect(origin.hits).toBe(2);
    } finally {
      await veil.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a Range on a stale stored response is revalidated, then answered from the store', async () => {
    const clock = manualClock();
    origin = await startOrigin(rangeOrigin(clock.now, { 'Cache-Control': 'max-age=10' }));
    veil = await startVeil({ now: clock.now });
    const url = `${origin.base}/stale-range`;
    await viaVeil(veil, url);
    clock.advance(20);
    const r = await viaVeil(veil, url, { headers: { Range: 'bytes=3-5' } });
    expect(r).toMatchObject({ status: 206, body: '345' });
    expect(r.record.cache).toBe('revalidated');
    expect(origin.seen[1]!['if-none-match']).toBe('"r1"');
  });
});
