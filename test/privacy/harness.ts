import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import type { Feature, FeatureFactory } from '../../proxy-core/src/control/feature.js';
import { builtInFeatures } from '../../proxy-core/src/control/features/index.js';
import { privacyFeature } from '../../proxy-core/src/control/features/privacy-feature.js';
import { routingFeature } from '../../proxy-core/src/control/features/routing-feature.js';
import { createService, type VeilService } from '../../proxy-core/src/control/service.js';
import { settingsSchema } from '../../proxy-core/src/control/settings-schema.js';
import { createMemoryStore } from '../../proxy-core/src/control/settings-store.js';
import type { ExchangeRecord } from '../../proxy-core/src/proxy/exchange-record.js';
import { toPairs } from '../../proxy-core/src/proxy/header-list.js';
import { viaProxy as sendViaProxy } from '../support/proxy-client.js';

/** What the echo origin saw for one request. */
export interface Seen {
  method: string;
  url: string;
  /** Raw header pairs as received. */
  headers: Array<[string, string]>;
  /** Bytes of the request body. */
  body: string;
  /** The local port of the connection (same port ⇒ same kept-alive connection). */
  remotePort: number;
}

export interface EchoOrigin {
  port: number;
  seen: Seen[];
  close(): Promise<void>;
}

/**
 * An origin that answers every request with the headers it received (JSON), sets two
 * cookies (one persistent, one session), speaks WebSocket and honours Expect: 100-continue.
 */
export async function startEchoOrigin(): Promise<EchoOrigin> {
  const seen: Seen[] = [];
  const server: Server = createServer({ joinDuplicateHeaders: false });
  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  const answer = (req: IncomingMessage, res: import('node:http').ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry: Seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: toPairs(req.rawHeaders),
        body: Buffer.concat(chunks).toString(),
        remotePort: req.socket.remotePort ?? 0,
      };
      seen.push(entry);
      const body = JSON.stringify(entry);
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('Set-Cookie', ['track=abc; Max-Age=31536000; Path=/', 'sess=1; Path=/; HttpOnly']);
      res.setHeader('ETag', '"v1"');
      res.end(body);
    });
  };
  server.on('request', answer);
  server.on('checkContinue', (req, res) => {
    res.writeContinue();
    answer(req, res);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      headers: toPairs(req.rawHeaders),
      body: '',
      remotePort: req.socket.remotePort ?? 0,
    });
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (m) => ws.send(`echo:${m.toString()}`));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    async close() {
      for (const c of wss.clients) c.terminate();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Lower-case header names in order, for exact "which headers arrived" assertions. */
export function names(headers: Array<[string, string]>): string[] {
  return headers.map(([n]) => n.toLowerCase());
}

/** The first value of a header, case-insensitively. */
export function headerValue(headers: Array<[string, string]>, name: string): string | undefined {
  return headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
}

export interface RunningVeil {
  service: VeilService;
  port: number;
  /** Every finished exchange, in order. */
  records: ExchangeRecord[];
  /** Resolves with the next finished exchange record. */
  nextRecord(): Promise<ExchangeRecord>;
  stop(): Promise<void>;
}

/**
 * Starts a Veil service on a free loopback port with the given settings: the privacy and
 * routing features plus `extra`, or every built-in feature when `extra` is 'all'.
 */
export async function startVeil(
  settings: Record<string, unknown> = {},
  extra: FeatureFactory[] | 'all' = [],
): Promise<RunningVeil> {
  const records: ExchangeRecord[] = [];
  const waiting: Array<(r: ExchangeRecord) => void> = [];
  const recorder: FeatureFactory = (): Feature => ({
    name: 'test-recorder',
    attach(proxy) {
      proxy.on('exchange', (r) => {
        records.push(r);
        waiting.shift()?.(r);
      });
    },
  });
  const doc = settingsSchema.parse({ ...settings, proxy: { port: 0, ...(settings.proxy as object) } });
  const dataDir = await mkdtemp(join(tmpdir(), 'veil-privacy-'));
  const service = createService({
    store: createMemoryStore(doc),
    dataDir,
    features: extra === 'all' ? [...builtInFeatures, recorder] : [privacyFeature, routingFeature, recorder, ...extra],
    engine: { timeouts: { upstreamConnectMs: 5000, drainMs: 500 } },
  });
  const status = await service.start();
  return {
    service,
    port: status.listening!.port,
    records,
    nextRecord: () => new Promise((resolve) => waiting.push(resolve)),
    async stop() {
      await service.shutdown(2000);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ProxiedResponse {
  status: number;
  headers: Array<[string, string]>;
  body: string;
}

/** Sends one absolute-form request through the proxy at `proxyPort` (test/support's client, answers as text). */
export async function viaProxy(
  proxyPort: number,
  url: string,
  headers: OutgoingHttpHeaders | string[] = {},
  options: { method?: string; body?: string; agent?: import('node:http').Agent | false } = {},
): Promise<ProxiedResponse> {
  // raw header arrays get no automatic Host from Node; a real client always sends one
  const withHost = Array.isArray(headers) ? ['Host', new URL(url).host, ...headers] : headers;
  const res = await sendViaProxy(proxyPort, url, {
    method: options.method ?? 'GET',
    headers: withHost as Record<string, string> | string[],
    ...(options.body !== undefined ? { body: options.body } : {}),
    ...(options.agent ? { agent: options.agent } : {}),
  });
  return { status: res.status, headers: toPairs(res.rawHeaders), body: res.body.toString() };
}
