import { afterEach, describe, expect, it } from 'vitest';
import { startBackend, type TestBackend } from './backends.js';
import { fetchVia, nameOf, type RunningReverse, startReverse, waitFor } from './harness.js';

describe('reverse: balancing and health', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  async function backends(...specs: Array<[string, Parameters<typeof startBackend>[1]?]>): Promise<TestBackend[]> {
    const list = await Promise.all(specs.map(([n, o]) => startBackend(n, o)));
    cleanup.push(async () => {
      await Promise.all(list.map((b) => b.kill().catch(() => {})));
    });
    return list;
  }
  async function reverse(settings: Record<string, unknown>): Promise<RunningReverse> {
    const rp = await startReverse(settings);
    cleanup.push(() => rp.close());
    return rp;
  }

  it('weighted round-robin: weights 1 and 3 give 10 and 30 of 40', async () => {
    const [a, b] = await backends(['a'], ['b']);
    const rp = await reverse({ routes: [{ backends: [a!.url, { url: b!.url, weight: 3 }] }] });
    const counts: Record<string, number> = { a: 0, b: 0 };
    for (let i = 0; i < 40; i++) counts[nameOf(await fetchVia(rp.port, '/'))]!++;
    expect(counts).toEqual({ a: 10, b: 30 });
  });

  it('least-connections keeps most requests off a slow backend', async () => {
    const [fast, slow] = await backends(['fast'], ['slow', { delayMs: 400 }]);
    const rp = await reverse({ routes: [{ balance: 'least-connections', backends: [fast!.url, slow!.url] }] });
    const counts: Record<string, number> = { fast: 0, slow: 0 };
    // 4 clients, 40 requests: round-robin would give the slow one 20
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let i = 0; i < 10; i++) counts[nameOf(await fetchVia(rp.port, '/'))]!++;
      }),
    );
    expect(counts.fast! + counts.slow!).toBe(40);
    expect(counts.slow).toBeLessThanOrEqual(8);
  });

  it('sticky: a visitor stays on the backend its cookie names', async () => {
    const [a, b] = await backends(['a'], ['b']);
    const rp = await reverse({ routes: [{ balance: 'sticky', backends: [a!.url, b!.url] }] });
    const first = await fetchVia(rp.port, '/');
    const cookie = String(first.headers['set-cookie']).split(';')[0]!;
    expect(cookie).toMatch(/^veil_backend=[0-9a-f]{12}$/);
    expect(cookie).not.toContain(String(a!.port));
    const names = new Set<string>();
    for (let i = 0; i < 6; i++) names.add(nameOf(await fetchVia(rp.port, '/', { headers: { Cookie: cookie } })));
    expect(names).toEqual(new Set([nameOf(first)]));
  });

  it('a backend killed mid-test is taken out, requests keep succeeding, and it is used again after recovery', async () => {
    const [a, b] = await backends(['a'], ['b']);
    const rp = await reverse({ failThreshold: 1, backoffMs: 300, routes: [{ backends: [a!.url, b!.url] }] });
    for (let i = 0; i < 4; i++) expect((await fetchVia(rp.port, '/')).status).toBe(200);
    await b!.kill();
    const seenBy: string[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await fetchVia(rp.port, '/');
      expect(res.status).toBe(200);
      seenBy.push(nameOf(res));
    }
    expect(new Set(seenBy)).toEqual(new Set(['a']));
    expect(rp.proxy.status().routes[0]!.backends[1]!.state).toBe('out');
    await b!.revive();
    await new Promise((r) => setTimeout(r, 1300));
    const after = new Set<string>();
    for (let i = 0; i < 6; i++) after.add(nameOf(await fetchVia(rp.port, '/')));
    expect(after).toEqual(new Set(['a', 'b']));
  });

  it('a connect failure is retried on the next backend at once, a POST included', async () => {
    const [a] = await backends(['a']);
    const dead = await startBackend('dead');
    await dead.kill();
    const rp = await reverse({ routes: [{ backends: [dead.url, a!.url] }] });
    for (let i = 0; i < 4; i++) {
      const res = await fetchVia(rp.port, '/form', { method: 'POST', body: `n=${i}` });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body).body).toBe(`n=${i}`);
    }
    expect(a!.seen.filter((s) => s.method === 'POST')).toHaveLength(4);
  });

  it('a POST whose body was sent is never retried: the backend sees it exactly once', async () => {
    const drop = (_req: unknown, res: { socket: { destroy(): void } | null }): boolean => {
      res.socket?.destroy();
      return true;
    };
    const [x, y] = await backends(['x', { handler: drop }], ['y', { handler: drop }]);
    const rp = await reverse({ failThreshold: 100, routes: [{ backends: [x!.url, y!.url] }] });
    const res = await fetchVia(rp.port, '/pay', { method: 'POST', body: 'amount=10' });
    expect(res.status).toBe(502);
    const posts = [...x!.seen, ...y!.seen].filter((s) => s.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(posts[0]!.body).toBe('amount=10');
  });

  it('no backend left: 503 with a short page naming neither the backend address nor an error code', async () => {
    const dead = await startBackend('dead');
    await dead.kill();
    const rp = await reverse({ routes: [{ backends: [dead.url] }] });
    for (const _ of [1, 2, 3, 4]) {
      const res = await fetchVia(rp.port, '/');
      expect(res.status).toBe(503);
      expect(res.body).toContain('not available right now');
      expect(res.body).not.toContain(String(dead.port));
      expect(res.body).not.toContain('127.0.0.1');
      expect(res.body).not.toMatch(/E_[A-Z_]+|ECONN/);
    }
  });

  it('active checks take a failing backend out and bring it back after the passes threshold', async () => {
    let healthy = true;
    const handler = (req: { url?: string }, res: { writeHead(s: number): void; end(): void }): boolean | undefined => {
      if (req.url !== '/healthz') return undefined;
      res.writeHead(healthy ? 200 : 500);
      res.end();
      return true;
    };
    const [a, b] = await backends(['a'], ['b', { handler }]);
    const rp = await reverse({
      routes: [
        {
          backends: [a!.url, b!.url],
          healthCheck: { path: '/healthz', intervalMs: 100, timeoutMs: 500, passes: 2, fails: 2 },
        },
      ],
    });
    const state = (): string => rp.proxy.status().routes[0]!.backends[1]!.state;
    healthy = false;
    await waitFor(() => state() === 'failing-checks', 3000, 'b out');
    for (let i = 0; i < 4; i++) expect(nameOf(await fetchVia(rp.port, '/'))).toBe('a');
    healthy = true;
    await waitFor(() => state() === 'up', 3000, 'b back');
    const names = new Set<string>();
    for (let i = 0; i < 4; i++) names.add(nameOf(await fetchVia(rp.port, '/')));
    expect(names).toEqual(new Set(['a', 'b']));
  });

  it('passive: a backend answering 503 repeatedly is taken out', async () => {
    const busy = (_r: unknown, res: { writeHead(s: number): void; end(t: string): void }): boolean => {
      res.writeHead(503);
      res.end('busy');
      return true;
    };
    const [a, b] = await backends(['a'], ['b', { handler: busy }]);
    const rp = await reverse({ failThreshold: 2, backoffMs: 60_000, routes: [{ backends: [a!.url, b!.url] }] });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await fetchVia(rp.port, '/')).status);
    expect(statuses.filter((s) => s === 503)).toHaveLength(2);
    expect(statuses.slice(4)).toEqual([200, 200, 200, 200, 200, 200]);
  });

  it('closes idle backend connections before a Node backend (5 s) would, so reuse never races', async () => {
    const [a] = await backends(['a']);
    const rp = await reverse({ routes: [{ backends: [a!.url] }] });
    expect((await fetchVia(rp.port, '/')).status).toBe(200);
    const answeredAt = Date.now();
    expect(a!.connections).toBe(1);
    // the test backend is a Node server with the default 5 s keepAliveTimeout: Veil must close first
    await waitFor(() => a!.peerEnded.length === 1, 4900, 'Veil to close the idle connection');
    const idle = a!.peerEnded[0]! - answeredAt;
    expect(idle).toBeGreaterThan(2500);
    expect(idle).toBeLessThan(4900);
    expect((await fetchVia(rp.port, '/')).status).toBe(200);
    expect(a!.connections).toBe(2);
  });
});
