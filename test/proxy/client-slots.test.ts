import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type Origin, startHttpOrigin } from './helpers/origins.js';
import { startProxy, type TestProxy } from './helpers/proxy.js';

/** Sockets that connect and then say nothing, and never close their side. */
async function silentClients(port: number, n: number, localAddress?: string): Promise<Socket[]> {
  const out: Socket[] = [];
  for (let i = 0; i < n; i++) {
    const s = connect({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}), allowHalfOpen: true });
    s.on('error', () => {});
    // a client that never closes: even after Veil's FIN it keeps its end open
    s.on('end', () => {});
    out.push(s);
  }
  await Promise.all(out.map((s) => once(s, 'connect').catch(() => undefined)));
  return out;
}

/** A GET through the proxy, retried while the proxy refuses the connection; resolves with the status line. */
async function servedWithin(proxyPort: number, url: string, ms: number, localAddress?: string): Promise<string> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const line = await new Promise<string | null>((resolve) => {
      const s = connect({ port: proxyPort, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) });
      let text = '';
      const timer = setTimeout(() => {
        s.destroy();
        resolve(null);
      }, 2_000);
      s.on('error', () => resolve(null));
      s.on('close', () => {
        clearTimeout(timer);
        resolve(text.startsWith('HTTP/1.1') ? text.split('\r\n')[0]! : null);
      });
      s.on('data', (c: Buffer) => {
        text += c.toString('latin1');
        if (text.includes('origin ok')) s.destroy();
      });
      s.write(`GET ${url} HTTP/1.1\r\nHost: ${new URL(url).host}\r\nConnection: close\r\n\r\n`);
    });
    if (line) return line;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not served within ${ms} ms`);
}

describe('a client that never closes does not keep its slot', () => {
  let proxy: TestProxy | undefined;
  let origin: Origin | undefined;
  const sockets: Socket[] = [];

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await proxy?.close();
    await origin?.close();
  });

  it('more silent connections than the cap: a normal client is served within the header timeout plus a few seconds', async () => {
    origin = await startHttpOrigin((_req, res) => res.end('origin ok'));
    const headersMs = 1_000;
    proxy = await startProxy({ maxConnections: 40, timeouts: { headersMs, drainMs: 200 } });
    sockets.push(...(await silentClients(proxy.port, 60)));
    const t0 = Date.now();
    const line = await servedWithin(proxy.port, `http://127.0.0.1:${origin.port}/`, headersMs + 5_000);
    expect(line).toBe('HTTP/1.1 200 OK');
    expect(Date.now() - t0).toBeLessThan(headersMs + 5_000);
    // the silent ones were answered 408 and let go, though they never closed their side
    expect(proxy.engine.connectionCount).toBeLessThan(40);
  }, 20_000);

  it('when exposed, one client address cannot take more than its share of the cap', async (t) => {
    origin = await startHttpOrigin((_req, res) => res.end('origin ok'));
    // listening on 0.0.0.0 makes Veil exposed; loopback clients are always allowed in
    proxy = await startProxy({
      host: '0.0.0.0',
      maxConnections: 40,
      maxClientShare: 0.25,
      allowLoopbackAndLinkLocal: true,
      timeouts: { headersMs: 10_000, drainMs: 200 },
    });
    const probe = connect({ port: proxy.port, host: '127.0.0.1', localAddress: '127.0.0.2' });
    const reachable = await new Promise<boolean>((resolve) => {
      probe.once('connect', () => resolve(true));
      probe.once('error', () => resolve(false));
    });
    probe.destroy();
    if (!reachable) {
      t.skip('this machine cannot connect from 127.0.0.2 (needed for a second client address)');
      return;
    }
    sockets.push(...(await silentClients(proxy.port, 30, '127.0.0.1')));
    await new Promise((r) => setTimeout(r, 200));
    // 10 of the 30 are kept (a quarter of 40); the rest were closed at once
    expect(proxy.engine.connectionCount).toBe(10);
    const line = await servedWithin(proxy.port, `http://127.0.0.1:${origin.port}/`, 2_000, '127.0.0.2');
    expect(line).toBe('HTTP/1.1 200 OK');
  }, 20_000);
});
