import { once } from 'node:events';
import type { LookupFunction, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/net.js';
import { viaProxy } from './helpers/client.js';
import { type Origin, startHttpOrigin, startRawOrigin } from './helpers/origins.js';
import { startProxy, type TestProxy } from './helpers/proxy.js';
import { rawExchange, statusOf } from './helpers/raw-client.js';

/** Resolves `*.test` names: `missing.test` and names with odd characters fail, the rest go to 127.0.0.1. */
const testLookup: LookupFunction = (hostname, options, callback) => {
  if (hostname.startsWith('missing') || hostname.includes('"')) {
    const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    callback(err, '', 4);
    return;
  }
  if ((options as { all?: boolean }).all) {
    (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [
      { address: '127.0.0.1', family: 4 },
    ]);
  } else callback(null, '127.0.0.1', 4);
};

describe('error answers', () => {
  let origin: Origin;
  let proxy: TestProxy;
  let base: string;

  beforeAll(async () => {
    origin = await startHttpOrigin((req, res) => res.end(`ok ${req.url}`));
    proxy = await startProxy({
      lookup: testLookup,
      timeouts: { headersMs: 600, upstreamIdleMs: 800, clientIdleMs: 400 },
    });
    base = `http://127.0.0.1:${origin.port}`;
  });

  afterAll(async () => {
    await proxy.close();
    await origin.close();
  });

  it('answers a malformed request with 400', async () => {
    const res = await rawExchange(proxy.port, 'THIS IS NOT HTTP\r\n\r\n');
    expect(statusOf(res.text)).toBe(400);
    expect(res.text).toContain('malformed');
  });

  it('answers oversized headers with 431', async () => {
    const big = 'x'.repeat(20 * 1024);
    const res = await rawExchange(proxy.port, `GET ${base}/ HTTP/1.1\r\nHost: x\r\nX-Big: ${big}\r\n\r\n`);
    expect(statusOf(res.text)).toBe(431);
  });

  it('answers 408 when the headers do not arrive within the header timeout', async () => {
    const res = await rawExchange(proxy.port, `GET ${base}/slow HTTP/1.1\r\nHost: x\r\n`, { waitMs: 15_000 });
    expect(statusOf(res.text)).toBe(408);
    expect(res.ending).not.toBe('open');
  });

  it('closes idle keep-alive client connections after the idle timeout', async () => {
    const res = await rawExchange(proxy.port, `GET ${base}/idle HTTP/1.1\r\nHost: x\r\n\r\n`, { waitMs: 15_000 });
    expect(statusOf(res.text)).toBe(200);
    expect(res.ending).not.toBe('open');
  });

  it('answers 502 naming the host when DNS fails', async () => {
    const res = await viaProxy(proxy.port, 'http://missing.test/');
    expect(res.status).toBe(502);
    expect(res.body.toString()).toContain('missing.test');
    // the host, not "the name missing.test:80", and what to do about it
    expect(res.body.toString()).toContain(
      'The name missing.test could not be found (DNS). Check the address for a typo, or your network&#39;s DNS.',
    );
    expect(res.headers['x-veil-error']).toBe('E_UPSTREAM_DNS');
    expect((await proxy.nextRecord((r) => r.host === 'missing.test')).error).toBe('E_UPSTREAM_DNS');
  });

  it('HTML-escapes what error pages echo', async () => {
    const res = await viaProxy(proxy.port, `http://missing'&x.test/`);
    expect(res.status).toBe(502);
    const page = res.body.toString();
    expect(page).toContain('missing&#39;&amp;');
    expect(page).not.toContain(`missing'&`);
  });

  it('answers 502 when the origin refuses the connection', async () => {
    const port = await freePort();
    const res = await viaProxy(proxy.port, `http://127.0.0.1:${port}/`);
    expect(res.status).toBe(502);
    expect(res.body.toString()).toContain(`127.0.0.1:${port}`);
    expect(res.body.toString()).toContain('refused');
  });

  it('answers 504 when the origin stays silent past its timeout', async () => {
    const silent = await startRawOrigin(() => {});
    try {
      const res = await viaProxy(proxy.port, `http://127.0.0.1:${silent.port}/`);
      expect(res.status).toBe(504);
    } finally {
      await silent.close();
    }
  });

  it('cuts the client connection when the origin resets mid-response', async () => {
    const resetting = await startRawOrigin((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
      setTimeout(() => socket.resetAndDestroy(), 50);
    });
    try {
      const res = await rawExchange(proxy.port, `GET http://127.0.0.1:${resetting.port}/ HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(statusOf(res.text)).toBe(200);
      expect(res.text).toContain('hello');
      // no terminating chunk: the body cannot be mistaken for a complete one, and the connection is gone
      expect(res.text).not.toContain('0\r\n\r\n');
      expect(res.ending).not.toBe('open');
      const err = await viaProxy(proxy.port, `http://127.0.0.1:${resetting.port}/`).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
    } finally {
      await resetting.close();
    }
  });

  it('answers a malformed upstream response with 502 and relays none of it', async () => {
    const broken = await startRawOrigin((socket) => {
      socket.end('HTTP/1.1 200 OK\r\nBroken Header Line\r\nContent-Length: 6\r\n\r\nsecret');
    });
    try {
      const res = await viaProxy(proxy.port, `http://127.0.0.1:${broken.port}/`);
      expect(res.status).toBe(502);
      expect(res.body.toString()).not.toContain('secret');
    } finally {
      await broken.close();
    }
  });

  it('aborts the upstream request and frees its socket when the client leaves mid-body', async () => {
    let resolveAborted: (v: string) => void = () => {};
    const aborted = new Promise<string>((r) => {
      resolveAborted = r;
    });
    let resolveStarted: () => void = () => {};
    const bodyStarted = new Promise<void>((r) => {
      resolveStarted = r;
    });
    const sink = await startHttpOrigin((req) => {
      let got = 0;
      req.on('data', (c: Buffer) => {
        got += c.length;
        resolveStarted();
      });
      req.on('close', () => {
        if (!req.complete) resolveAborted(`aborted after ${got}`);
      });
    });
    try {
      const s: Socket = (await import('node:net')).connect(proxy.port, '127.0.0.1');
      await once(s, 'connect');
      s.write(`POST http://127.0.0.1:${sink.port}/up HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n`);
      s.write(Buffer.alloc(256 * 1024));
      // leave only once the body is flowing to the origin, however slowly the machine runs
      await bodyStarted;
      s.destroy();
      expect(await aborted).toMatch(/^aborted after/);
      // the upstream socket is closed, not left in the pool or hanging
      await expect
        .poll(() => sink.connections > 0 && (sink.server as { _connections?: number })._connections, { timeout: 5000 })
        .toBe(0);
      const rec = await proxy.nextRecord((r) => r.url.endsWith('/up'));
      expect(rec.error, JSON.stringify(rec)).toBe('E_CLIENT_GONE');
    } finally {
      await sink.close();
    }
  });

  it('aborts the upstream response when the client leaves mid-download', async () => {
    let resolveClosed: (v: boolean) => void = () => {};
    const closed = new Promise<boolean>((r) => {
      resolveClosed = r;
    });
    const slow = await startHttpOrigin((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      const timer = setInterval(() => res.write(Buffer.alloc(1024)), 20);
      res.on('close', () => {
        clearInterval(timer);
        resolveClosed(res.writableFinished);
      });
    });
    try {
      const res = await rawExchange(proxy.port, `GET http://127.0.0.1:${slow.port}/ HTTP/1.1\r\nHost: x\r\n\r\n`, {
        until: (t) => t.length > 4096,
      });
      expect(statusOf(res.text)).toBe(200);
      expect(await closed).toBe(false);
    } finally {
      await slow.close();
    }
  });

  it('answers 508 for a request addressed to Veil itself', async () => {
    const res = await viaProxy(proxy.port, `http://127.0.0.1:${proxy.port}/`);
    expect(res.status).toBe(508);
    const viaName = await viaProxy(proxy.port, `http://localhost:${proxy.port}/x`);
    expect(viaName.status).toBe(508);
  });

  it('tells an origin-form client that this is Veil and how to configure it', async () => {
    const res = await rawExchange(proxy.port, 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    expect(statusOf(res.text)).toBe(400);
    expect(res.text).toContain('This is Veil');
    expect(res.text).toContain('curl -x');
  });

  it('refuses https:// targets in absolute form with a pointer to CONNECT', async () => {
    const res = await viaProxy(proxy.port, 'https://127.0.0.1/');
    expect(res.status).toBe(400);
    expect(res.body.toString()).toContain('CONNECT');
  });
});

describe('connection cap', () => {
  it('refuses connections beyond maxConnections and reports it', async () => {
    const proxy = await startProxy({ maxConnections: 2 });
    const errors: string[] = [];
    proxy.engine.on('error', (e) => errors.push(e.code));
    const net = await import('node:net');
    const held: Socket[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const s = net.connect(proxy.port, '127.0.0.1');
        await once(s, 'connect');
        held.push(s);
      }
      await expect.poll(() => proxy.engine.connectionCount).toBe(2);
      const res = await rawExchange(proxy.port, 'GET http://127.0.0.1:1/ HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(res.text).toBe('');
      expect(res.ending).not.toBe('open');
      expect(errors).toContain('E_TOO_MANY_CONNECTIONS');
    } finally {
      for (const s of held) s.destroy();
      await proxy.close();
    }
  });
});

describe('upstream framing', () => {
  it('never relays a Content-Length that contradicts a chunked upstream body', async () => {
    const origin = await startRawOrigin((socket) => {
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
    });
    const proxy = await startProxy();
    try {
      const res = await rawExchange(proxy.port, `GET http://127.0.0.1:${origin.port}/ HTTP/1.1\r\nHost: x\r\n\r\n`, {
        until: (t) => t.includes('\r\n0\r\n\r\n') || /^HTTP\/1\.1 502/.test(t),
      });
      const status = statusOf(res.text);
      if (status === 200) {
        // relayed: then framed by chunking alone
        expect(res.text).not.toMatch(/content-length/i);
        expect(res.text).toContain('hello');
      } else {
        expect(status).toBe(502);
      }
    } finally {
      await proxy.close();
      await origin.close();
    }
  });
});
