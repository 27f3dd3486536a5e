import { once } from 'node:events';
import { Agent, request as httpRequest } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type EchoOrigin, headerValue, type RunningVeil, startEchoOrigin, startVeil, viaProxy } from './harness.js';
import { getOver, openTunnel, rawRequest, readHead, wsTextFrame } from './raw-client.js';

// a full build number and an old Windows: what standard's reduction removes
const CLIENT_UA =
  'Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.205 Safari/537.36';
const REFERER = 'https://www.news-site.com/article?id=7';

let origin: EchoOrigin;
const running: RunningVeil[] = [];

beforeAll(async () => {
  origin = await startEchoOrigin();
});
afterAll(async () => {
  await origin.close();
});
afterEach(async () => {
  for (const v of running.splice(0)) await v.stop();
  origin.seen.length = 0;
});

async function veil(settings: Record<string, unknown> = {}): Promise<RunningVeil> {
  const v = await startVeil(settings);
  running.push(v);
  return v;
}

/** The standard profile's visible effects on a third-party request. */
function expectScrubbed(headers: Array<[string, string]>): void {
  expect(headerValue(headers, 'x-forwarded-for')).toBeUndefined();
  expect(headerValue(headers, 'cookie')).toBeUndefined();
  expect(headerValue(headers, 'sec-ch-ua')).toBeUndefined();
  expect(headerValue(headers, 'user-agent')).not.toBe(CLIENT_UA);
  expect(headerValue(headers, 'sec-gpc')).toBe('1');
}

describe('the same policy on every path', () => {
  it('Expect: 100-continue requests', async () => {
    const v = await veil();
    const recorded = v.nextRecord();
    const req = httpRequest({
      host: '127.0.0.1',
      port: v.port,
      method: 'POST',
      path: `http://127.0.0.1:${origin.port}/upload`,
      agent: false,
      headers: {
        Expect: '100-continue',
        'Content-Length': '5',
        'User-Agent': CLIENT_UA,
        Cookie: 'uid=42',
        Referer: REFERER,
        'X-Forwarded-For': '10.1.2.3',
        'Sec-CH-UA': '"x"',
      },
    });
    const continued = once(req, 'continue');
    req.flushHeaders();
    await continued;
    req.end('hello');
    const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
    res.resume();
    await once(res, 'end');
    expect(res.statusCode).toBe(200);
    const seen = origin.seen.at(-1)!;
    expect(seen.body).toBe('hello');
    expect(headerValue(seen.headers, 'expect')).toBe('100-continue');
    expectScrubbed(seen.headers);
    const record = await recorded;
    expect(record.receipt.map((e) => e.header)).toEqual(
      expect.arrayContaining(['User-Agent', 'Cookie', 'X-Forwarded-For', 'Sec-CH-UA', 'Sec-GPC', 'Set-Cookie']),
    );
  });

  it('the second request on a kept-alive client connection', async () => {
    const v = await veil();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const headers = { 'User-Agent': CLIENT_UA, Cookie: 'uid=42', Referer: REFERER, 'X-Forwarded-For': '10.1.2.3' };
    try {
      const first = await viaProxy(v.port, `http://127.0.0.1:${origin.port}/one`, headers, { agent });
      expect(first.status).toBe(200);
      const reused = new Promise<boolean>((resolve) => {
        const req = httpRequest({
          host: '127.0.0.1',
          port: v.port,
          path: `http://127.0.0.1:${origin.port}/two`,
          headers,
          agent,
        });
        req.on('response', (res) => {
          res.resume();
          res.on('end', () => resolve(req.reusedSocket));
        });
        req.end();
      });
      expect(await reused).toBe(true);
    } finally {
      agent.destroy();
    }
    expect(origin.seen.map((s) => s.url)).toEqual(['/one', '/two']);
    for (const seen of origin.seen) expectScrubbed(seen.headers);
  });

  it('WebSocket upgrades (and the socket works after the 101)', async () => {
    const v = await veil();
    const recorded = v.nextRecord();
    const socket = await rawRequest(
      v.port,
      [
        `GET http://127.0.0.1:${origin.port}/ws HTTP/1.1`,
        `Host: 127.0.0.1:${origin.port}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Version: 13',
        `User-Agent: ${CLIENT_UA}`,
        'Origin: https://www.news-site.com',
        'Cookie: uid=42',
        'X-Forwarded-For: 10.1.2.3',
        'Sec-CH-UA: "x"',
        '',
        '',
      ].join('\r\n'),
    );
    try {
      const { head, rest } = await readHead(socket);
      expect(head).toMatch(/^HTTP\/1\.1 101/);
      const seen = origin.seen.at(-1)!;
      expect(seen.url).toBe('/ws');
      expectScrubbed(seen.headers);
      expect(headerValue(seen.headers, 'upgrade')).toBe('websocket');
      socket.resume();
      const reply = new Promise<string>((resolve) => {
        let buf = rest;
        const check = (): void => {
          if (buf.length >= 2 && buf.length >= 2 + buf[1]!) resolve(buf.subarray(2, 2 + buf[1]!).toString());
        };
        check();
        socket.on('data', (c: Buffer) => {
          buf = Buffer.concat([buf, c]);
          check();
        });
      });
      socket.write(wsTextFrame('hi'));
      expect(await reply).toBe('echo:hi');
    } finally {
      socket.destroy();
    }
    const record = await recorded;
    expect(record.kind).toBe('websocket');
    expect(record.receipt.map((e) => e.header)).toEqual(
      expect.arrayContaining(['User-Agent', 'Cookie', 'X-Forwarded-For', 'Sec-CH-UA', 'Sec-GPC']),
    );
  });

  it('the CONNECT request line sent to an upstream carries only Host: no client header crosses', async () => {
    const ports = [origin.port];
    const upstream = await veil({ privacy: { profile: 'transparent' }, proxy: { allowedConnectPorts: ports } });
    const front = await veil({
      proxy: { allowedConnectPorts: ports },
      upstream: { default: `http://127.0.0.1:${upstream.port}` },
    });
    const upstreamRecord = upstream.nextRecord();
    const frontRecord = front.nextRecord();
    const { status, socket } = await openTunnel(front.port, `127.0.0.1:${origin.port}`, [
      `User-Agent: ${CLIENT_UA}`,
      'X-Forwarded-For: 10.1.2.3',
      'Via: 1.1 corp',
      'Cookie: uid=42',
    ]);
    expect(status).toBe(200);
    const answer = await getOver(socket, `127.0.0.1:${origin.port}`, '/through-tunnel');
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(origin.seen.at(-1)!.url).toBe('/through-tunnel');
    const atUpstream = await upstreamRecord;
    expect(atUpstream.kind).toBe('connect');
    expect(atUpstream.url).toBe(`127.0.0.1:${origin.port}`);
    expect(atUpstream.requestHeaders).toEqual([['Host', `127.0.0.1:${origin.port}`]]);
    const atFront = await frontRecord;
    expect(atFront.route).toBe(`http://127.0.0.1:${upstream.port}`);
    expect(atFront.profile).toBe('standard');
  });
});
