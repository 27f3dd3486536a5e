import { request } from 'node:http';
import type { LookupFunction } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Origin, startHttpOrigin } from './helpers/origins.js';
import { startProxy, type TestProxy } from './helpers/proxy.js';

/** A non-loopback IPv4 address of this machine: listening there makes the engine "exposed". */
function lanAddress(): string | null {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return null;
}

// every name resolves to loopback: the DNS guard of an exposed engine must refuse it
const toLoopback: LookupFunction = (_hostname, options, callback) => {
  if (options.all)
    (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [
      { address: '127.0.0.1', family: 4 },
    ]);
  else callback(null, '127.0.0.1', 4);
};

const lan = lanAddress();
let origin: Origin;
let proxy: TestProxy | undefined;

beforeAll(async () => {
  origin = await startHttpOrigin((_req, res) => res.end('reached'));
  if (!lan) return;
  proxy = await startProxy({ host: lan, allowedClients: [`${lan}/32`], lookup: toLoopback });
});
afterAll(async () => {
  await proxy?.close();
  await origin.close();
});

/** GET through the engine on its LAN address; resolves with the status. */
function get(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: lan!, port: proxy!.port, path: url, headers, agent: false });
    req.on('error', reject);
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.end();
  });
}

describe('reconfigure() on an exposed engine', () => {
  it('applies the private-destination guard and proxy credentials to the next request', async () => {
    if (!proxy) {
      console.warn('skipping: needs a non-loopback IPv4 address to make the engine exposed');
      return;
    }
    const url = `http://sneaky.test:${origin.port}/x`;
    expect(await get(url)).toBe(403);
    expect((await proxy.nextRecord((r) => r.error === 'E_DESTINATION_NOT_ALLOWED')).host).toBe('sneaky.test');
    expect(origin.seen).toEqual([]);

    // the direct route's DNS guard follows the new rule, not the one the engine was built with
    proxy.engine.reconfigure({ allowLoopbackAndLinkLocal: true });
    expect(await get(url)).toBe(200);
    expect(origin.seen.map((s) => s.url)).toEqual(['/x']);

    proxy.engine.reconfigure({ proxyAuth: 'user:pass' });
    expect(await get(url)).toBe(407);
    const auth = `Basic ${Buffer.from('user:pass').toString('base64')}`;
    expect(await get(url, { 'Proxy-Authorization': auth })).toBe(200);
    proxy.engine.reconfigure({ proxyAuth: null });
    expect(await get(url)).toBe(200);

    // a bad client range is refused and leaves the rules as they were
    expect(() =>
      proxy!.engine.reconfigure({ allowedClients: ['not-a-cidr'], allowLoopbackAndLinkLocal: false }),
    ).toThrow(/not an IP address/);
    expect(await get(url)).toBe(200);
  });
});
