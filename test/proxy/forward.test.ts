import { execFile } from 'node:child_process';
import { Agent } from 'node:http';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBody, viaProxy } from './helpers/client.js';
import { type Origin, startHttpOrigin } from './helpers/origins.js';
import { startProxy, type TestProxy } from './helpers/proxy.js';
import { rawExchange, statusOf } from './helpers/raw-client.js';

const run = promisify(execFile);

describe('forwarding absolute-form HTTP', () => {
  let origin: Origin;
  let proxy: TestProxy;
  let base: string;

  beforeAll(async () => {
    origin = await startHttpOrigin(async (req, res) => {
      const path = req.url ?? '/';
      if (path.startsWith('/echo')) {
        const body = await readBody(req).catch(() => Buffer.alloc(0));
        res.setHeader('X-Method', req.method ?? '');
        res.setHeader('X-Body-Length', String(body.length));
        res.setHeader('X-Saw-Trailers', JSON.stringify(req.rawTrailers));
        res.end(body);
      } else if (path === '/headers') {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify(req.rawHeaders));
      } else if (path === '/hop') {
        res.writeHead(200, [
          'Connection',
          'X-Secret-Hop',
          'X-Secret-Hop',
          'leak',
          'Keep-Alive',
          'timeout=5',
          'Proxy-Authenticate',
          'Basic',
          'X-Kept',
          'yes',
          'Content-Length',
          '2',
        ]);
        res.end('ok');
      } else if (path === '/trailers') {
        res.writeHead(200, { Trailer: 'X-Checksum', 'Transfer-Encoding': 'chunked' });
        res.write('part1-');
        res.addTrailers({ 'X-Checksum': 'abc123' });
        res.end('part2');
      } else if (path === '/early-hints') {
        res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
        res.end('hinted');
      } else if (path === '/no-content') {
        res.writeHead(204);
        res.end();
      } else if (path === '/not-modified') {
        res.writeHead(304, { ETag: '"v1"' });
        res.end();
      } else if (path === '/head') {
        res.writeHead(200, { 'Content-Length': '11', 'Content-Type': 'text/plain' });
        res.end(req.method === 'HEAD' ? undefined : 'hello world');
      } else if (path === '/continue') {
        // 'checkContinue' is not set here, so Node's origin answers 100 itself
        const body = await readBody(req).catch(() => Buffer.alloc(0));
        res.end(`got ${body.length}`);
      } else {
        res.setHeader('Content-Type', 'text/plain');
        res.end(`hello from ${path}`);
      }
    });
    origin.server.on('checkContinue', (req, res) => {
      res.writeContinue();
      origin.server.emit('request', req, res);
    });
    proxy = await startProxy();
    base = `http://127.0.0.1:${origin.port}`;
  });

  afterAll(async () => {
    await proxy.close();
    await origin.close();
  });

  it('forwards a GET and relays status, headers and body', async () => {
    const res = await viaProxy(proxy.port, `${base}/hello?q=1`);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('hello from /hello?q=1');
    expect(res.headers['content-type']).toBe('text/plain');
    const rec = await proxy.nextRecord((r) => r.url.endsWith('/hello?q=1'));
    expect(rec.status).toBe(200);
    expect(rec.host).toBe('127.0.0.1');
  });

  it('streams a request body up and the echo back without buffering it whole', async () => {
    const size = 8 * 1024 * 1024;
    let sent = 0;
    const source = new Readable({
      read() {
        if (sent >= size) return this.push(null);
        const n = Math.min(64 * 1024, size - sent);
        sent += n;
        this.push(Buffer.alloc(n, sent % 251));
      },
    });
    const res = await viaProxy(proxy.port, `${base}/echo`, { method: 'POST', body: source });
    expect(res.status).toBe(200);
    expect(res.headers['x-body-length']).toBe(String(size));
    expect(res.body.length).toBe(size);
  });

  it('forwards a chunked request body with its trailers', async () => {
    const res = await rawExchange(
      proxy.port,
      `POST ${base}/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n` +
        '5\r\nhello\r\n6\r\n world\r\n0\r\nX-Digest: sha\r\n\r\n',
    );
    expect(statusOf(res.text)).toBe(200);
    expect(res.text).toContain('X-Body-Length: 11');
    expect(res.text).toContain('hello world');
    expect(res.text).toContain('X-Saw-Trailers: ["X-Digest","sha"]');
  });

  it('frames a chunked GET body for the origin instead of sending raw bytes', async () => {
    const res = await rawExchange(
      proxy.port,
      `GET ${base}/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n` +
        '4\r\nGET \r\n0\r\n\r\n',
    );
    expect(statusOf(res.text)).toBe(200);
    expect(res.text).toContain('X-Body-Length: 4');
  });

  it('relays chunked responses and their trailers', async () => {
    const res = await viaProxy(proxy.port, `${base}/trailers`);
    expect(res.body.toString()).toBe('part1-part2');
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.trailers).toEqual(['X-Checksum', 'abc123']);
  });

  it('keeps the client connection alive and reuses pooled upstream sockets', async () => {
    const before = origin.connections;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    let clientSockets = 0;
    const create = agent.createConnection.bind(agent);
    agent.createConnection = ((...args: Parameters<typeof create>) => {
      clientSockets++;
      return create(...args);
    }) as typeof agent.createConnection;
    for (let i = 0; i < 10; i++) {
      const res = await viaProxy(proxy.port, `${base}/pool-${i}`, { agent });
      expect(res.status).toBe(200);
    }
    agent.destroy();
    // one client connection carried all ten exchanges
    expect(clientSockets).toBe(1);
    // and upstream, one pooled socket at most was opened for them and reused each time
    expect(origin.connections - before).toBeLessThanOrEqual(1);
    const last10 = origin.seen.slice(-10).map((s) => s.socket);
    expect(new Set(last10).size).toBe(1);
  });

  it('strips hop-by-hop headers and every header named in Connection, both ways', async () => {
    const res = await viaProxy(proxy.port, `${base}/headers`, {
      headers: [
        'Host',
        `127.0.0.1:${origin.port}`,
        'Connection',
        'keep-alive, X-Drop-Me',
        'X-Drop-Me',
        'secret',
        'Proxy-Connection',
        'keep-alive',
        'Keep-Alive',
        'timeout=5',
        'TE',
        'trailers',
        'Proxy-Authorization',
        'Basic dTpw',
        'Upgrade',
        'h2c',
        'X-Keep-Me',
        'fine',
      ],
    });
    const sent = (JSON.parse(res.body.toString()) as string[])
      .filter((_, i) => i % 2 === 0)
      .map((n) => n.toLowerCase());
    for (const gone of ['x-drop-me', 'proxy-connection', 'keep-alive', 'te', 'proxy-authorization', 'upgrade']) {
      expect(sent).not.toContain(gone);
    }
    expect(sent).toContain('x-keep-me');
    // Veil announces neither itself nor the client
    for (const added of ['via', 'x-forwarded-for', 'forwarded', 'x-real-ip']) expect(sent).not.toContain(added);

    const back = await viaProxy(proxy.port, `${base}/hop`);
    expect(back.headers['x-secret-hop']).toBeUndefined();
    expect(back.headers['proxy-authenticate']).toBeUndefined();
    expect(back.headers['x-kept']).toBe('yes');
    expect(back.headers.via).toBeUndefined();
  });

  it('sets Host to the authority of the absolute target', async () => {
    const res = await rawExchange(
      proxy.port,
      `GET ${base}/headers HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n`,
    );
    const json = res.text.slice(res.text.indexOf('\r\n\r\n') + 4);
    const body = json.includes('[') ? json.slice(json.indexOf('['), json.lastIndexOf(']') + 1) : '[]';
    const headers = JSON.parse(body) as string[];
    expect(headers[headers.findIndex((h) => h.toLowerCase() === 'host') + 1]).toBe(`127.0.0.1:${origin.port}`);
  });

  it('serves an HTTP/1.0 client and closes its connection after the answer', async () => {
    const res = await rawExchange(proxy.port, `GET ${base}/old HTTP/1.0\r\n\r\n`);
    expect(res.text).toMatch(/^HTTP\/1\.[01] 200/);
    expect(res.text).not.toMatch(/transfer-encoding: chunked/i);
    expect(res.text).toContain('hello from /old');
    expect(res.ending).toBe('end');
  });

  it('passes Expect: 100-continue through and relays the 100 from the origin', async () => {
    const res = await rawExchange(
      proxy.port,
      `POST ${base}/continue HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`,
      { until: (t) => t.includes('100 Continue') },
    );
    expect(res.text).toMatch(/^HTTP\/1\.1 100 Continue/);
    const full = await new Promise<string>((resolve) => {
      // send the body only after the 100 arrives, as a real client does
      import('node:net').then(({ connect }) => {
        const s = connect(proxy.port, '127.0.0.1');
        let text = '';
        s.on('data', (d: Buffer) => {
          text += d.toString();
          if (text.includes('100 Continue') && !text.includes('got')) s.write('hello');
        });
        s.on('close', () => resolve(text));
        s.write(
          `POST ${base}/continue HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`,
        );
      });
    });
    expect(full).toContain('100 Continue');
    expect(full).toContain('got 5');
  });

  it('relays 103 Early Hints before the final answer', async () => {
    const res = await rawExchange(
      proxy.port,
      `GET ${base}/early-hints HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    expect(res.text).toMatch(/^HTTP\/1\.1 103 Early Hints\r\n[\s\S]*Link: <\/style\.css>; rel=preload; as=style/i);
    expect(res.text).toMatch(/\r\n\r\nHTTP\/1\.1 200 OK/);
    expect(res.text).toContain('hinted');
  });

  it('answers HEAD, 204 and 304 without a body', async () => {
    const head = await rawExchange(proxy.port, `HEAD ${base}/head HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(statusOf(head.text)).toBe(200);
    expect(head.text).toContain('Content-Length: 11');
    expect(head.text.endsWith('\r\n\r\n')).toBe(true);
    const empty = await rawExchange(
      proxy.port,
      `GET ${base}/no-content HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    expect(statusOf(empty.text)).toBe(204);
    expect(empty.text.endsWith('\r\n\r\n')).toBe(true);
    expect(empty.text).not.toMatch(/transfer-encoding/i);
    const nm = await rawExchange(
      proxy.port,
      `GET ${base}/not-modified HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    expect(statusOf(nm.text)).toBe(304);
    expect(nm.text).toContain('ETag: "v1"');
    expect(nm.text.endsWith('\r\n\r\n')).toBe(true);
  });

  it('answers OPTIONS with Max-Forwards: 0 itself and decrements it otherwise', async () => {
    const before = origin.seen.length;
    const own = await viaProxy(proxy.port, `${base}/opt`, { method: 'OPTIONS', headers: { 'Max-Forwards': '0' } });
    expect(own.status).toBe(200);
    expect(own.headers.allow).toContain('GET');
    expect(origin.seen.length).toBe(before);
    const fwd = await viaProxy(proxy.port, `${base}/headers`, { method: 'OPTIONS', headers: { 'Max-Forwards': '3' } });
    const sent = JSON.parse(fwd.body.toString()) as string[];
    expect(sent[sent.findIndex((h) => h.toLowerCase() === 'max-forwards') + 1]).toBe('2');
  });

  it('refuses TRACE with 405 and never forwards it', async () => {
    const before = origin.seen.length;
    const res = await viaProxy(proxy.port, `${base}/trace`, { method: 'TRACE' });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBeDefined();
    expect(origin.seen.length).toBe(before);
  });

  it('answers TRACE with Max-Forwards: 0 itself when TRACE is allowed', async () => {
    const open = await startProxy({ allowTrace: true });
    try {
      const before = origin.seen.length;
      const res = await viaProxy(open.port, `${base}/trace`, { method: 'TRACE', headers: { 'Max-Forwards': '0' } });
      expect(res.status).toBe(200);
      expect(origin.seen.length).toBe(before);
    } finally {
      await open.close();
    }
  });

  it('reaches an IPv6 literal target', async () => {
    const { createServer } = await import('node:http');
    const v6 = createServer((req, res) => res.end(`v6 ${req.headers.host}`));
    await new Promise<void>((resolve) => v6.listen(0, '::1', resolve));
    const { port } = v6.address() as { port: number };
    try {
      const res = await viaProxy(proxy.port, `http://[::1]:${port}/six`);
      expect(res.status).toBe(200);
      expect(res.body.toString()).toBe(`v6 [::1]:${port}`);
    } finally {
      v6.close();
    }
  });

  it('works for curl -x', async () => {
    const { stdout } = await run('curl', ['-sS', '-x', proxy.url, '-D', '-', `${base}/curl`]);
    expect(stdout).toMatch(/^HTTP\/1\.1 200/);
    expect(stdout).toContain('hello from /curl');
    const { stdout: posted } = await run('curl', ['-sS', '-x', proxy.url, '--data-binary', 'abcdef', `${base}/echo`]);
    expect(posted).toBe('abcdef');
  });
});
