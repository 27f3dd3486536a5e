import { request } from 'node:http';
import type { LookupFunction } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Origin, startHttpOrigin } from './helpers/origins.js';
import { startProxy, type TestProxy } from './helpers/proxy.js';

// Listening on every address makes the engine "exposed" without needing a LAN address on this machine;
// the test connects from loopback (always an allowed client) and the allow-list admits no one else.
const EXPOSED_LISTEN = '0.0.0.0';

// every name resolves to loopback: the DNS guard of an exposed engine must refuse it
const toLoopback: LookupFunction = (_hostname, options, callback) => {
  if (options.all)
    (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [
      { address: '127.0.0.1', family: 4 },
    ]);
  else callback(null, '127.0.0.1', 4);
};

let origin: Origin;
let proxy: TestProxy;

beforeAll(async () => {
  origin = await startHttpOrigin((_req, res) => res.end('reached'));
  proxy = await startProxy({ host: EXPOSED_LISTEN, allowedClients: ['127.0.0.1/32'], lookup: toLoopback });
});
afterAll(async () => {
  await proxy.close();
  await origin.close();
});

/** GET through the exposed engine from loopback; resolves with the status. */
function get(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: proxy.port, path: url, headers, agent: false });
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
    expect(proxy.engine.address?.host).toBe(EXPOSED_LISTEN);
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
      proxy.engine.reconfigure({ allowedClients: ['not-a-cidr'], allowLoopbackAndLinkLocal: false }),
    ).toThrow(/not an IP address/);
    expect(await get(url)).toBe(200);
  });
});
