import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer, type WebSocket as WsClient } from 'ws';
import { type Origin, startHttpOrigin, startHttpsOrigin } from './helpers/origins.js';
import { startProxy, type TestProxy } from './helpers/proxy.js';
import { rawExchange, statusOf } from './helpers/raw-client.js';

const run = promisify(execFile);

/** Opens a CONNECT tunnel through the proxy and resolves with the raw socket and the proxy's answer head. */
function openConnect(proxyPort: number, authority: string): Promise<{ socket: Socket; status: number; head: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: authority, agent: false });
    req.on('connect', (res, socket) => resolve({ socket, status: res.statusCode ?? 0, head: '' }));
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
      });
      res.on('end', () => resolve({ socket: res.socket, status: res.statusCode ?? 0, head: body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('CONNECT tunnels', () => {
  let https: Origin & { cert: string };
  let proxy: TestProxy;
  let certDir: string;

  beforeAll(async () => {
    https = await startHttpsOrigin((req, res) => {
      if (req.url === '/big') {
        res.writeHead(200, { 'Content-Length': String(4 * 1024 * 1024) });
        res.end(Buffer.alloc(4 * 1024 * 1024, 7));
        return;
      }
      res.end(`secure ${req.url}`);
    });
    proxy = await startProxy({ allowedConnectPorts: [443, https.port] });
    certDir = mkdtempSync(join(tmpdir(), 'veil-ca-'));
    writeFileSync(join(certDir, 'ca.pem'), https.cert);
  });

  afterAll(async () => {
    await proxy.close();
    await https.close();
    rmSync(certDir, { recursive: true, force: true });
  });

  it('splices TLS byte for byte to an allowed port', async () => {
    const { socket, status } = await openConnect(proxy.port, `127.0.0.1:${https.port}`);
    expect(status).toBe(200);
    const tls = tlsConnect({ socket, servername: 'localhost', ca: https.cert });
    await once(tls, 'secureConnect');
    tls.write(`GET /big HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
    let got = 0;
    tls.on('data', (c: Buffer) => {
      got += c.length;
    });
    await once(tls, 'end');
    expect(got).toBeGreaterThan(4 * 1024 * 1024);
    const rec = await proxy.nextRecord((r) => r.kind === 'connect' && r.bytesDown > 4 * 1024 * 1024);
    expect(rec.status).toBe(200);
    expect(rec.bytesUp).toBeGreaterThan(0);
  });

  it('works for curl -x with https://', async () => {
    const { stdout } = await run('curl', [
      '-sS',
      '--cacert',
      join(certDir, 'ca.pem'),
      '-x',
      proxy.url,
      `https://localhost:${https.port}/curl`,
    ]);
    expect(stdout).toBe('secure /curl');
  });

  it('refuses other ports with 403 naming the port', async () => {
    const res = await rawExchange(proxy.port, 'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n');
    expect(statusOf(res.text)).toBe(403);
    expect(res.text).toContain('port 22');
  });

  it('refuses the default ports only unless configured: 8443 is allowed by default', async () => {
    const defaults = await startProxy();
    try {
      const res = await rawExchange(defaults.port, `CONNECT 127.0.0.1:${https.port} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(statusOf(res.text)).toBe(403);
      expect(res.text).toContain(`port ${https.port}`);
      expect(res.text).toContain('443, 8443');
    } finally {
      await defaults.close();
    }
  });

  it('answers 400 for a malformed CONNECT target and 502 when the target refuses', async () => {
    const bad = await rawExchange(proxy.port, 'CONNECT nonsense HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(statusOf(bad.text)).toBe(400);
    const closed = await startProxy({ allowedConnectPorts: [1] });
    try {
      const refused = await rawExchange(closed.port, 'CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(statusOf(refused.text)).toBe(502);
    } finally {
      await closed.close();
    }
  });

  it('answers 508 for a tunnel to Veil itself', async () => {
    const probe = await startProxy();
    const port = probe.port;
    await probe.close();
    const loop = await startProxy({ port, allowedConnectPorts: [port] });
    try {
      const res = await rawExchange(loop.port, `CONNECT localhost:${port} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(statusOf(res.text)).toBe(508);
    } finally {
      await loop.close();
    }
  });

  it('closes the client side when the target closes', async () => {
    const { socket } = await openConnect(proxy.port, `127.0.0.1:${https.port}`);
    const ended = once(socket, 'close');
    // garbage instead of a TLS hello: the origin hangs up, and the tunnel with it
    socket.write('not tls\r\n\r\n');
    await ended;
    expect(socket.destroyed).toBe(true);
  });
});

describe('WebSocket through the proxy', () => {
  let origin: Origin;
  let wss: WebSocketServer;
  let proxy: TestProxy;

  beforeAll(async () => {
    origin = await startHttpOrigin((_req, res) => res.end('plain'));
    wss = new WebSocketServer({ server: origin.server as import('node:http').Server });
    wss.on('connection', (ws, req) => {
      ws.send(`hello ${req.url}`);
      ws.on('message', (m) => ws.send(`echo ${m.toString()}`));
    });
    proxy = await startProxy();
  });

  afterAll(async () => {
    await proxy.close();
    wss.close();
    await origin.close();
  });

  function wsViaProxy(url: string): WsClient {
    // ws has no proxy option: route its handshake to Veil with absolute-form via a custom connection
    return new WebSocket(url, {
      createConnection: () => netConnect(proxy.port, '127.0.0.1'),
      finishRequest: (req: import('node:http').ClientRequest) => {
        // the head is serialized lazily, so the absolute-form target can still be set here
        req.path = url.replace(/^ws:/, 'http:');
        req.end();
      },
    });
  }

  it('upgrades and relays messages both ways', async () => {
    const ws = wsViaProxy(`ws://127.0.0.1:${origin.port}/chat`);
    const messages: string[] = [];
    ws.on('message', (m) => {
      messages.push(m.toString());
      if (messages.length === 1) ws.send('ping');
      if (messages.length === 2) ws.close();
    });
    await once(ws, 'close');
    expect(messages[0]).toMatch(/^hello /);
    expect(messages[1]).toBe('echo ping');
    const rec = await proxy.nextRecord((r) => r.kind === 'websocket');
    expect(rec.status).toBe(101);
  });

  it('relays a refusal from the origin and closes', async () => {
    const res = await rawExchange(
      proxy.port,
      `GET http://127.0.0.1:${origin.port}/x HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`,
    );
    expect(statusOf(res.text)).toBe(400);
    expect(res.ending).not.toBe('open');
  });

  it('forwards a request offering another upgrade (h2c) as a plain one, without the offer', async () => {
    const res = await rawExchange(
      proxy.port,
      `GET http://127.0.0.1:${origin.port}/h2c HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n`,
    );
    expect(statusOf(res.text)).toBe(200);
    expect(res.text).toContain('plain');
    expect(res.ending).not.toBe('open');
    const seen = origin.seen.find((s) => s.url === '/h2c');
    const names = (seen?.headers ?? []).filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
    expect(names).not.toContain('upgrade');
    expect(names).not.toContain('http2-settings');
  });

  it('refuses a non-WebSocket upgrade that carries a body', async () => {
    const res = await rawExchange(
      proxy.port,
      `POST http://127.0.0.1:${origin.port}/x HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nContent-Length: 4\r\n\r\nbody`,
    );
    expect(statusOf(res.text)).toBe(400);
    expect(res.text).toContain('WebSocket');
  });
});
