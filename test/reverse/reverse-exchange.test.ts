import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend, type TestBackend } from './backends.js';
import { fetchVia, type RunningReverse, startReverse } from './harness.js';

describe('reverse: bodies, expectations and draining', () => {
  let b: TestBackend;
  let rp: RunningReverse;
  let release: (() => void) | null = null;
  beforeAll(async () => {
    b = await startBackend('x', {
      handler: (req, res, body) => {
        if (req.url === '/slow') {
          res.writeHead(200, { 'Content-Type': 'text/plain' });
          res.write('first half, ');
          release = () => res.end('second half');
          return true;
        }
        if (req.method === 'HEAD') {
          res.writeHead(200, { 'Content-Length': '1234' });
          res.end();
          return true;
        }
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end(`${req.headers['transfer-encoding'] ?? 'no-te'}:${body.length}`);
        return true;
      },
    });
    rp = await startReverse({ routes: [{ backends: [b.url] }] });
  });
  afterAll(async () => {
    await rp.close().catch(() => {});
    await b.kill();
  });

  it('streams a chunked upload to the backend, re-framed', async () => {
    const text = await new Promise<string>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: rp.port, method: 'POST', path: '/up', agent: false, headers: { Host: 'a.test' } },
        (res) => {
          let d = '';
          res.on('data', (c: Buffer) => {
            d += c;
          });
          res.on('end', () => resolve(d));
        },
      );
      req.on('error', reject);
      req.write('a'.repeat(70_000));
      setTimeout(() => req.end('b'.repeat(30_000)), 50);
    });
    expect(text).toBe('chunked:100000');
  });

  it('passes Expect: 100-continue to the backend and relays its 100', async () => {
    const got100 = await new Promise<boolean>((resolve, reject) => {
      let continued = false;
      const req = request(
        {
          host: '127.0.0.1',
          port: rp.port,
          method: 'PUT',
          path: '/put',
          agent: false,
          headers: { Host: 'a.test', Expect: '100-continue', 'Content-Length': '5' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(continued));
        },
      );
      req.on('continue', () => {
        continued = true;
        req.end('hello');
      });
      req.on('error', reject);
    });
    expect(got100).toBe(true);
    expect(b.seen.at(-1)!.body).toBe('hello');
  });

  it('answers HEAD with the backend’s headers and no body', async () => {
    const res = await fetchVia(rp.port, '/h', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('1234');
    expect(res.body).toBe('');
  });

  it('lets an exchange in flight finish when it closes', async () => {
    const pending = fetchVia(rp.port, '/slow');
    await expect.poll(() => release !== null, { timeout: 5000 }).toBe(true);
    const closing = rp.close();
    setTimeout(() => release?.(), 200);
    const res = await pending;
    expect(res.body).toBe('first half, second half');
    await closing;
    await expect(fetchVia(rp.port, '/')).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('reverse: the engine’s client guards hold on a reverse listener', () => {
  it('answers 408 to a client that never finishes its headers (slowloris)', async () => {
    const b = await startBackend('never');
    const rp = await startReverse({ routes: [{ backends: [b.url] }] }, { timeouts: { headersMs: 600, drainMs: 200 } });
    try {
      const { rawExchange, statusOf } = await import('../proxy/helpers/raw-client.js');
      const started = Date.now();
      const res = await rawExchange(rp.port, 'GET / HTTP/1.1\r\nHost: a.test\r\nX-Slow: 1\r\n', { waitMs: 5000 });
      expect(statusOf(res.text)).toBe(408);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(b.seen).toHaveLength(0);
    } finally {
      await rp.close();
      await b.kill();
    }
  });
});

describe('reverse: a silent backend', () => {
  it('gets 504 after the upstream timeout, with a page naming the public address only', async () => {
    const b = await startBackend('silent', { handler: () => true });
    const rp = await startReverse({ routes: [{ backends: [b.url] }] }, { timeouts: { upstreamIdleMs: 300 } });
    try {
      const res = await fetchVia(rp.port, '/wait', { host: 'slow.test' });
      expect(res.status).toBe(504);
      expect(res.body).toContain('slow.test');
      expect(res.body).not.toContain(String(b.port));
    } finally {
      await rp.close();
      await b.kill();
    }
  });
});

describe('reverse: a visitor naming the listener itself', () => {
  it('is served, not taken for a loop (the Host names the door, never a place to dial)', async () => {
    const b = await startBackend('self');
    const rp = await startReverse({ routes: [{ backends: [b.url] }] });
    try {
      const res = await fetchVia(rp.port, '/', { host: `127.0.0.1:${rp.port}` });
      expect(res.status).toBe(200);
      expect(b.seen.at(-1)!.headers.host).toBe(`127.0.0.1:${rp.port}`);
    } finally {
      await rp.close();
      await b.kill();
    }
  });
});
