import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type VeilService } from '../../proxy-core/src/control/service.js';
import { defaultSettings } from '../../proxy-core/src/control/settings-schema.js';
import { createMemoryStore } from '../../proxy-core/src/control/settings-store.js';
import { tempDir } from '../control/helpers.js';
import { startBackend, type TestBackend } from './backends.js';
import { fetchVia, nameOf } from './harness.js';

describe('the reverse proxy in the service (Settings and Home)', () => {
  let service: VeilService;
  let backend: TestBackend;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    backend = await startBackend('svc');
    const { dir, cleanup: c } = await tempDir();
    cleanup = c;
    const settings = defaultSettings();
    service = createService({
      store: createMemoryStore({ ...settings, proxy: { ...settings.proxy, port: 0 } }),
      dataDir: dir,
      engine: { timeouts: { drainMs: 500 } },
    });
    await service.start();
  });
  afterAll(async () => {
    await service.shutdown();
    await backend.kill();
    await cleanup();
  });

  it('is absent from the status while off', async () => {
    expect((await service.invoke('status.get')).reverse).toBeUndefined();
  });

  it('runs the listeners once enabled, shows them and their backends, and stops when disabled', async () => {
    const result = await service.invoke('settings.update', {
      patch: {
        reverse: {
          enabled: true,
          listeners: [{ address: '127.0.0.1', port: 0, tls: null }],
          routes: [
            {
              pathPrefix: '/',
              stripPrefix: false,
              balance: 'round-robin',
              backends: [backend.url],
              ca: null,
              cache: false,
              blockPaths: [],
              blockUserAgents: [],
              healthCheck: null,
            },
          ],
        },
      },
    });
    expect(result.ok).toBe(true);
    const status = await service.invoke('status.get');
    expect(status.reverse?.running).toBe(true);
    const port = status.reverse!.listening[0]!.port;
    expect(status.reverse!.routes[0]!.backends).toEqual([{ url: backend.url, state: 'up', active: 0 }]);
    expect(nameOf(await fetchVia(port, '/seen?x=1', { host: 'photos.test' }))).toBe('svc');
    // the visitor's exchange is in Traffic, marked as the reverse way in, its address masked
    await expect
      .poll(async () =>
        (await service.invoke('traffic.snapshot')).records.find((r) => r.url === 'http://photos.test/seen?x=1'),
      )
      .toMatchObject({ via: 'reverse', clientAddress: '127.0.0.0/24', status: 200 });
    await service.invoke('settings.update', { patch: { reverse: { enabled: false } } });
    expect((await service.invoke('status.get')).reverse).toBeUndefined();
    await expect(fetchVia(port, '/')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('says why it cannot run, next to nothing but its own state', async () => {
    await service.invoke('settings.update', { patch: { reverse: { enabled: true, listeners: [], routes: [] } } });
    const status = await service.invoke('status.get');
    expect(status.reverse).toMatchObject({ running: false });
    expect(status.reverse?.error).toContain('at least one listener and one route');
    expect(status.running).toBe(true);
  });

  it('refuses a bad route in the settings with a field error', async () => {
    const bad = await service.invoke('settings.validate', {
      patch: { reverse: { routes: [{ backends: ['ftp://x'] }] } as never },
    });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors[0]!.path).toBe('reverse.routes.0.backends.0');
  });
});
