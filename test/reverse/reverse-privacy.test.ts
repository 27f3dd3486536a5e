import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExchangeRecord } from '../../proxy-core/src/proxy/exchange-record.js';
import { createReverseCache } from '../../proxy-core/src/reverse/reverse-cache.js';
import { reverseSettings } from '../../proxy-core/src/reverse/reverse-settings.js';
import { startBackend, type TestBackend } from './backends.js';
import { fetchVia, type RunningReverse, startReverse } from './harness.js';

const spoofed = {
  'X-Forwarded-For': '6.6.6.6',
  Forwarded: 'for=6.6.6.6',
  'X-Real-IP': '6.6.6.6',
  'CF-Connecting-IP': '6.6.6.6',
  'True-Client-IP': '6.6.6.6',
  'X-Client-IP': '6.6.6.6',
};

describe('reverse: what each side learns of the other', () => {
  let b: TestBackend;
  beforeAll(async () => {
    b = await startBackend('b', {
      handler: (req, res) => {
        if (req.url === '/moved') {
          res.writeHead(302, {
            Location: `http://127.0.0.1:${b.port}/login?next=%2Fmoved`,
            'Content-Location': `http://127.0.0.1:${b.port}/moved`,
            Refresh: `0; url=http://127.0.0.1:${b.port}/login`,
            Server: 'Apache/2.4.1 (Unix)',
            'X-Powered-By': 'PHP/8.1',
            'X-AspNet-Version': '4.0.30319',
            'X-Runtime': '0.012',
            Via: '1.1 internal-lb',
            'X-Backend-Host': 'node-7',
          });
          res.end();
          return true;
        }
        return undefined;
      },
    });
  });
  afterAll(() => b.kill());

  for (const mode of ['anonymous', 'pseudonymous', 'forward'] as const) {
    it(`${mode}: the backend sees what the mode says, never the visitor’s spoofed headers`, async () => {
      const rp = await startReverse({ clientAddress: mode, routes: [{ backends: [b.url] }] });
      try {
        await fetchVia(rp.port, '/who', { headers: spoofed });
        await fetchVia(rp.port, '/who', { headers: spoofed });
        const [first, second] = b.seen.slice(-2).map((s) => s.headers);
        const all = JSON.stringify(b.seen.slice(-2).map((s) => s.raw));
        expect(all).not.toContain('6.6.6.6');
        for (const h of ['x-real-ip', 'cf-connecting-ip', 'true-client-ip', 'x-client-ip'])
          expect(first![h]).toBeUndefined();
        expect(first!['x-forwarded-proto']).toBe('http');
        if (mode === 'anonymous') {
          expect(first!['x-forwarded-for']).toBeUndefined();
          expect(first!.forwarded).toBeUndefined();
          // no header value anywhere carries the visitor's address
          const values = b.seen.at(-1)!.raw.filter((_, i) => i % 2 === 1);
          expect(values.some((v) => v.includes('127.0.0.1'))).toBe(false);
        } else if (mode === 'pseudonymous') {
          expect(first!['x-forwarded-for']).toBeUndefined();
          expect(first!.forwarded).toMatch(/^for=_[0-9a-f]{16};proto=http$/);
          expect(second!.forwarded).toBe(first!.forwarded);
        } else {
          expect(first!['x-forwarded-for']).toBe('127.0.0.1');
          expect(first!.forwarded).toBeUndefined();
        }
      } finally {
        await rp.close();
      }
    });
  }

  it('forward with a trusted proxy in front keeps its chain', async () => {
    const rp = await startReverse({
      clientAddress: 'forward',
      trustedProxies: ['127.0.0.0/8'],
      routes: [{ backends: [b.url] }],
    });
    try {
      await fetchVia(rp.port, '/who', { headers: { 'X-Forwarded-For': '198.51.100.4' } });
      expect(b.seen.at(-1)!.headers['x-forwarded-for']).toBe('198.51.100.4, 127.0.0.1');
    } finally {
      await rp.close();
    }
  });

  it('removes backend identity headers and points Location, Content-Location and Refresh at the public address', async () => {
    const rp = await startReverse({ removeResponseHeaders: ['X-Backend-Host'], routes: [{ backends: [b.url] }] });
    try {
      const res = await fetchVia(rp.port, '/moved', { host: 'photos.test' });
      expect(res.status).toBe(302);
      for (const h of ['server', 'x-powered-by', 'x-aspnet-version', 'x-runtime', 'via', 'x-backend-host']) {
        expect(res.headers[h], h).toBeUndefined();
      }
      expect(res.headers.location).toBe('http://photos.test/login?next=%2Fmoved');
      expect(res.headers['content-location']).toBe('http://photos.test/moved');
      expect(res.headers.refresh).toBe('0; url=http://photos.test/login');
      expect(JSON.stringify(res.headers)).not.toContain(String(b.port));
    } finally {
      await rp.close();
    }
  });

  it('puts a stripped prefix back on redirects', async () => {
    const rp = await startReverse({ routes: [{ pathPrefix: '/photos', stripPrefix: true, backends: [b.url] }] });
    try {
      const res = await fetchVia(rp.port, '/photos/moved', { host: 'home.test' });
      expect(b.seen.at(-1)!.url).toBe('/moved');
      expect(res.headers.location).toBe('http://home.test/photos/login?next=%2Fmoved');
    } finally {
      await rp.close();
    }
  });

  it('records keep the visitor’s network, not the visitor', async () => {
    const rp = await startReverse({ routes: [{ backends: [b.url] }] });
    const records: ExchangeRecord[] = [];
    rp.proxy.on('exchange', (r) => records.push(r));
    try {
      await fetchVia(rp.port, '/rec?q=1', { host: 'rec.test' });
      await new Promise((r) => setTimeout(r, 50));
      expect(records).toHaveLength(1);
      expect(records[0]!.clientAddress).toBe('127.0.0.0/24');
      expect(records[0]!.url).toBe('http://rec.test/rec?q=1');
      expect(records[0]!.status).toBe(200);
      expect(records[0]!.receipt.some((e) => e.header === 'Server' && e.action === 'removed')).toBe(true);
    } finally {
      await rp.close();
    }
  });
});

