import { connect as netConnect, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OriginalDestination } from '../../proxy-core/src/transparent/original-destination.js';
import { type Origin, startHttpOrigin, startHttpsOrigin, startRawOrigin } from '../proxy/helpers/origins.js';
import { startProxy, type TestProxy } from '../proxy/helpers/proxy.js';

/**
 * The transparent listener on loopback, with the original destination given by the test instead
 * of conntrack (the network-namespace test covers conntrack and the firewall): what the engine does
 * with a redirected connection.
 */
let http: Origin;
let https: Origin & { cert: string };
let veil: TestProxy;
let destination: OriginalDestination | null = null;
const names: Record<string, string[]> = { 'origin.test': ['127.0.0.1'], 'elsewhere.test': ['192.0.2.7'] };

beforeAll(async () => {
  http = await startHttpOrigin((req, res) => {
    const body = JSON.stringify({ url: req.url, headers: req.rawHeaders });
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'max-age=600',
      'Content-Length': String(Buffer.byteLength(body)),
    });
    res.end(body);
  });
  https = await startHttpsOrigin((_req, res) => res.end('secret origin'));
  veil = await startProxy({
    timeouts: { headersMs: 800 },
    policy: {
      rewriteRequest(_facts, headers) {
        // a stand-in for the privacy profile: enough to see the pipeline ran
        const i = headers.findIndex((h, n) => n % 2 === 0 && h.toLowerCase() === 'x-forwarded-for');
        if (i < 0) return [];
        headers.splice(i, 2);
        return [{ direction: 'request', action: 'removed', header: 'X-Forwarded-For', rule: 'test' }];
      },
    },
    transparent: {
      port: 0,
      originalDestination: async () => destination,
      resolve: async (host) => {
        const found = names[host];
        if (!found) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
        return found;
      },
    },
  });
});
afterAll(async () => {
  await veil.close();
  await http.close();
  await https.close();
});
afterEach(() => {
  destination = null;
  veil.records.length = 0;
});

const transparentPort = (): number => veil.engine.transparentAddress!.port;

function rawRequest(head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(transparentPort(), '127.0.0.1');
    let out = '';
    socket.on('data', (d) => {
      out += d.toString('latin1');
    });
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
    socket.write(head);
  });
}

