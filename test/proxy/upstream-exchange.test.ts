import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AccessControl } from '../../proxy-core/src/proxy/access-control.js';
import { DestinationGuard } from '../../proxy-core/src/proxy/destination-guard.js';
import { createDirectUpstream } from '../../proxy-core/src/proxy/direct-upstream.js';
import type { EngineContext } from '../../proxy-core/src/proxy/engine-context.js';
import type { RequestFacts } from '../../proxy-core/src/proxy/exchange-policy.js';
import type { ExchangeRecord } from '../../proxy-core/src/proxy/exchange-record.js';
import { recorderFor } from '../../proxy-core/src/proxy/exchange-recorder.js';
import { DEFAULT_TIMEOUTS } from '../../proxy-core/src/proxy/proxy-options.js';
import type { Upstream } from '../../proxy-core/src/proxy/upstream.js';
import { type ExchangeState, UpstreamExchange } from '../../proxy-core/src/proxy/upstream-exchange.js';
import { rawExchange } from './helpers/raw-client.js';

/**
 * The states of one exchange, watched from a real client, a real front server and a raw
 * origin that says exactly what each step needs, when the test lets it.
 */
let direct: Upstream;
const records: ExchangeRecord[] = [];
const ctx: EngineContext = {
  policy: {},
  cache: null,
  router: () => direct,
  access: new AccessControl({ listenHost: '127.0.0.1', allowedClients: [], allowLoopbackAndLinkLocal: false }),
  guard: new DestinationGuard(),
  timeouts: { ...DEFAULT_TIMEOUTS, upstreamIdleMs: 5_000 },
  allowedConnectPorts: new Set(),
  cleartextConnectPorts: new Set(),
  allowTrace: false,
  isSelf: () => false,
  nextId: (() => {
    let n = 0;
    return () => ++n;
  })(),
  sink: { wanted: () => true, emit: (r) => records.push(r) },
  tunnelInspector: null,
  serveHttp: () => {},
  reportError: () => {},
};

let front: Server;
let frontPort: number;
let origin: NetServer;
let originPort: number;
/** What the origin does with the next connection, and what the test sees of it. */
let onOriginSocket: (socket: Socket) => void = () => {};
let current: UpstreamExchange | null = null;
const states: ExchangeState[] = [];

function exchangeFor(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(`http://127.0.0.1:${originPort}${req.url}`);
  const facts: RequestFacts = {
    kind: 'http',
    method: req.method ?? 'GET',
    url,
    host: '127.0.0.1',
    port: originPort,
    clientAddress: '127.0.0.1',
    headers: [],
  };
  const rec = recorderFor(ctx, 'http', req);
  rec.host = '127.0.0.1';
  current = new UpstreamExchange({ ctx, req, res, rec, facts, forwarded: ['Host', url.host], hasBody: false });
  current.start();
  states.push(current.state);
}

async function until(test: () => boolean, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out in state ${current?.state}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

beforeAll(async () => {
  direct = createDirectUpstream();
  front = createServer(exchangeFor);
  front.listen(0, '127.0.0.1');
  await once(front, 'listening');
  frontPort = (front.address() as AddressInfo).port;
  origin = createNetServer((s) => {
    s.on('error', () => {});
    onOriginSocket(s);
  });
  origin.listen(0, '127.0.0.1');
  await once(origin, 'listening');
  originPort = (origin.address() as AddressInfo).port;
});

afterAll(async () => {
  direct.close();
  front.closeAllConnections();
  front.close();
  origin.close();
});

afterEach(() => {
  direct.close();
  direct = createDirectUpstream();
  states.length = 0;
  current = null;
});

describe('UpstreamExchange states', () => {
  it('connecting → sent → streaming → done, the head held until the first body byte', async () => {
    let originSocket: Socket | null = null;
    onOriginSocket = (s) => {
      originSocket = s;
    };
    const client = rawExchange(frontPort, 'GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await until(() => current !== null);
    expect(states[0]).toBe('connecting');
    await until(() => current!.state === 'sent');
    await until(() => originSocket !== null);
    originSocket!.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n');
    await until(() => current!.state === 'streaming');
    originSocket!.write('hello');
    await until(() => current!.state === 'done');
    const res = await client;
    expect(res.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(res.text.endsWith('hello')).toBe(true);
  });

  it('streaming → failed before anything reached the client: a 502 page naming the origin', async () => {
    onOriginSocket = (s) => {
      s.once('data', () => {
        // a head, then a chunk-size line that is not hex
        s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
        setTimeout(() => s.write('zz\r\nhello\r\n'), 100);
      });
    };
    const client = rawExchange(frontPort, 'GET /bad HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await until(() => current?.state === 'streaming');
    await until(() => current!.state === 'failed');
    const res = await client;
    expect(res.text).toMatch(/^HTTP\/1\.1 502 /);
    expect(res.text).toContain(`127.0.0.1:${originPort} sent a malformed response`);
    expect(records.at(-1)?.error).toBe('E_UPSTREAM_BAD_RESPONSE');
  });

  it('streaming → failed after the body began: the client connection is cut, never ended cleanly', async () => {
    onOriginSocket = (s) => {
      s.once('data', () => {
        s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
        setTimeout(() => s.write('zz\r\n'), 100);
      });
    };
    const res = await rawExchange(frontPort, 'GET /late HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(current!.state).toBe('failed');
    expect(res.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(res.text).toContain('hello');
    expect(res.text).not.toContain('0\r\n\r\n');
  });

  it('sent → failed: an origin that resets before answering gets a 502', async () => {
    onOriginSocket = (s) => s.once('data', () => s.resetAndDestroy());
    const res = await rawExchange(frontPort, 'GET /reset HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(current!.state).toBe('failed');
    expect(res.text).toMatch(/^HTTP\/1\.1 502 /);
  });

  it('sent → connecting → done: a kept-alive connection the origin closed is retried once for a GET', async () => {
    let n = 0;
    onOriginSocket = (s) => {
      n++;
      const first = n === 1;
      s.on('data', () => {
        s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        // the first connection closes right after its first answer, while it sits in the pool
        if (first) setTimeout(() => s.end(), 20);
      });
    };
    const a = await rawExchange(frontPort, 'GET /one HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(a.text).toContain('ok');
    await new Promise((r) => setTimeout(r, 100));
    const b = await rawExchange(frontPort, 'GET /two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(b.text).toMatch(/^HTTP\/1\.1 200 /);
    expect(current!.state).toBe('done');
  });

  it('sent → failed: the client leaving before the answer abandons the exchange', async () => {
    // an origin that never answers; the client leaves first
    onOriginSocket = () => {};
    const client = rawExchange(frontPort, 'GET /gone HTTP/1.1\r\nHost: x\r\n\r\n', { waitMs: 200 });
    await until(() => current?.state === 'sent');
    await client;
    await until(() => current!.state === 'failed');
    expect(records.at(-1)?.error).toBe('E_CLIENT_GONE');
  });
});
