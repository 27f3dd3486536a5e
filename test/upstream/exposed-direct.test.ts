import { lookup } from 'node:dns/promises';
import { hostname, networkInterfaces } from 'node:os';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isLocalDestination } from '../../proxy-core/src/proxy/access-control.js';
import { type EchoOrigin, type RunningVeil, startEchoOrigin, startVeil, type viaProxy } from '../privacy/harness.js';

/** A non-loopback IPv4 address of this machine: listening there makes Veil "exposed". */
function lanAddress(): string | null {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return null;
}

let origin: EchoOrigin;
let veil: RunningVeil | undefined;
beforeAll(async () => {
  origin = await startEchoOrigin();
});
afterAll(async () => {
  await veil?.stop();
  await origin.close();
});

it('the routing feature’s direct route keeps the engine’s guard: an exposed Veil refuses names that resolve to loopback', async () => {
  const lan = lanAddress();
  const name = hostname();
  const resolved = await lookup(name).catch(() => null);
  if (!lan || !resolved || !isLocalDestination(resolved.address)) {
    console.warn(
      `skipping: needs a LAN address (${lan}) and a host name resolving to loopback (${name} → ${resolved?.address})`,
    );
    return;
  }
  veil = await startVeil({
    proxy: { listen: lan, allowedClients: [`${lan}/32`] },
    upstream: { rules: [{ pattern: '*.example', upstream: 'direct' }] },
  });
  const recorded = veil.nextRecord();
  const res = await new Promise<Awaited<ReturnType<typeof viaProxy>>>((resolve, reject) => {
    import('node:http').then(({ request }) => {
      const req = request({ host: lan, port: veil!.port, path: `http://${name}:${origin.port}/sneaky`, agent: false });
      req.on('error', reject);
      req.on('response', (r) => {
        let body = '';
        r.on('data', (c: Buffer) => (body += c.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, headers: [], body }));
      });
      req.end();
    }, reject);
  });
  expect(res.status).toBe(403);
  expect((await recorded).error).toBe('E_DESTINATION_NOT_ALLOWED');
  expect(origin.seen).toEqual([]);
});
