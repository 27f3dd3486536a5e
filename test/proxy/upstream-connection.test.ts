import type { Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionPool } from '../../proxy-core/src/proxy/connection-pool.js';
import { dialTcp } from '../../proxy-core/src/proxy/direct-upstream.js';
import { serializeRequestHead as requestHead } from '../../proxy-core/src/proxy/head-codec.js';
import { HTTPParser, responseParser } from '../../proxy-core/src/proxy/llhttp.js';
import { viaProxy } from './helpers/client.js';
import { startRawOrigin } from './helpers/origins.js';
import { startProxy, type TestProxy } from './helpers/proxy.js';
import { rawExchange, statusOf } from './helpers/raw-client.js';

/** A raw origin that answers each request on a connection with `answer(n, request)`, n counting from 1. */
async function scriptedOrigin(answer: (n: number, request: string, socket: Socket) => void) {
  let requests = 0;
  const origin = await startRawOrigin((socket, first) => {
    let n = 0;
    const onRequest = (chunk: Buffer): void => {
      n++;
      requests++;
      answer(n, chunk.toString('latin1'), socket);
    };
    onRequest(first);
    socket.on('data', onRequest);
  });
  return { origin, requests: () => requests };
}

const OK = (body: string): string => `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

describe('upstream connections', () => {
  let proxy: TestProxy;

  beforeAll(async () => {
    proxy = await startProxy();
  });

  afterAll(async () => {
    await proxy.close();
  });

  it("has Node's llhttp binding, strict, for upstream responses", () => {
    const seen: Array<number | string> = [];
    const parser = responseParser(16 * 1024, {
      onHeaders: () => {},
      onHeadersComplete: (_a, _b, _h, _m, _u, status) => {
        seen.push(status);
        return 0;
      },
      onBody: (chunk) => seen.push(chunk.toString()),
      onMessageComplete: () => seen.push('end'),
    });
    expect(parser.execute(Buffer.from(OK('hi')))).toBeTypeOf('number');
    expect(seen).toEqual([200, 'hi', 'end']);
    // obs-fold is refused, as the lenient parser would not
    const strict = responseParser(16 * 1024, {
      onHeaders: () => {},
      onHeadersComplete: () => 0,
      onBody: () => {},
      onMessageComplete: () => {},
    });
    const result = strict.execute(Buffer.from('HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\nContent-Length: 0\r\n\r\n'));
    expect(result).toBeInstanceOf(Error);
    expect(HTTPParser.RESPONSE).toBeTypeOf('number');
  });

  it('writes the request head with names spelled and ordered as given, and refuses what cannot be sent', () => {
    const head = requestHead('GET', '/a?b=1', ['Host', 'example.test', 'X-MiXeD', 'v', 'accept', '*/*']);
    expect(head).toBe('GET /a?b=1 HTTP/1.1\r\nHost: example.test\r\nX-MiXeD: v\r\naccept: */*\r\n\r\n');
    expect(() => requestHead('GET', '/', ['X-Bad', 'a\r\nInjected: 1'])).toThrow(/X-Bad/);
    expect(() => requestHead('GET', '/', ['Bad Name', 'v'])).toThrow(/Bad Name/);
    expect(() => requestHead('GET', '/ HTTP/1.1\r\n', [])).toThrow(/target/);
  });

  it('retries a GET once on a fresh connection when a kept-alive one turns out dead', async () => {
    // the origin drops every connection at its second request, as one closing an idle socket would
    const { origin, requests } = await scriptedOrigin((n, _req, socket) => {
      if (n === 1) socket.write(OK('first'));
      else socket.destroy();
    });
    try {
      const url = `http://127.0.0.1:${origin.port}/`;
      expect((await viaProxy(proxy.port, url)).body.toString()).toBe('first');
      const second = await viaProxy(proxy.port, url);
      expect(second.status).toBe(200);
      expect(second.body.toString()).toBe('first');
      expect(requests()).toBe(3);
      expect(origin.connections).toBe(2);
    } finally {
      await origin.close();
    }
  });

  it('never retries a POST on a dead kept-alive connection: the client gets 502', async () => {
    const { origin, requests } = await scriptedOrigin((n, _req, socket) => {
      if (n === 1) socket.write(OK('first'));
      else socket.destroy();
    });
    try {
      const url = `http://127.0.0.1:${origin.port}/`;
      await viaProxy(proxy.port, url);
      const post = await viaProxy(proxy.port, url, { method: 'POST' });
      expect(post.status).toBe(502);
      expect(requests()).toBe(2);
    } finally {
      await origin.close();
    }
  });

  it('does not reuse a connection that sent bytes nobody asked for', async () => {
    const { origin } = await scriptedOrigin((n, _req, socket) => {
      // a second, unsolicited answer after the first: the connection is out of step
      if (n === 1) socket.write(OK('one') + OK('smuggled'));
      else socket.write(OK(`again ${n}`));
    });
    try {
      const url = `http://127.0.0.1:${origin.port}/`;
      expect((await viaProxy(proxy.port, url)).body.toString()).toBe('one');
      // a fresh connection answers 'one' again; the old one would have given 'smuggled' or 'again 2'
      const next = await viaProxy(proxy.port, url);
      expect(next.body.toString()).toBe('one');
      expect(origin.connections).toBe(2);
    } finally {
      await origin.close();
    }
  });

  it('reads a body delimited by the connection closing, and never pools that connection', async () => {
    const { origin } = await scriptedOrigin((_n, _req, socket) => {
      socket.end('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end');
    });
    try {
      const url = `http://127.0.0.1:${origin.port}/`;
      expect((await viaProxy(proxy.port, url)).body.toString()).toBe('until the end');
      expect((await viaProxy(proxy.port, url)).body.toString()).toBe('until the end');
      expect(origin.connections).toBe(2);
    } finally {
      await origin.close();
    }
  });

  it('answers 502 when the origin switches protocols on a plain request', async () => {
    const { origin } = await scriptedOrigin((_n, _req, socket) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: evil\r\nConnection: Upgrade\r\n\r\nraw bytes');
    });
    try {
      const res = await viaProxy(proxy.port, `http://127.0.0.1:${origin.port}/`);
      expect(res.status).toBe(502);
      expect(res.body.toString()).not.toContain('raw bytes');
    } finally {
      await origin.close();
    }
  });

  it('relays a large Content-Length body intact and reuses the connection after it', async () => {
    const big = Buffer.alloc(300 * 1024 + 7);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) % 251;
    const { origin } = await scriptedOrigin((n, _req, socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${big.length}\r\nX-N: ${n}\r\n\r\n`);
      // in pieces, so the body arrives over several reads
      socket.write(big.subarray(0, 1000));
      setTimeout(() => socket.write(big.subarray(1000)), 20);
    });
    try {
      const url = `http://127.0.0.1:${origin.port}/`;
      const first = await viaProxy(proxy.port, url);
      expect(first.body.equals(big)).toBe(true);
      const second = await viaProxy(proxy.port, url);
      expect(second.body.equals(big)).toBe(true);
      expect(second.headers['x-n']).toBe('2');
      expect(origin.connections).toBe(1);
    } finally {
      await origin.close();
    }
  });

  it('cuts the client when a large body breaks off before its Content-Length', async () => {
    const { origin } = await scriptedOrigin((_n, _req, socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${200 * 1024}\r\n\r\n`);
      socket.end(Buffer.alloc(100 * 1024, 0x61));
    });
    try {
      const err = await viaProxy(proxy.port, `http://127.0.0.1:${origin.port}/`).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      const rec = await proxy.nextRecord((r) => r.url.includes(String(origin.port)) && r.error !== undefined);
      expect(rec.error).toBe('E_UPSTREAM_RESET');
    } finally {
      await origin.close();
    }
  });

  it('never pools a connection that sent more than a large body announced', async () => {
    const { origin } = await scriptedOrigin((_n, _req, socket) => {
      const body = Buffer.alloc(100 * 1024, 0x62);
      socket.write(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body]));
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsmuggled');
    });
    try {
      const url = `http://127.0.0.1:${origin.port}/`;
      expect((await viaProxy(proxy.port, url)).body.length).toBe(100 * 1024);
      const next = await viaProxy(proxy.port, url);
      expect(next.body.toString()).not.toContain('smuggled');
      expect(origin.connections).toBe(2);
    } finally {
      await origin.close();
    }
  });

  it('closes idle pooled connections after the free timeout, and hands out live ones before', async () => {
    const { origin } = await scriptedOrigin(() => {});
    const pool = new ConnectionPool((host, port, ms) => dialTcp(host, port, ms), { freeTimeoutMs: 300 });
    try {
      const { conn } = await pool.open('127.0.0.1', origin.port, 5000);
      pool.putBack('127.0.0.1', origin.port, conn);
      expect(pool.take('127.0.0.1', origin.port)).toBe(conn);
      pool.putBack('127.0.0.1', origin.port, conn);
      const closed = new Promise((resolve) => conn.socket.once('close', resolve));
      await closed;
      expect(conn.destroyed).toBe(true);
      expect(pool.take('127.0.0.1', origin.port)).toBeNull();
    } finally {
      pool.destroy();
      await origin.close();
    }
  });

  it('relays an answer that comes before the request body ends, then closes that upstream connection', async () => {
    let originSideClosed!: Promise<unknown>;
    const { origin } = await scriptedOrigin((n, _req, socket) => {
      if (n > 1) return;
      originSideClosed = new Promise((resolve) => socket.once('close', resolve));
      socket.write('HTTP/1.1 413 Payload Too Large\r\nContent-Length: 8\r\n\r\ntoo big!');
    });
    const body = new PassThrough();
    try {
      body.write(Buffer.alloc(1000, 0x61));
      // the body never ends: the client is still uploading when the answer arrives
      const res = await viaProxy(proxy.port, `http://127.0.0.1:${origin.port}/upload`, {
        method: 'POST',
        headers: { 'Content-Length': '1000000' },
        body,
      });
      expect(res.status).toBe(413);
      expect(res.body.toString()).toBe('too big!');
      await originSideClosed;
    } finally {
      body.destroy();
      await origin.close();
    }
  });

  it('sends the head the client sent: names spelled and ordered as they were, Host in its place, in one write', async () => {
    let head = '';
    let writes = 0;
    const { origin } = await scriptedOrigin((_n, request, socket) => {
      head = request;
      writes++;
      socket.write(OK('ok'));
    });
    try {
      const request = [
        `GET http://127.0.0.1:${origin.port}/fp?q=1 HTTP/1.1`,
        'host: 127.0.0.1',
        'user-agent: Fingerprint/1.0',
        'Accept: */*',
        'Proxy-Connection: keep-alive',
        'aCCept-LANGUAGE: en',
        'X-Custom-Header: kept',
        '',
        '',
      ].join('\r\n');
      const answer = await rawExchange(proxy.port, request, { until: (t) => t.includes('\r\n\r\nok') });
      expect(statusOf(answer.text)).toBe(200);
      expect(head).toBe(
        [
          'GET /fp?q=1 HTTP/1.1',
          `host: 127.0.0.1:${origin.port}`,
          'user-agent: Fingerprint/1.0',
          'Accept: */*',
          'aCCept-LANGUAGE: en',
          'X-Custom-Header: kept',
          '',
          '',
        ].join('\r\n'),
      );
      expect(writes).toBe(1);
    } finally {
      await origin.close();
    }
  });
});
