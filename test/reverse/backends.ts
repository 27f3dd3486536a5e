import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import type { TestCa } from './test-ca.js';

/** What a test backend saw of one request. */
export interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  raw: string[];
  body: string;
}

/** A local backend on 127.0.0.1 that answers with its name and records every request. */
export interface TestBackend {
  name: string;
  port: number;
  url: string;
  seen: Seen[];
  /** Requests being handled now. */
  inFlight: number;
  /** Connections accepted so far. */
  connections: number;
  /** When (epoch ms) the peer (Veil) closed its side of a connection, one entry per connection. */
  peerEnded: number[];
  /** Stops it: closes the listener and every connection (a backend killed mid-test). */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  revive(): Promise<void>;
}

export interface BackendOptions {
  /** Answer after this many ms (a slow backend). */
  delayMs?: number;
  /** Custom answers by path; the default answers JSON with the name and what was seen. */
  handler?: (req: IncomingMessage, res: ServerResponse, body: string) => boolean | undefined;
  /** HTTPS with a leaf from this CA for 127.0.0.1 and localhost. */
  tls?: TestCa;
  /** Accept WebSocket upgrades on /ws and echo. */
  websocket?: boolean;
}

export async function startBackend(name: string, opts: BackendOptions = {}): Promise<TestBackend> {
  const sockets = new Set<Socket>();
  let server: Server;
  const make = (): Server => {
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => {
        body += c;
      });
      req.on('end', () => {
        b.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, raw: req.rawHeaders, body });
        b.inFlight++;
        const answer = (): void => {
          res.once('close', () => b.inFlight--);
          if (opts.handler?.(req, res, body)) return;
          const text = JSON.stringify({ name, method: req.method, url: req.url, headers: req.headers, body });
          res.writeHead(200, {
            'Content-Type': 'application/json',
            Server: `test-backend/${name}`,
            'X-Powered-By': 'vitest',
          });
          res.end(text);
        };
        if (opts.delayMs) setTimeout(answer, opts.delayMs);
        else answer();
      });
    };
    let s: Server;
    if (opts.tls) {
      const files = opts.tls.leaf(`backend-${name}`, ['localhost', '127.0.0.1']);
      s = createHttpsServer(
        { cert: readFileSync(files.cert), key: readFileSync(files.key) },
        onRequest,
      ) as unknown as Server;
    } else {
      s = createServer(onRequest);
    }
    s.on('connection', (sock: Socket) => {
      b.connections++;
      sock.once('end', () => b.peerEnded.push(Date.now()));
      sockets.add(sock);
      sock.once('close', () => sockets.delete(sock));
    });
    if (opts.websocket) {
      const wss = new WebSocketServer({ noServer: true });
      s.on('upgrade', (req, socket, head) => {
        if (req.url !== '/ws') {
          socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 7\r\nConnection: close\r\n\r\nrefused');
          return;
        }
        wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (m, binary) => ws.send(m, { binary })));
      });
    }
    return s;
  };
  const b: TestBackend = {
    name,
    port: 0,
    url: '',
    seen: [],
    inFlight: 0,
    connections: 0,
    peerEnded: [],
    async kill() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
    async revive() {
      server = make();
      server.listen(b.port, '127.0.0.1');
      await once(server, 'listening');
    },
  };
  server = make();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  b.port = (server.address() as AddressInfo).port;
  b.url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${b.port}`;
  return b;
}
