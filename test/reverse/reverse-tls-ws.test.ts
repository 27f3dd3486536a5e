import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startBackend, type TestBackend } from './backends.js';
import { fetchVia, nameOf, type RunningReverse, startReverse, waitFor } from './harness.js';
import { makeTestCa, type TestCa } from './test-ca.js';

let ca: TestCa;
beforeAll(() => {
  ca = makeTestCa();
});

describe('reverse: TLS on both sides', () => {
  let plain: TestBackend;
  let secure: TestBackend;
  let rp: RunningReverse;
  beforeAll(async () => {
    [plain, secure] = await Promise.all([startBackend('plain'), startBackend('secure', { tls: ca })]);
    const def = ca.leaf('default', ['default.test']);
    const a = ca.leaf('a', ['a.test']);
    const b = ca.leaf('b', ['*.b.test', 'b.test']);
    rp = await startReverse({
      listeners: [{ address: '127.0.0.1', port: 0, tls: { ...def, sni: { 'a.test': a, '*.b.test': b } } }],
      routes: [
        { host: 'secure.test', ca: ca.caFile, backends: [secure.url] },
        { host: 'unverified.test', backends: [secure.url] },
        { backends: [plain.url] },
      ],
    });
  });
  afterAll(async () => {
    await rp.close();
    await Promise.all([plain.kill(), secure.kill()]);
  });

  function peerCertCn(servername: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const s = tlsConnect({ host: '127.0.0.1', port: rp.port, servername, ca: ca.caPem }, () => {
        resolve(String(s.getPeerCertificate().subject.CN));
        s.destroy();
      });
      s.on('error', reject);
    });
  }

  it('serves the certificate of each SNI name, and the default one otherwise', async () => {
    expect(await peerCertCn('a.test')).toBe('a.test');
    expect(await peerCertCn('x.b.test')).toBe('*.b.test');
    expect(await peerCertCn('default.test')).toBe('default.test');
    const res = await fetchVia(rp.port, '/', { host: 'a.test', tls: { ca: ca.caPem, servername: 'a.test' } });
    expect(nameOf(res)).toBe('plain');
    expect(plain.seen.at(-1)!.headers['x-forwarded-proto']).toBe('https');
  });

  it('verifies an HTTPS backend against the route’s CA', async () => {
    const res = await fetchVia(rp.port, '/', { host: 'secure.test', tls: { ca: ca.caPem, servername: 'a.test' } });
    expect(res.status).toBe(200);
    expect(nameOf(res)).toBe('secure');
  });

  it('never goes on silently to a backend whose certificate does not verify', async () => {
    const before = secure.seen.length;
    const res = await fetchVia(rp.port, '/', { host: 'unverified.test', tls: { ca: ca.caPem, servername: 'a.test' } });
    expect(res.status).toBe(503);
    expect(res.body).not.toContain(String(secure.port));
    expect(secure.seen.length).toBe(before);
  });
});

describe('reverse: WebSocket and streaming', () => {
  let b: TestBackend;
  let rp: RunningReverse;
  beforeAll(async () => {
    b = await startBackend('ws', {
      websocket: true,
      handler: (req, res) => {
        if (req.url !== '/events') return undefined;
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
        res.write('data: one\n\n');
        setTimeout(() => res.end('data: two\n\n'), 600);
        return true;
      },
    });
    rp = await startReverse({
      routes: [{ pathPrefix: '/live', stripPrefix: true, backends: [b.url] }, { backends: [b.url] }],
    });
  });
  afterAll(async () => {
    await rp.close();
    await b.kill();
  });

  function echoOnce(path: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${rp.port}${path}`);
      ws.on('open', () => ws.send('ping'));
      ws.on('message', (m) => {
        ws.close();
        resolve(String(m));
      });
      ws.on('error', reject);
    });
  }

  it('passes a WebSocket upgrade through, with the route’s prefix stripped', async () => {
    expect(await echoOnce('/ws')).toBe('ping');
    expect(await echoOnce('/live/ws')).toBe('ping');
  });

  it('relays a refused upgrade and closes both sides', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${rp.port}/nope`);
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
      });
      ws.on('open', () => reject(new Error('opened')));
      ws.on('error', () => {});
    });
    expect(status).toBe(403);
    await waitFor(() => rp.proxy.connectionCount === 0, 3000, 'client side closed');
    await waitFor(() => rp.proxy.status().routes[1]!.backends[0]!.active === 0, 3000, 'lease released');
  });

  it('streams server-sent events as they come', async () => {
    const started = Date.now();
    const firstAt = await new Promise<number>((resolve, reject) => {
      request(
        { host: '127.0.0.1', port: rp.port, path: '/events', agent: false, headers: { Host: 'app.test' } },
        (res) => {
          res.once('data', () => resolve(Date.now() - started));
          res.resume();
        },
      )
        .on('error', reject)
        .end();
    });
    expect(firstAt).toBeLessThan(500);
  });

  it('1,000 WebSocket open/close cycles leave the file-descriptor count where it began', async () => {
    const fds = (): number => readdirSync('/proc/self/fd').length;
    await echoOnce('/ws');
    await waitFor(() => rp.proxy.connectionCount === 0, 3000, 'quiet');
    const before = fds();
    for (let round = 0; round < 100; round++) {
      await Promise.all(Array.from({ length: 10 }, () => echoOnce('/ws')));
    }
    await waitFor(() => rp.proxy.connectionCount === 0, 5000, 'all closed');
    await waitFor(() => fds() <= before + 2, 5000, `fd count back near ${before}`);
    expect(fds()).toBeLessThanOrEqual(before + 2);
  }, 60_000);
});