describe('a redirected plain HTTP connection', () => {
  it('goes through the pipeline to its original destination, routed and recorded as transparent', async () => {
    destination = { address: '127.0.0.1', port: http.port };
    const answer = await rawRequest(
      `GET /page?q=1 HTTP/1.1\r\nHost: origin.test:${http.port}\r\nX-Forwarded-For: 10.0.0.9\r\nConnection: close\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    const seen = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { url: string; headers: string[] };
    expect(seen.url).toBe('/page?q=1');
    expect(seen.headers).toContain(`origin.test:${http.port}`);
    expect(seen.headers.map((h) => h.toLowerCase())).not.toContain('x-forwarded-for');
    const rec = await veil.nextRecord((r) => r.kind === 'http');
    expect(rec).toMatchObject({
      via: 'transparent',
      url: `http://origin.test:${http.port}/page?q=1`,
      host: 'origin.test',
      originalDestination: `127.0.0.1:${http.port}`,
      status: 200,
    });
    expect(rec.hostMismatch).toBeUndefined();
    expect(rec.receipt.map((e) => e.header)).toContain('X-Forwarded-For');
  });

  it('a Host that does not resolve to the original destination still goes there, recorded as a mismatch', async () => {
    destination = { address: '127.0.0.1', port: http.port };
    const answer = await rawRequest('GET /forged HTTP/1.1\r\nHost: elsewhere.test\r\nConnection: close\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(answer).toContain('"/forged"');
    const rec = await veil.nextRecord((r) => r.kind === 'http');
    expect(rec.hostMismatch).toBe(true);
    expect(rec.originalDestination).toBe(`127.0.0.1:${http.port}`);
  });

  it('without an original destination it is routed by its Host', async () => {
    const answer = await rawRequest(
      `GET /by-host HTTP/1.1\r\nHost: 127.0.0.1:${http.port}\r\nConnection: close\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(answer).toContain('"/by-host"');
  });

  it('a connection whose original destination is Veil itself is closed and recorded as a loop', async () => {
    destination = { address: '127.0.0.1', port: transparentPort() };
    const answer = await rawRequest('GET / HTTP/1.1\r\nHost: origin.test\r\n\r\n');
    expect(answer).toBe('');
    const rec = await veil.nextRecord((r) => r.error === 'E_LOOP');
    expect(rec.via).toBe('transparent');
  });

  it('a silent client is closed at the deadline', async () => {
    const socket = netConnect(transparentPort(), '127.0.0.1');
    const started = Date.now();
    await new Promise((r) => socket.once('close', r));
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    expect(Date.now() - started).toBeLessThan(3000);
    const rec = await veil.nextRecord((r) => r.error === 'E_HEADER_TIMEOUT');
    expect(rec.via).toBe('transparent');
  });
});

describe('a redirected TLS connection', () => {
  function tlsThrough(servername: string | undefined): Promise<{ cert: string; body: string }> {
    return new Promise((resolve, reject) => {
      const socket: Socket = netConnect(transparentPort(), '127.0.0.1', () => {
        const tls = tlsConnect({
          socket,
          ca: https.cert,
          ...(servername ? { servername } : {}),
          checkServerIdentity: () => undefined,
        });
        let body = '';
        tls.on('secureConnect', () => tls.write(`GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
        tls.on('data', (d) => {
          body += d.toString();
        });
        tls.on('close', () => resolve({ cert: tls.getPeerX509Certificate()?.toString() ?? '', body }));
        tls.on('error', reject);
      });
      socket.on('error', reject);
    });
  }

  it('is tunnelled blind by its SNI to the original destination: the client sees the origin’s own certificate', async () => {
    destination = { address: '127.0.0.1', port: https.port };
    const { body } = await tlsThrough('origin.test');
    expect(body).toContain('secret origin');
    const rec = await veil.nextRecord((r) => r.kind === 'connect' && r.status === 200);
    expect(rec).toMatchObject({
      via: 'transparent',
      host: 'origin.test',
      originalDestination: `127.0.0.1:${https.port}`,
    });
    expect(rec.bytesDown).toBeGreaterThan(0);
  });

  it('with no SNI and no original destination it is refused with a record', async () => {
    await expect(tlsThrough(undefined)).rejects.toThrow();
    const rec = await veil.nextRecord((r) => r.error === 'E_NO_DESTINATION');
    expect(rec.via).toBe('transparent');
  });
});

/** A real ClientHello, as Node's TLS client writes it, captured without any network. */
async function clientHello(servername: string, alpnBytes: number): Promise<Buffer> {
  let captured: Buffer | null = null;
  const sink = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, done) {
      captured ??= Buffer.from(chunk);
      done();
    },
  });
  const protocols = Array.from({ length: Math.ceil(alpnBytes / 200) }, (_, i) => `${'p'.repeat(195)}${i}`);
  const tls = tlsConnect({ socket: sink, servername, ALPNProtocols: protocols });
  tls.on('error', () => {});
  while (!captured) await sleep(5);
  tls.destroy();
  return captured;
}

describe('a redirected ClientHello split over several segments and larger than one MTU', () => {
  it('is read whole: the tunnel goes by its SNI and the origin gets every byte in order', async () => {
    const received: Buffer[] = [];
    const raw = await startRawOrigin((socket, first) => {
      received.push(first);
      socket.on('data', (d: Buffer) => received.push(d));
    });
    try {
      destination = { address: '127.0.0.1', port: raw.port };
      const hello = await clientHello('origin.test', 3000);
      expect(hello.length).toBeGreaterThan(1500);
      const socket = netConnect(transparentPort(), '127.0.0.1');
      socket.setNoDelay(true);
      await new Promise((r) => socket.once('connect', r));
      for (let i = 0; i < hello.length; i += 700) {
        socket.write(hello.subarray(i, i + 700));
        await sleep(40);
      }
      const deadline = Date.now() + 5000;
      while (Buffer.concat(received).length < hello.length && Date.now() < deadline) await sleep(20);
      expect(Buffer.concat(received).equals(hello)).toBe(true);
      socket.destroy();
      const rec = await veil.nextRecord((r) => r.kind === 'connect' && r.status === 200);
      expect(rec.host).toBe('origin.test');
    } finally {
      await raw.close();
    }
  });
});
