import { once } from 'node:events';
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryStore } from '../../proxy-core/src/cache/memory-store.js';
import { createResponseCache, type ResponseCache } from '../../proxy-core/src/cache/response-cache.js';
import type { CacheStore } from '../../proxy-core/src/cache/stored-entry.js';
import { createProxy, type ProxyEngine } from '../../proxy-core/src/proxy/create-proxy.js';
import type { ExchangePolicy } from '../../proxy-core/src/proxy/exchange-policy.js';
import type { ExchangeRecord } from '../../proxy-core/src/proxy/exchange-record.js';

/** A local origin that counts its requests and lets each test decide the answer. */
export interface Origin {
  base: string;
  hits: number;
  /** Request headers of every request the origin saw, in order. */
  seen: IncomingMessage['headers'][];
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  close(): Promise<void>;
}

export async function startOrigin(handler: Origin['handler']): Promise<Origin> {
  const origin: Origin = {
    base: '',
    hits: 0,
    seen: [],
    handler,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server = createServer((req, res) => {
    origin.hits++;
    origin.seen.push(req.headers);
    // tests set Date themselves, so ages and lifetimes do not depend on the wall clock
    res.sendDate = false;
    origin.handler(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return origin;
}

/** A clock the test moves by hand. */
export function manualClock(start = Date.now()): { now: () => number; advance: (seconds: number) => void } {
  let t = start;
  return { now: () => t, advance: (s) => (t += s * 1000) };
}

export interface Veil {
  engine: ProxyEngine;
  cache: ResponseCache;
  port: number;
  records: ExchangeRecord[];
  /** Resolves with the record of the next finished exchange. */
  nextRecord(): Promise<ExchangeRecord>;
  close(): Promise<void>;
}

export interface VeilOptions {
  now?: () => number;
  store?: CacheStore;
  maxBytes?: number;
  maxEntryBytes?: number;
  exposed?: boolean;
  policy?: ExchangePolicy;
}

/** The real engine on a loopback port with the response cache installed. */
export async function startVeil(options: VeilOptions = {}): Promise<Veil> {
  const cache = createResponseCache({
    store: options.store ?? createMemoryStore(options.maxBytes ?? 64 * 1024 * 1024),
    maxEntryBytes: options.maxEntryBytes ?? 16 * 1024 * 1024,
    exposed: options.exposed ?? false,
    ...(options.now ? { now: options.now } : {}),
  });
  const engine = createProxy({ port: 0, cache, ...(options.policy ? { policy: options.policy } : {}) });
  const { port } = await engine.listen();
  const records: ExchangeRecord[] = [];
  const waiters: Array<(r: ExchangeRecord) => void> = [];
  engine.on('exchange', (r) => {
    records.push(r);
    waiters.shift()?.(r);
  });
  return {
    engine,
    cache,
    port,
    records,
    nextRecord: () => new Promise((resolve) => waiters.push(resolve)),
    close: () => engine.close(),
  };
}

export interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  rawHeaders: string[];
  body: string;
  record: ExchangeRecord;
}

/** One request through Veil (absolute-form), with the exchange's record. */
export async function viaVeil(
  veil: Veil,
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  const recorded = veil.nextRecord();
  const { status, headers, rawHeaders, body } = await send(veil.port, url, init);
  return { status, headers, rawHeaders, body, record: await recorded };
}

/** A request through a proxy on `port`, without waiting for a record. */
export function send(
  port: number,
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Omit<Reply, 'record'>> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: init.method ?? 'GET', path: url, headers: init.headers ?? {}, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            rawHeaders: res.rawHeaders,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

/** An HTTP date `seconds` from `now`. */
export function httpDate(now: number, seconds = 0): string {
  return new Date(now + seconds * 1000).toUTCString();
}
