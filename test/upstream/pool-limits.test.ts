import { once } from 'node:events';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRoutes } from '../../proxy-core/src/control/features/routing-feature.js';
import { DestinationGuard } from '../../proxy-core/src/proxy/destination-guard.js';
import { upstreamSettings } from '../../proxy-core/src/proxy/proxy-settings.js';
import { startProxy, type TestProxy } from '../support/engine.js';
import { waitFor } from '../support/wait.js';
import { startRecordingSocks } from './servers.js';

/**
 * One set of pool limits for every kind of route: with at most one idle connection kept and a
 * 300 ms idle lifetime, four parallel requests leave one connection open at the far end, and none
 * after the lifetime, whether the route is direct, SOCKS5 or an HTTP upstream proxy.
 */
const POOL = { maxFreePerAddress: 1, freeTimeoutMs: 300 };

interface CountingServer {
  server: Server;
  port: number;
  open: Set<Socket>;
}

async function countingServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<CountingServer> {
  const open = new Set<Socket>();
  const server = createServer(handler);
  server.on('connection', (s: Socket) => {
    open.add(s);
    s.once('close', () => open.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port, open };
}

// answers slowly enough that four parallel requests need four connections
const slowly = (_req: IncomingMessage, res: ServerResponse): void => {
  setTimeout(() => res.end('ok'), 100);
};

let origin: CountingServer;
let httpUpstream: CountingServer;
let socks: Awaited<ReturnType<typeof startRecordingSocks>>;
beforeAll(async () => {
  origin = await countingServer(slowly);
  // an HTTP upstream proxy that answers absolute-form requests itself: its own sockets are Veil's pool
  httpUpstream = await countingServer(slowly);
  socks = await startRecordingSocks({});
});
afterAll(async () => {
  await socks.stop();
  for (const s of [origin, httpUpstream]) {
    s.server.closeAllConnections();
    s.server.close();
  }
});

function get(proxy: TestProxy, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: proxy.port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the pool limits are the same for every route', () => {
  const kinds: Array<{ name: string; upstream: () => string | null; far: () => CountingServer }> = [
    { name: 'direct', upstream: () => null, far: () => origin },
    { name: 'SOCKS5', upstream: () => `socks5://127.0.0.1:${socks.port}`, far: () => origin },
    { name: 'HTTP upstream', upstream: () => `http://127.0.0.1:${httpUpstream.port}`, far: () => httpUpstream },
  ];
  for (const kind of kinds) {
    it(`${kind.name}: one idle connection kept, none after the idle lifetime`, async () => {
      const routes = buildRoutes(
        upstreamSettings.parse({ default: kind.upstream() }),
        new DestinationGuard(),
        () => {},
        undefined,
        POOL,
      );
      const proxy = await startProxy({ router: routes.router });
      try {
        const far = kind.far();
        const url = `http://127.0.0.1:${origin.port}/`;
        const statuses = await Promise.all([1, 2, 3, 4].map(() => get(proxy, url)));
        expect(statuses).toEqual([200, 200, 200, 200]);
        await waitFor('one idle connection left at the far end', () => far.open.size === 1, 3000);
        await waitFor('the idle connection closed after its lifetime', () => far.open.size === 0, 3000);
      } finally {
        await proxy.close();
        for (const u of routes.upstreams) u.close();
      }
    });
  }
});
