import { execFile } from 'node:child_process';
import type { LookupFunction } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessControl, isLocalDestination } from '../../proxy-core/src/proxy/access-control.js';
import type { ProxyError } from '../../proxy-core/src/proxy/proxy-error.js';
import { viaProxy } from './helpers/client.js';
import { type Origin, startHttpOrigin } from './helpers/origins.js';
import { startProxy, type TestProxy } from './helpers/proxy.js';
import { rawExchange, statusOf } from './helpers/raw-client.js';

const run = promisify(execFile);
const AUTH = `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;

/** Every name resolves to 127.0.0.1, as a hostile DNS answer for a LAN client would. */
const toLoopback: LookupFunction = (_hostname, options, callback) => {
  if ((options as { all?: boolean }).all) {
    (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [
      { address: '127.0.0.1', family: 4 },
    ]);
  } else callback(null, '127.0.0.1', 4);
};

function refusal(fn: () => void): ProxyError | undefined {
  try {
    fn();
  } catch (err) {
    return err as ProxyError;
  }
  return undefined;
}

describe('access rules', () => {
  it('lets only allow-listed clients use an exposed proxy', () => {
    const access = new AccessControl({
      listenHost: '0.0.0.0',
      allowedClients: ['192.168.1.0/24', 'fd00::/8'],
      allowLoopbackAndLinkLocal: false,
    });
    expect(refusal(() => access.checkClient('192.168.1.7', undefined))).toBeUndefined();
    expect(refusal(() => access.checkClient('::ffff:192.168.1.7', undefined))).toBeUndefined();
    expect(refusal(() => access.checkClient('fd00::5', undefined))).toBeUndefined();
    const outside = refusal(() => access.checkClient('192.168.2.7', undefined));
    expect(outside?.status).toBe(403);
    expect(outside?.message).toContain('192.168.2.7');
    expect(refusal(() => access.checkClient('10.0.0.1', undefined))?.status).toBe(403);
  });

  it('with no allow-list an exposed proxy serves loopback clients only', () => {
    const access = new AccessControl({ listenHost: '0.0.0.0', allowedClients: [], allowLoopbackAndLinkLocal: false });
    expect(refusal(() => access.checkClient('127.0.0.1', undefined))).toBeUndefined();
    expect(refusal(() => access.checkClient('192.168.1.7', undefined))?.status).toBe(403);
  });

  it('asks for Basic proxy credentials with 407', () => {
    const access = new AccessControl({
      listenHost: '127.0.0.1',
      allowedClients: [],
      allowLoopbackAndLinkLocal: false,
      proxyAuth: 'alice:s3cret',
    });
    const missing = refusal(() => access.checkClient('127.0.0.1', undefined));
    expect(missing?.status).toBe(407);
    expect(missing?.headers['Proxy-Authenticate']).toMatch(/^Basic realm=/);
    expect(refusal(() => access.checkClient('127.0.0.1', 'Basic d3Jvbmc6d3Jvbmc='))?.status).toBe(407);
    expect(refusal(() => access.checkClient('127.0.0.1', AUTH))).toBeUndefined();
  });

  it('knows loopback and link-local destinations', () => {
    for (const h of [
      '127.0.0.1',
      '127.8.9.1',
      'localhost',
      'a.localhost',
      '::1',
      '[::1]',
      '169.254.169.254',
      'fe80::1',
      '::ffff:127.0.0.1',
      '0.0.0.0',
    ]) {
      expect(isLocalDestination(h), h).toBe(true);
    }
    for (const h of ['93.184.216.34', 'example.com', '2001:db8::1']) expect(isLocalDestination(h), h).toBe(false);
  });
});

describe('an exposed proxy', () => {
  let origin: Origin;
  let exposed: TestProxy;

  beforeAll(async () => {
    origin = await startHttpOrigin((req, res) => res.end(`origin ${req.url}`));
    // listening on every address turns the guards on; the test client itself is on loopback
    exposed = await startProxy({
      host: '0.0.0.0',
      proxyAuth: 'alice:s3cret',
      lookup: toLoopback,
      allowedConnectPorts: [origin.port],
    });
  });

  afterAll(async () => {
    await exposed.close();
    await origin.close();
  });

  it('answers 407 with Proxy-Authenticate without credentials', async () => {
    const res = await viaProxy(exposed.port, `http://example.test:${origin.port}/`);
    expect(res.status).toBe(407);
    expect(res.headers['proxy-authenticate']).toMatch(/^Basic/);
    const tunnel = await rawExchange(exposed.port, `CONNECT example.test:${origin.port} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(statusOf(tunnel.text)).toBe(407);
    expect(tunnel.text).toMatch(/Proxy-Authenticate: Basic/);
  });

  it('refuses loopback destinations, by address and by a name that resolves there, before connecting', async () => {
    const before = origin.connections;
    const direct = await viaProxy(exposed.port, `http://127.0.0.1:${origin.port}/`, {
      headers: { 'Proxy-Authorization': AUTH },
    });
    expect(direct.status).toBe(403);
    const named = await viaProxy(exposed.port, `http://sneaky.test:${origin.port}/`, {
      headers: { 'Proxy-Authorization': AUTH },
    });
    expect(named.status).toBe(403);
    expect(named.body.toString()).toContain('resolves to 127.0.0.1');
    const tunnel = await rawExchange(
      exposed.port,
      `CONNECT sneaky.test:${origin.port} HTTP/1.1\r\nHost: x\r\nProxy-Authorization: ${AUTH}\r\n\r\n`,
    );
    expect(statusOf(tunnel.text)).toBe(403);
    const linkLocal = await viaProxy(exposed.port, 'http://169.254.169.254/latest/meta-data/', {
      headers: { 'Proxy-Authorization': AUTH },
    });
    expect(linkLocal.status).toBe(403);
    expect(origin.connections).toBe(before);
  });

  it('reaches local destinations when the user allows them, with curl -U', async () => {
    const open = await startProxy({
      host: '0.0.0.0',
      proxyAuth: 'alice:s3cret',
      lookup: toLoopback,
      allowLoopbackAndLinkLocal: true,
    });
    try {
      const { stdout } = await run('curl', [
        '-sS',
        '-x',
        `http://127.0.0.1:${open.port}`,
        '-U',
        'alice:s3cret',
        `http://named.test:${origin.port}/ok`,
      ]);
      expect(stdout).toBe('origin /ok');
    } finally {
      await open.close();
    }
  });
});
