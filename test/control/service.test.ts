import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommandError, type Status } from '../../proxy-core/src/control/contract.js';
import { createService, type VeilService } from '../../proxy-core/src/control/service.js';
import { defaultSettings } from '../../proxy-core/src/control/settings-schema.js';
import { createFileStore, createMemoryStore, type SettingsStore } from '../../proxy-core/src/control/settings-store.js';
import { freePort, startOrigin, tempDir, viaProxy } from './helpers.js';

let service: VeilService;
let store: SettingsStore;
let origin: Awaited<ReturnType<typeof startOrigin>>;
let cleanup: () => Promise<void>;

async function startService(port: number): Promise<Status> {
  const { dir, cleanup: c } = await tempDir();
  cleanup = c;
  const settings = defaultSettings();
  store = createMemoryStore({ ...settings, proxy: { ...settings.proxy, port } });
  service = createService({
    store,
    dataDir: dir,
    engine: { timeouts: { drainMs: 500 } },
  });
  return service.start();
}

beforeEach(async () => {
  origin = await startOrigin();
});
afterEach(async () => {
  await service?.shutdown();
  await origin.close();
  await cleanup?.();
});

describe('the service answers the contract in-process', () => {
  it('round-trips status, settings and errors', async () => {
    const started = await startService(0);
    expect(started.running).toBe(true);
    expect(started.trafficPaused).toBe(false);
    const status = await service.invoke('status.get');
    expect(status.listening?.port).toBeGreaterThan(0);
    expect(await service.invoke('settings.get')).toEqual(service.settings);

    const bad = await service.invoke('settings.update', {
      patch: { proxy: { port: 70000 }, cache: { enabled: 'yes' } },
    });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors.map((e) => e.path).sort()).toEqual(['cache.enabled', 'proxy.port']);

    const checked = await service.invoke('settings.validate', { patch: { privacy: { profile: 'strict' } } });
    expect(checked.ok).toBe(true);
    expect(service.settings.privacy.profile).toBe('standard');

    const err = await service.invoke('settings.update', {} as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect((err as CommandError).payload).toMatchObject({ code: 'E_INVALID_ARGS', errors: [{ path: 'patch' }] });
    await expect(service.invoke('nope.nothing' as never)).rejects.toMatchObject({
      payload: { code: 'E_UNKNOWN_COMMAND' },
    });
  });

  it('emits settings and status events on an update', async () => {
    await startService(0);
    const seen: string[] = [];
    const offSettings = service.on('settings', (s) => seen.push(`settings:${s.privacy.profile}`));
    const offStatus = service.on('status', (s) => seen.push(`status:${s.profile}`));
    await service.invoke('settings.update', { patch: { privacy: { profile: 'strict' } } });
    offSettings();
    offStatus();
    await service.invoke('settings.update', { patch: { privacy: { profile: 'standard' } } });
    expect(seen).toEqual(['settings:strict', 'status:strict']);
  });
});

