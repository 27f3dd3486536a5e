import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { getHeader, removeHeader } from '../../proxy-core/src/proxy/header-list.js';
import { wsTextFrame } from '../privacy/raw-client.js';
import { type Origin, startHttpOrigin } from './helpers/origins.js';
import { startProxy, type TestProxy } from './helpers/proxy.js';

/** A socket through Veil's CONNECT to `authority`, once Veil said 200; `data` collects what comes after. */
async function tunnel(proxyPort: number, authority: string): Promise<{ socket: Socket; read: () => string }> {
  const socket = connect(proxyPort, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
  let text = '';
  let established = false;
  await new Promise<void>((resolve, reject) => {
    socket.on('data', (c: Buffer) => {
      text += c.toString('latin1');
      if (!established && text.includes('\r\n\r\n')) {
        established = true;
        if (!text.startsWith('HTTP/1.1 200')) reject(new Error(`CONNECT refused: ${text}`));
        text = text.slice(text.indexOf('\r\n\r\n') + 4);
        resolve();
      }
    });
    socket.on('error', reject);
  });
  return { socket, read: () => text };
}

async function until(read: () => string, match: (t: string) => boolean, ms = 5_000): Promise<string> {
  const deadline = Date.now() + ms;
  while (!match(read())) {
    if (Date.now() > deadline) throw new Error(`timed out; got: ${JSON.stringify(read())}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return read();
}

describe('HTTP inside a cleartext CONNECT tunnel', () => {
  let origin: Origin;
  let echo: Server;
  let echoPort: number;
  let greeter: Server;
  let greeterPort: number;
  let wss: WebSocketServer;
  let proxy: TestProxy;

  beforeAll(async () => {
    origin = await startHttpOrigin((req, res) => {
      res.setHeader('Set-Cookie', 'track=1');
      res.end(`origin saw ${req.url} x-track=${getHeader(req.rawHeaders, 'x-track') ?? 'none'}`);
    });
    wss = new WebSocketServer({ server: origin.server as never });
    wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`echo ${m}`)));
    echo = createServer((s) => s.pipe(s));
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    echoPort = (echo.address() as AddressInfo).port;
    // a protocol where the server speaks first: the client waits for it
    greeter = createServer((s) => s.end('220 hello\r\n'));
    greeter.listen(0, '127.0.0.1');
    await once(greeter, 'listening');
    greeterPort = (greeter.address() as AddressInfo).port;
    const ports = [origin.port, echoPort, greeterPort];
    proxy = await startProxy({
      allowedConnectPorts: ports,
      cleartextConnectPorts: ports,
      policy: {
        profileFor: () => 'test-profile',
        checkRequest: (f) =>
          f.url.pathname === '/blocked' ? { kind: 'blocklist', rule: '/blocked', list: 'test list' } : null,
        rewriteRequest: (_f, headers) =>
          removeHeader(headers, 'x-track').map(() => ({
            direction: 'request' as const,
            action: 'removed' as const,
            header: 'X-Track',
            rule: 'test/x-track',
          })),
        rewriteResponse: (_f, _s, headers) => {
          removeHeader(headers, 'set-cookie');
          return [];
        },
      },
    });
  });

  afterAll(async () => {
    await proxy.close();
    wss.close();
    await origin.close();
    echo.close();
    greeter.close();
  });

  it('serves plain requests inside the tunnel through the same pipeline: scrubbed, recorded with the way in', async () => {
    const authority = `127.0.0.1:${origin.port}`;
    const { socket, read } = await tunnel(proxy.port, authority);
    socket.write(`GET /hello?q=1 HTTP/1.1\r\nHost: ${authority}\r\nX-Track: yes\r\n\r\n`);
    const answer = await until(read, (t) => t.includes('origin saw'));
    expect(answer).toContain('origin saw /hello?q=1 x-track=none');
    expect(answer.toLowerCase()).not.toContain('set-cookie');
    // the connection stays open for a second request on it
    socket.write(`GET /second HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
    await until(read, (t) => t.includes('origin saw /second'));
    socket.destroy();
    const rec = await proxy.nextRecord((r) => r.kind === 'http' && r.url === `http://${authority}/hello?q=1`);
    expect(rec.via).toBe('tunnel');
    expect(rec.host).toBe('127.0.0.1');
    expect(rec.status).toBe(200);
    expect(rec.profile).toBe('test-profile');
    expect(rec.receipt.map((e) => e.rule)).toContain('test/x-track');
    const tunnelRec = await proxy.nextRecord((r) => r.kind === 'connect' && r.url === authority);
    expect(tunnelRec.status).toBe(200);
  });

  it('blocks an inner request like a plain one, with the page naming the rule', async () => {
    const authority = `127.0.0.1:${origin.port}`;
    const before = origin.seen.length;
    const { socket, read } = await tunnel(proxy.port, authority);
    socket.write(`GET /blocked HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
    const answer = await until(read, (t) => t.includes('</html>'));
    socket.destroy();
    expect(answer).toMatch(/^HTTP\/1\.1 403 /);
    expect(answer).toContain('/blocked in test list');
    expect(origin.seen.length).toBe(before);
  });

  it('refuses an inner request that names another host, and two Host lines', async () => {
    const authority = `127.0.0.1:${origin.port}`;
    const before = origin.seen.length;
    const a = await tunnel(proxy.port, authority);
    a.socket.write('GET http://elsewhere.test/ HTTP/1.1\r\nHost: elsewhere.test\r\n\r\n');
    expect(await until(a.read, (t) => t.includes('</html>'))).toMatch(/^HTTP\/1\.1 400 /);
    a.socket.destroy();
    const b = await tunnel(proxy.port, authority);
    b.socket.write(`GET / HTTP/1.1\r\nHost: ${authority}\r\nHost: other.test\r\n\r\n`);
    expect(await until(b.read, (t) => t.includes('</html>'))).toMatch(/^HTTP\/1\.1 400 /);
    b.socket.destroy();
    expect(origin.seen.length).toBe(before);
  });

  it('forwards a WebSocket upgrade inside the tunnel (what browsers do for ws://)', async () => {
    const authority = `127.0.0.1:${origin.port}`;
    const { socket, read } = await tunnel(proxy.port, authority);
    const key = Buffer.from('0123456789abcdef').toString('base64');
    socket.write(
      `GET /chat HTTP/1.1\r\nHost: ${authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key}\r\nX-Track: yes\r\n\r\n`,
    );
    const head = await until(read, (t) => t.includes('\r\n\r\n'));
    expect(head).toMatch(/^HTTP\/1\.1 101 /);
    const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    expect(head).toContain(accept);
    socket.write(wsTextFrame('ping'));
    await until(read, (t) => t.includes('echo ping'));
    socket.destroy();
    const rec = await proxy.nextRecord((r) => r.kind === 'websocket' && r.url === `http://${authority}/chat`);
    expect(rec.via).toBe('tunnel');
    expect(rec.status).toBe(101);
    expect(rec.receipt.map((e) => e.rule)).toContain('test/x-track');
  });

  it('splices bytes that are not HTTP blind, as before', async () => {
    const { socket, read } = await tunnel(proxy.port, `127.0.0.1:${echoPort}`);
    socket.write(Buffer.from([0x16, 0x03, 0x01, 0x41, 0x42]));
    await until(read, (t) => t.includes('AB'));
    socket.destroy();
    const rec = await proxy.nextRecord((r) => r.kind === 'connect' && r.url === `127.0.0.1:${echoPort}`);
    expect(rec.bytesUp).toBe(5);
    expect(rec.via).toBeUndefined();
  });

  it('lets a server that speaks first through after a short wait', async () => {
    const { socket, read } = await tunnel(proxy.port, `127.0.0.1:${greeterPort}`);
    await until(read, (t) => t.includes('220 hello'), 5_000);
    socket.destroy();
  });
});

describe('serveHttp: a stream handed to the engine by another way in', () => {
  let origin: Origin;
  let proxy: TestProxy;
  let door: Server;
  let doorPort: number;
  let nextWay: Parameters<TestProxy['engine']['serveHttp']>[1];

  beforeAll(async () => {
    origin = await startHttpOrigin((req, res) => res.end(`origin saw ${req.url}`));
    proxy = await startProxy({});
    // a stand-in for a reverse or transparent listener: its connections go to the engine as they are
    door = createServer((s) => proxy.engine.serveHttp(s, nextWay));
    door.listen(0, '127.0.0.1');
    await once(door, 'listening');
    doorPort = (door.address() as AddressInfo).port;
  });

  afterAll(async () => {
    door.close();
    await proxy.close();
    await origin.close();
  });

  async function ask(request: string): Promise<string> {
    const s = connect(doorPort, '127.0.0.1');
    let text = '';
    s.on('data', (c: Buffer) => {
      text += c.toString('latin1');
    });
    s.write(request);
    const got = await until(
      () => text,
      (t) => /\r\n\r\n[\s\S]*(origin saw|<\/html>)/.test(t),
    );
    s.destroy();
    return got;
  }

  it('routes by Host when the way has no fixed authority, and records the way in', async () => {
    nextWay = { kind: 'transparent', scheme: 'http', authority: null, clientAddress: '192.0.2.7', admitted: true };
    const got = await ask(`GET /by-host HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\n\r\n`);
    expect(got).toContain('origin saw /by-host');
    const rec = await proxy.nextRecord((r) => r.url === `http://127.0.0.1:${origin.port}/by-host`);
    expect(rec.via).toBe('transparent');
    expect(rec.clientAddress).toBe('192.0.2.7');
  });

  it('never sends a decrypted (https) request in cleartext when the route cannot speak TLS', async () => {
    nextWay = {
      kind: 'tls',
      scheme: 'https',
      authority: { host: '127.0.0.1', port: origin.port },
      clientAddress: '127.0.0.1',
      admitted: true,
    };
    const before = origin.seen.length;
    const got = await ask(`GET /secret HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\n\r\n`);
    expect(got).toMatch(/^HTTP\/1\.1 502 /);
    expect(got).toContain('over TLS');
    expect(origin.seen.length).toBe(before);
    const rec = await proxy.nextRecord((r) => r.url === `https://127.0.0.1:${origin.port}/secret`);
    expect(rec.via).toBe('tls');
  });
});
