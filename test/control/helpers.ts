import { once } from 'node:events';
import type { Agent, Server } from 'node:http';
import WebSocket from 'ws';
import type { ExchangeRecord } from '../../proxy-core/src/control/contract.js';
import type { WsServerMessage } from '../../proxy-core/src/control/ws-protocol.js';

import { startHttpOrigin } from '../support/origins.js';
import { viaProxy as getViaProxy } from '../support/proxy-client.js';

export { freePort, tempDir } from '../support/net.js';

/** A local origin answering `hello <path>` with a few headers. */
export async function startOrigin(): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const origin = await startHttpOrigin((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'X-Origin': 'yes' });
    res.end(`hello ${req.url}`);
  });
  return { server: origin.server as Server, url: `http://127.0.0.1:${origin.port}`, close: origin.close };
}

/** GET an absolute URL through the proxy; resolves with status and body as text. */
export async function viaProxy(
  proxyPort: number,
  url: string,
  options: { agent?: Agent; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: string; reused: boolean }> {
  const res = await getViaProxy(proxyPort, url, {
    headers: { ...options.headers },
    ...(options.agent ? { agent: options.agent } : {}),
  });
  return { status: res.status, body: res.body.toString('utf8'), reused: res.reused };
}

/** A synthetic record, for feeding the traffic feature directly. */
export function fakeRecord(id: number, over: Partial<ExchangeRecord> = {}): ExchangeRecord {
  return {
    id,
    state: 'done',
    startedAt: Date.UTC(2026, 10, 30, 9, 0, 0) + id,
    clientAddress: '127.0.0.1',
    method: 'GET',
    url: `http://example.com/item/${id}?q=secret`,
    host: 'example.com',
    kind: 'http',
    httpVersion: '1.1',
    status: 200,
    bytesUp: 0,
    bytesDown: 100,
    timings: { dns: 1, connect: 2, firstByte: 10, total: 12 },
    route: 'direct',
    requestHeaders: [
      ['Host', 'example.com'],
      ['Cookie', 'id=1'],
    ],
    forwardedRequestHeaders: [['Host', 'example.com']],
    responseHeaders: [['Content-Type', 'text/html']],
    forwardedResponseHeaders: [['Content-Type', 'text/html']],
    receipt: [
      { direction: 'request', action: 'removed', header: 'Cookie', oldValue: 'id=1', rule: 'standard/cookies' },
    ],
    ...over,
  };
}

/** A WebSocket client speaking ws-protocol: `call()` commands, `next()` awaits a message. */
export interface TestClient {
  ws: WebSocket;
  messages: WsServerMessage[];
  call(command: string, args?: unknown): Promise<WsServerMessage & { id: number | string | null }>;
  send(message: unknown): void;
  next(match: (m: WsServerMessage) => boolean, timeoutMs?: number): Promise<WsServerMessage>;
  close(): Promise<void>;
}

/** Opens a client; rejects with the HTTP status when the upgrade is refused. */
export async function connect(url: string, headers: Record<string, string> = {}): Promise<TestClient> {
  const ws = new WebSocket(url, { headers });
  const messages: WsServerMessage[] = [];
  const waiters: Array<{ match: (m: WsServerMessage) => boolean; resolve: (m: WsServerMessage) => void }> = [];
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString()) as WsServerMessage;
    messages.push(m);
    for (const w of [...waiters]) {
      if (w.match(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () =>
        reject(Object.assign(new Error(`refused ${res.statusCode}: ${body}`), { status: res.statusCode })),
      );
    });
    ws.once('error', reject);
  });
  let seq = 0;
  const client: TestClient = {
    ws,
    messages,
    send: (message) => ws.send(JSON.stringify(message)),
    next(match, timeoutMs = 10_000) {
      const seen = messages.find(match);
      if (seen) {
        messages.splice(messages.indexOf(seen), 1);
        return Promise.resolve(seen);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no matching message in time')), timeoutMs);
        waiters.push({
          match,
          resolve: (m) => {
            clearTimeout(timer);
            messages.splice(messages.indexOf(m), 1);
            resolve(m);
          },
        });
      });
    },
    async call(command, args) {
      const id = ++seq;
      client.send(args === undefined ? { id, command } : { id, command, args });
      return (await client.next((m) => 'id' in m && m.id === id)) as WsServerMessage & { id: number };
    },
    async close() {
      if (ws.readyState === WebSocket.CLOSED) return;
      ws.close();
      await once(ws, 'close');
    },
  };
  return client;
}
