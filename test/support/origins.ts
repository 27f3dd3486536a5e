import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfSignedInto } from '../../bench/lib/self-signed.js';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A local origin on 127.0.0.1 that records what it saw and which sockets it accepted. */
export interface Origin {
  port: number;
  /** Requests in arrival order: method, url, raw headers and the socket's ordinal. */
  seen: Array<{ method: string; url: string; headers: string[]; socket: number; body?: Buffer }>;
  /** Sockets accepted so far (to prove pooling). */
  connections: number;
  server: Server | NetServer;
  close(): Promise<void>;
}

async function listen(server: Server | NetServer): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

function track(server: Server | NetServer, origin: { connections: number }, sockets: Set<Socket>): void {
  server.on('connection', (s: Socket) => {
    origin.connections++;
    (s as Socket & { ordinal?: number }).ordinal = origin.connections;
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
}

function closer(server: Server | NetServer, sockets: Set<Socket>): () => Promise<void> {
  return async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}

/** A plain HTTP origin; `handler` answers, every request is recorded first. */
export async function startHttpOrigin(handler: Handler): Promise<Origin> {
  const server = createServer({ keepAliveTimeout: 30_000 });
  const sockets = new Set<Socket>();
  const origin: Origin = { port: 0, seen: [], connections: 0, server, close: closer(server, sockets) };
  track(server, origin, sockets);
  server.on('request', (req, res) => {
    origin.seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.rawHeaders,
      socket: (req.socket as Socket & { ordinal?: number }).ordinal ?? 0,
    });
    handler(req, res);
  });
  origin.port = await listen(server);
  return origin;
}

/** A TCP origin that answers every connection with `onSocket` (for malformed responses and resets). */
export async function startRawOrigin(onSocket: (socket: Socket, firstChunk: Buffer) => void): Promise<Origin> {
  const sockets = new Set<Socket>();
  const server = createNetServer();
  const origin: Origin = { port: 0, seen: [], connections: 0, server, close: closer(server, sockets) };
  track(server, origin, sockets);
  server.on('connection', (socket) => {
    socket.on('error', () => {});
    socket.once('data', (chunk: Buffer) => {
      origin.seen.push({ method: '', url: '', headers: [], socket: origin.connections, body: chunk });
      onSocket(socket, chunk);
    });
  });
  origin.port = await listen(server);
  return origin;
}

let certCache: { key: string; cert: string } | undefined;

/** A self-signed certificate for 127.0.0.1/localhost, made with Debian's openssl. */
export function selfSignedCert(): { key: string; cert: string } {
  if (certCache) return certCache;
  const dir = mkdtempSync(join(tmpdir(), 'veil-cert-'));
  try {
    const made = selfSignedInto(dir, { commonName: 'localhost', subjectAltName: 'DNS:localhost,IP:127.0.0.1' });
    certCache = { key: made.key, cert: made.cert };
    return certCache;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An HTTPS origin with a fresh self-signed certificate. */
export async function startHttpsOrigin(handler: Handler): Promise<Origin & { cert: string }> {
  const { key, cert } = selfSignedCert();
  const server = createHttpsServer({ key, cert }, handler);
  const sockets = new Set<Socket>();
  const origin = { port: 0, seen: [], connections: 0, server, close: closer(server, sockets), cert };
  server.on('connection', (s: Socket) => {
    origin.connections++;
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  origin.port = await listen(server);
  return origin;
}