describe('reverse: the cache in front of backends', () => {
  let b: TestBackend;
  let rp: RunningReverse;
  let n = 0;
  beforeAll(async () => {
    b = await startBackend('cached', {
      handler: (req, res) => {
        n++;
        const base = { 'Content-Type': 'text/plain' };
        if (req.url === '/public') res.writeHead(200, { ...base, 'Cache-Control': 'max-age=60' });
        else if (req.url === '/private') res.writeHead(200, { ...base, 'Cache-Control': 'private, max-age=60' });
        else if (req.url === '/cookie')
          res.writeHead(200, { ...base, 'Cache-Control': 'max-age=60', 'Set-Cookie': `sid=${n}` });
        else if (req.url === '/public-cookie')
          res.writeHead(200, { ...base, 'Cache-Control': 'public, max-age=60', 'Set-Cookie': `sid=${n}` });
        else res.writeHead(200, { ...base, 'Cache-Control': 'max-age=60' });
        res.end(`answer ${n} for ${req.headers.authorization ?? 'nobody'}`);
        return true;
      },
    });
    const routes = [{ cache: true, backends: [b.url] }];
    const cache = createReverseCache(reverseSettings.parse({ routes }), { maxSizeMb: 8, maxEntryMb: 1 });
    rp = await startReverse({ routes }, { cache });
  });
  afterAll(async () => {
    await rp.close();
    await b.kill();
  });

  it('answers a second visitor from the cache', async () => {
    const one = await fetchVia(rp.port, '/public');
    const two = await fetchVia(rp.port, '/public');
    expect(two.body).toBe(one.body);
    expect(b.seen.filter((s) => s.url === '/public')).toHaveLength(1);
  });

  it('never gives one visitor’s private, Set-Cookie or Authorization answer to another', async () => {
    const p1 = await fetchVia(rp.port, '/private');
    const p2 = await fetchVia(rp.port, '/private');
    expect(p2.body).not.toBe(p1.body);
    const c1 = await fetchVia(rp.port, '/cookie');
    const c2 = await fetchVia(rp.port, '/cookie');
    expect(c2.headers['set-cookie']).not.toEqual(c1.headers['set-cookie']);
    // RFC 9111 would let a shared cache keep a `public` one; visitors of the same site are strangers here
    const pc1 = await fetchVia(rp.port, '/public-cookie');
    const pc2 = await fetchVia(rp.port, '/public-cookie');
    expect(pc2.headers['set-cookie']).not.toEqual(pc1.headers['set-cookie']);
    const a1 = await fetchVia(rp.port, '/auth', { headers: { Authorization: 'Bearer alice' } });
    const a2 = await fetchVia(rp.port, '/auth', { headers: { Authorization: 'Bearer bob' } });
    const anon = await fetchVia(rp.port, '/auth');
    expect(a1.body).toContain('alice');
    expect(a2.body).toContain('bob');
    expect(anon.body).toContain('nobody');
  });
});
