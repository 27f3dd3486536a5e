import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isLocalDestination } from '../../proxy-core/src/proxy/access-control.js';
import { type EchoOrigin, type RunningVeil, startEchoOrigin, startVeil, type viaProxy } from '../privacy/harness.js';

let origin: EchoOrigin;
let veil: RunningVeil | undefined;
beforeAll(async () => {
  origin = await startEchoOrigin();
});
afterAll(async () => {
  await veil?.stop();
  await origin.close();
});

it('the routing feature’s direct route keeps the engine’s guard: an exposed Veil refuses names that resolve to loopback', async (ctx) => {
  // this machine's own name, not a loopback literal: the guard must refuse it by what it resolves to
  const name = hostname();
  const resolved = await lookup(name).catch(() => null);
  if (!resolved || !isLocalDestination(resolved.address)) {
    ctx.skip(`needs a host name resolving to loopback (${name} → ${resolved?.address ?? 'nothing'})`);
  }
  // listening on every address exposes Veil; the client connects from loopback, which is always allowed
  veil = await startVeil({
    proxy: { listen: '0.0.0.0', allowedClients: ['127.0.0.1/32'] },
    upstream: { rules: [{ pattern: '*.example', upstream: 'direct' }] },
  });
  const recorded = veil.nextRecord();
  const res = await new Promise<Awaited<ReturnType<typeof viaProxy>>>((resolve, reject) => {
    import('node:http').then(({ request }) => {
      const req = request({
        host: '127.0.0.1',
        port: veil!.port,
        path: `http://${name}:${origin.port}/sneaky`,
        agent: false,
      });
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