describe('settings apply live', () => {
  it('keeps a client connection open across a settings change', async () => {
    const status = await startService(0);
    const port = status.listening!.port;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const first = await viaProxy(port, `${origin.url}/one`, { agent });
    expect(first.body).toBe('hello /one');
    await service.invoke('settings.update', {
      patch: { privacy: { profile: 'strict' }, traffic: { bufferSize: 200 } },
    });
    const second = await viaProxy(port, `${origin.url}/two`, { agent });
    expect(second.body).toBe('hello /two');
    expect(second.reused).toBe(true);
    agent.destroy();
    // the record is emitted when the exchange ends, which may come just after the client read the body
    await expect.poll(async () => (await service.invoke('status.get')).counters.requests).toBe(2);
    const { counters } = await service.invoke('status.get');
    expect(counters.bytesDown).toBe('hello /one'.length + 'hello /two'.length);
  });

  it('rebinds on a port change and keeps the old listener when the new port is taken', async () => {
    const p1 = await freePort();
    await startService(p1);
    // port 0: the system picks a free one at bind time, so no other test can take it first
    const moved = await service.invoke('settings.update', { patch: { proxy: { port: 0 } } });
    expect(moved.ok).toBe(true);
    const p2 = (await service.invoke('status.get')).listening?.port ?? 0;
    expect(p2).toBeGreaterThan(0);
    expect(p2).not.toBe(p1);
    expect((await viaProxy(p2, `${origin.url}/moved`)).body).toBe('hello /moved');
    await expect(viaProxy(p1, `${origin.url}/old`)).rejects.toThrow(/ECONNREFUSED/);

    const blocker = createNetServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const taken = (blocker.address() as { port: number }).port;
    const refused = await service.invoke('settings.update', { patch: { proxy: { port: taken } } });
    // refused on its field, and not saved: the file and the settings keep the port Veil runs on
    expect(refused).toEqual({
      ok: false,
      errors: [{ path: 'proxy.port', message: expect.stringMatching(new RegExp(`Port ${taken} .*already in use`)) }],
    });
    expect((await service.invoke('settings.get')).proxy.port).toBe(0);
    expect((await store.load()).settings.proxy.port).toBe(0);
    const status = await service.invoke('status.get');
    expect(status.listening?.port).toBe(p2);
    expect(status.error).toBeUndefined();
    expect((await viaProxy(p2, `${origin.url}/still`)).body).toBe('hello /still');
    await new Promise((r) => blocker.close(r));

    // going back to the port it still listens on is not a conflict with itself
    await service.invoke('settings.update', { patch: { proxy: { port: p2 } } });
    const back = await service.invoke('status.get');
    expect(back.error).toBeUndefined();
    expect(back.listening?.port).toBe(p2);
  });

  it('applies a non-address proxy change on the same fixed port', async () => {
    const port = await freePort();
    await startService(port);
    const r = await service.invoke('settings.update', { patch: { proxy: { allowTrace: true } } });
    expect(r.ok).toBe(true);
    const status = await service.invoke('status.get');
    expect(status.error).toBeUndefined();
    expect(status.listening?.port).toBe(port);
    expect((await viaProxy(port, `${origin.url}/same`)).body).toBe('hello /same');
  });

  it('keeps the port it picked for "any port" across an access change', async () => {
    const first = await startService(0);
    await service.invoke('settings.update', { patch: { proxy: { allowTrace: true } } });
    const after = await service.invoke('status.get');
    expect(after.error).toBeUndefined();
    expect(after.listening?.port).toBe(first.listening!.port);
  });

  it('stops and starts the proxy', async () => {
    await startService(0);
    expect((await service.invoke('proxy.stop')).running).toBe(false);
    expect(service.settings.proxy.enabled).toBe(false);
    const started = await service.invoke('proxy.start');
    expect(started.running).toBe(true);
    expect((await viaProxy(started.listening!.port, `${origin.url}/on`)).body).toBe('hello /on');
  });
});

describe('flags (run overrides)', () => {
  it('are never written back, and a deliberate change from the UI takes over from the flag', async () => {
    const { dir, cleanup: c } = await tempDir();
    cleanup = c;
    const path = `${dir}/config.json`;
    const flagPort = await freePort();
    service = createService({
      store: createFileStore(path),
      dataDir: dir,
      overrides: { proxy: { port: flagPort, enabled: true } },
    });
    await service.start();
    // whole-section patches echo the flag's value back: it must not reach the file
    await service.invoke('proxy.stop');
    await service.invoke('proxy.start');
    const saved = JSON.parse(await readFile(path, 'utf8'));
    expect(saved.proxy.port).toBe(8899);
    expect((await service.invoke('status.get')).listening?.port).toBe(flagPort);

    const chosen = await freePort();
    await service.invoke('settings.update', { patch: { proxy: { port: chosen } } });
    expect((await service.invoke('status.get')).listening?.port).toBe(chosen);
    expect(JSON.parse(await readFile(path, 'utf8')).proxy.port).toBe(chosen);
  });
});

