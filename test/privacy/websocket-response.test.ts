import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { shortHash } from '../../proxy-core/src/proxy/record-secrets.js';
import { type RunningVeil, startVeil } from './harness.js';
import { rawRequest, readHead } from './raw-client.js';

// A real ws origin whose 101 sets a cookie and says a hop-by-hop header it must not pass on.
let server: Server;
let wss: WebSocketServer;
let port: number;
const running: RunningVeil[] = [];

beforeAll(async () => {
  server = createServer();
  wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (req.url === '/deny') {
      socket.end(
        'HTTP/1.1 403 Forbidden\r\nSet-Cookie: deny_track=1; Max-Age=31536000\r\nKeep-Alive: timeout=5\r\n' +
          'Content-Length: 4\r\n\r\nnope',
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  wss.on('headers', (headers) => {
    headers.push('Set-Cookie: ws_track=xyz; Max-Age=31536000; Path=/', 'Keep-Alive: timeout=5', 'X-Origin: kept');
  });
  wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`echo:${m.toString()}`)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const c of wss.clients) c.terminate();
  await new Promise<void>((r) => wss.close(() => r()));
  await new Promise<void>((r) => server.close(() => r()));
});
afterEach(async () => {
  for (const v of running.splice(0)) await v.stop();
});

function upgradeHead(path = '/ws'): string {
  return [
    `GET http://127.0.0.1:${port}${path} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
    '',
    '',
  ].join('\r\n');
}

describe('the WebSocket 101 response passes the response policy', () => {
  it('strict privacy removes the Set-Cookie of the upgrade and lists it in the receipt', async () => {
    const v = await startVeil({ privacy: { profile: 'strict' } });
    running.push(v);
    const recorded = v.nextRecord();
    const socket = await rawRequest(v.port, upgradeHead());
    try {
      const { head } = await readHead(socket);
      expect(head).toMatch(/^HTTP\/1\.1 101/);
      expect(head).not.toMatch(/set-cookie/i);
      expect(head).not.toMatch(/keep-alive/i);
      expect(head).toMatch(/^X-Origin: kept$/im);
      expect(head).toMatch(/^Upgrade: websocket$/im);
      expect(head).toMatch(/^Connection: Upgrade$/im);
      expect(head).toMatch(/^Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=$/im);
    } finally {
      socket.destroy();
    }
    const record = await recorded;
    expect(record.kind).toBe('websocket');
    expect(record.status).toBe(101);
    expect(record.receipt).toContainEqual(
      expect.objectContaining({
        direction: 'response',
        action: 'removed',
        header: 'Set-Cookie',
        oldHash: shortHash('ws_track=xyz; Max-Age=31536000; Path=/'),
      }),
    );
    expect(JSON.stringify(record)).not.toContain('ws_track=xyz');
  });

  it('a refused upgrade passes the same cookie rules, keeps its body and closes', async () => {
    const v = await startVeil({ privacy: { profile: 'strict' } });
    running.push(v);
    const recorded = v.nextRecord();
    const socket = await rawRequest(v.port, upgradeHead('/deny'));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    await once(socket, 'end');
    socket.destroy();
    const text = Buffer.concat(chunks).toString('latin1');
    expect(text).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    expect(text).not.toMatch(/set-cookie|keep-alive/i);
    expect(text).toMatch(/^Connection: close$/im);
    expect(text.endsWith('\r\n\r\nnope')).toBe(true);
    const record = await recorded;
    expect(record.status).toBe(403);
    expect(record.receipt).toContainEqual(
      expect.objectContaining({ direction: 'response', action: 'removed', header: 'Set-Cookie' }),
    );
  });

  it('the transparent profile relays the upgrade cookie', async () => {
    const v = await startVeil({ privacy: { profile: 'transparent' } });
    running.push(v);
    const socket = await rawRequest(v.port, upgradeHead());
    try {
      const { head } = await readHead(socket);
      expect(head).toMatch(/^HTTP\/1\.1 101/);
      expect(head).toMatch(/^Set-Cookie: ws_track=xyz; Max-Age=31536000; Path=\/$/im);
    } finally {
      socket.destroy();
    }
  });
});
