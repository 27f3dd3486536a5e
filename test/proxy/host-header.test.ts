import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Origin, startHttpOrigin } from './helpers/origins.js';
import { startProxy, type TestProxy } from './helpers/proxy.js';
import { rawExchange } from './helpers/raw-client.js';

// RFC 9112 §3.2: two Host lines, or a Host that is not host[:port], get 400 and go nowhere
describe('Host header checks on every way in', () => {
  let origin: Origin;
  let proxy: TestProxy;

  beforeAll(async () => {
    origin = await startHttpOrigin((_req, res) => res.end('reached'));
    proxy = await startProxy({ allowedConnectPorts: [origin.port] });
  });
  afterAll(async () => {
    await proxy.close();
    await origin.close();
  });

  const cases: Array<[string, string]> = [
    ['two Host lines', 'Host: a.test\r\nHost: b.test\r\n'],
    ['a Host with a path', 'Host: a.test/evil\r\n'],
    ['a Host with a space', 'Host: a.test b.test\r\n'],
    ['a Host with user info', 'Host: user@a.test\r\n'],
  ];

  for (const [what, lines] of cases) {
    it(`answers 400 to a plain request with ${what}, and forwards nothing`, async () => {
      const before = origin.seen.length;
      const res = await rawExchange(
        proxy.port,
        `GET http://127.0.0.1:${origin.port}/ HTTP/1.1\r\n${lines}Connection: close\r\n\r\n`,
      );
      expect(res.text).toMatch(/^HTTP\/1\.1 400 /);
      expect(res.text).toMatch(/Host/);
      expect(origin.seen.length).toBe(before);
    });
  }

  it('answers 400 to CONNECT with two Host lines, and opens no tunnel', async () => {
    const before = origin.connections;
    const authority = `127.0.0.1:${origin.port}`;
    const res = await rawExchange(
      proxy.port,
      `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\nHost: x.test\r\n\r\n`,
    );
    expect(res.text).toMatch(/^HTTP\/1\.1 400 /);
    expect(origin.connections).toBe(before);
  });

  it('answers 400 to a WebSocket upgrade with two Host lines', async () => {
    const res = await rawExchange(
      proxy.port,
      `GET http://127.0.0.1:${origin.port}/ws HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: MDEyMzQ1Njc4OWFiY2RlZg==\r\n\r\n',
    );
    expect(res.text).toMatch(/^HTTP\/1\.1 400 /);
  });

  it('still forwards a valid Host with a port and an IPv6 literal form', async () => {
    const ok = await rawExchange(
      proxy.port,
      `GET http://127.0.0.1:${origin.port}/ HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\nConnection: close\r\n\r\n`,
    );
    expect(ok.text).toMatch(/^HTTP\/1\.1 200 /);
    const v6 = await rawExchange(
      proxy.port,
      `GET http://127.0.0.1:${origin.port}/ HTTP/1.1\r\nHost: [::1]:${origin.port}\r\nConnection: close\r\n\r\n`,
    );
    expect(v6.text).toMatch(/^HTTP\/1\.1 200 /);
  });
});