describe('a change is saved only once it took effect', () => {
  it('refuses an address that is not one of this machine, names the field, and keeps the file', async () => {
    const { dir, cleanup: c } = await tempDir();
    cleanup = c;
    const path = join(dir, 'config.json');
    await writeFile(path, JSON.stringify({ proxy: { port: 0 } }));
    service = createService({ store: createFileStore(path), dataDir: dir, engine: { timeouts: { drainMs: 500 } } });
    const started = await service.start();
    const before = await readFile(path, 'utf8');
    // 192.0.2.1 (TEST-NET-1) is never an address of this machine: the bind fails with EADDRNOTAVAIL
    const r = await service.invoke('settings.update', {
      patch: { proxy: { listen: '192.0.2.1', allowedClients: ['192.0.2.0/24'] } },
    });
    expect(r).toEqual({
      ok: false,
      errors: [
        { path: 'proxy.listen', message: expect.stringContaining('192.0.2.1 is not an address of this computer') },
      ],
    });
    expect(await readFile(path, 'utf8')).toBe(before);
    const status = await service.invoke('status.get');
    expect(status.listening).toEqual(started.listening);
    expect(status.error).toBeUndefined();
  });

  it('refuses what is not an address, and 0.0.0.0 without allowed clients, in plain words', async () => {
    await startService(0);
    const words = async (proxy: Record<string, unknown>) => {
      const r = await service.invoke('settings.validate', { patch: { proxy } });
      return r.ok ? [] : r.errors;
    };
    expect(await words({ listen: 'not an ip' })).toEqual([
      { path: 'proxy.listen', message: expect.stringMatching(/^Listen address must be an IP address/) },
    ]);
    expect(await words({ listen: '0.0.0.0' })).toEqual([
      { path: 'proxy.listen', message: expect.stringContaining('list the clients that may') },
    ]);
    expect(await words({ listen: '0.0.0.0', allowedClients: ['192.168.1.0/24'] })).toEqual([]);
    expect(await words({ listen: '0.0.0.0', allowedClients: ['192.168.1.0/24', 'my laptop'] })).toEqual([
      { path: 'proxy.allowedClients.1', message: '"my laptop" is not an IP address or a range like 192.168.1.0/24.' },
    ]);
    expect(await words({ port: 70000 })).toEqual([
      { path: 'proxy.port', message: 'Port must be a whole number from 0 to 65535.' },
    ]);
    expect(await words({ port: 80.5 })).toEqual([
      { path: 'proxy.port', message: 'Port must be a whole number from 0 to 65535.' },
    ]);
    expect(await words({ port: 'abc' })).toEqual([
      { path: 'proxy.port', message: 'Port must be a whole number from 0 to 65535.' },
    ]);
    expect(await words({ proxyAuth: 'alice' })).toEqual([
      { path: 'proxy.proxyAuth', message: 'Proxy login must be user:password.' },
    ]);
  });
});

describe('exchange ids', () => {
  it('continue across a rebind: a new engine never reuses the ids of the last one', async () => {
    await startService(0);
    const first = (await service.invoke('status.get')).listening!.port;
    await viaProxy(first, `${origin.url}/one`);
    const moved = await service.invoke('settings.update', { patch: { proxy: { port: await freePort() } } });
    expect(moved.ok).toBe(true);
    await viaProxy((await service.invoke('status.get')).listening!.port, `${origin.url}/two`);
    await new Promise((r) => setTimeout(r, 50));
    const { records } = await service.invoke('traffic.snapshot');
    expect(records.map((r) => [r.id, new URL(r.url).pathname])).toEqual([
      [1, '/one'],
      [2, '/two'],
    ]);
  });
});
