import { lookup } from 'node:dns/promises';
import { once } from 'node:events';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseServeArgs } from '../../proxy-core/src/cli/serve-args.js';
import { migrateSettings } from '../../proxy-core/src/control/settings-migrations.js';
import { isLocalDestination } from '../../proxy-core/src/proxy/access-control.js';
import { type EchoOrigin, type RunningVeil, startEchoOrigin, startVeil, viaProxy } from '../privacy/harness.js';
import { openTunnel } from '../privacy/raw-client.js';

/** A TCP server that accepts and never says a word: a silent origin, SOCKS server or HTTP proxy. */
async function startSilent(): Promise<{ port: number; accepted: () => number; close: () => void }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    accepted: () => accepted,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await run();
  return { value, ms: performance.now() - t0 };
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('the timeouts section: one set of limits for every route', () => {
  it('answers a silent origin 504 naming it once timeouts.upstreamSeconds passes', async () => {
    const silent = await startSilent();
    cleanups.push(silent.close);
    const v = await startVeil({ timeouts: { upstreamSeconds: 1 } });
    cleanups.push(() => v.stop());
    const { value: res, ms } = await timed(() => viaProxy(v.port, `http://127.0.0.1:${silent.port}/slow`));
    expect(res.status).toBe(504);
    expect(res.body).toContain(`127.0.0.1:${silent.port}`);
    expect(ms).toBeGreaterThan(900);
    expect(ms).toBeLessThan(4_000);
  });

  it('takes a new upstream timeout live, without a restart', async () => {
    const silent = await startSilent();
    cleanups.push(silent.close);
    const v = await startVeil({ timeouts: { upstreamSeconds: 30 } });
    cleanups.push(() => v.stop());
    const port = v.port;
    const updated = await v.service.invoke('settings.update', { patch: { timeouts: { upstreamSeconds: 1 } } });
    expect(updated.ok).toBe(true);
    expect((await v.service.invoke('status.get')).listening?.port).toBe(port);
    const { value: res, ms } = await timed(() => viaProxy(port, `http://127.0.0.1:${silent.port}/slow`));
    expect(res.status).toBe(504);
    expect(ms).toBeLessThan(4_000);
  });

  it('a SOCKS server that never answers is given up after timeouts.connectSeconds, not a fixed 10 s', async () => {
    const silent = await startSilent();
    cleanups.push(silent.close);
    const v = await startVeil({
      proxy: { allowedConnectPorts: [443] },
      timeouts: { connectSeconds: 1 },
      upstream: { default: `socks5://127.0.0.1:${silent.port}` },
    });
    cleanups.push(() => v.stop());
    const plain = await timed(() => viaProxy(v.port, 'http://origin.veil-test/'));
    expect(plain.value.status).toBe(502);
    expect(plain.value.body).toContain(`127.0.0.1:${silent.port}`);
    expect(plain.ms).toBeLessThan(4_000);
    const tunnel = await timed(() => openTunnel(v.port, 'origin.veil-test:443'));
    tunnel.value.socket.destroy();
    expect(tunnel.value.status).toBe(502);
    expect(tunnel.ms).toBeLessThan(4_000);
    expect(silent.accepted()).toBeGreaterThanOrEqual(2);
  });

  it('an HTTP upstream proxy that never answers CONNECT is given up after timeouts.connectSeconds', async () => {
    const silent = await startSilent();
    cleanups.push(silent.close);
    const v = await startVeil({
      proxy: { allowedConnectPorts: [443] },
      timeouts: { connectSeconds: 1 },
      upstream: { default: `http://127.0.0.1:${silent.port}` },
    });
    cleanups.push(() => v.stop());
    const tunnel = await timed(() => openTunnel(v.port, 'origin.veil-test:443'));
    tunnel.value.socket.destroy();
    expect(tunnel.value.status).toBe(502);
    expect(tunnel.ms).toBeLessThan(4_000);
  });
});

describe('the flags and the renamed setting', () => {
  it('--connect-timeout and --upstream-timeout set the timeouts section; bad values name the fix', () => {
    expect(parseServeArgs(['--connect-timeout', '5', '--upstream-timeout', '30']).overrides.timeouts).toEqual({
      connectSeconds: 5,
      upstreamSeconds: 30,
    });
    expect(() => parseServeArgs(['--connect-timeout', 'soon'])).toThrow(/--connect-timeout takes seconds from 1/);
    expect(() => parseServeArgs(['--upstream-timeout', '0'])).toThrow(/--upstream-timeout takes seconds/);
  });

  it('--allow-private-destinations keeps working as the old name of --allow-loopback-and-link-local', () => {
    expect(parseServeArgs(['--allow-private-destinations']).overrides.proxy?.allowLoopbackAndLinkLocal).toBe(true);
    expect(parseServeArgs(['--allow-loopback-and-link-local']).overrides.proxy?.allowLoopbackAndLinkLocal).toBe(true);
  });

  it('a version 2 settings file keeps its choice under the new name', () => {
    const migrated = migrateSettings({ version: 2, proxy: { port: 9000, allowPrivateDestinations: true } });
    expect(migrated.ok).toBe(true);
    if (!migrated.ok) return;
    expect(migrated.doc.proxy).toEqual({ port: 9000, allowLoopbackAndLinkLocal: true });
    expect(migrated.doc.version).toBe(3);
    // ports left at version 2's default get the new default's 80; a list the user chose stays
    const old = migrateSettings({ version: 2, proxy: { allowedConnectPorts: [443, 8443] } });
    expect(old.ok && old.doc.proxy).toEqual({ allowedConnectPorts: [443, 8443, 80] });
    const chosen = migrateSettings({ version: 2, proxy: { allowedConnectPorts: [443] } });
    expect(chosen.ok && chosen.doc.proxy).toEqual({ allowedConnectPorts: [443] });
  });
});

describe('one destination guard for every route', () => {
  let origin: EchoOrigin;
  let veil: RunningVeil | undefined;
  let loopbackName: string | null = null;

  beforeAll(async () => {
    origin = await startEchoOrigin();
    const name = hostname();
    const resolved = await lookup(name).catch(() => null);
    if (resolved && isLocalDestination(resolved.address)) loopbackName = name;
    else console.warn(`the routed-guard test needs a host name resolving to loopback; ${name} → ${resolved?.address}`);
  });
  afterAll(async () => {
    await veil?.stop();
    await origin.close();
  });

  it('the routing feature’s direct route refuses, when exposed, a name resolving to loopback', async (t) => {
    if (!loopbackName) {
      t.skip(`no host name resolving to loopback here (${hostname()})`);
      return;
    }
    // listening on 0.0.0.0 makes Veil exposed; the test connects from loopback, which is always a permitted client
    veil = await startVeil({
      proxy: { listen: '0.0.0.0', allowedClients: ['127.0.0.1/32'] },
      upstream: { rules: [{ pattern: '*.example', upstream: 'direct' }] },
    });
    const recorded = veil.nextRecord();
    const res = await viaProxy(veil.port, `http://${loopbackName}:${origin.port}/sneaky`);
    expect(res.status).toBe(403);
    expect((await recorded).error).toBe('E_DESTINATION_NOT_ALLOWED');
    expect(origin.seen).toEqual([]);
  });
});
