import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createService, type VeilService } from '../../proxy-core/src/control/service.js';
import { defaultSettings } from '../../proxy-core/src/control/settings-schema.js';
import { createMemoryStore } from '../../proxy-core/src/control/settings-store.js';
import { tempDir } from './helpers.js';

/** An audit log path that cannot take effect is refused on its field, before anything is saved. */
let service: VeilService | null = null;
let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await service?.shutdown(1000);
  await cleanup?.();
  service = null;
});

async function start() {
  const t = await tempDir();
  cleanup = t.cleanup;
  const settings = defaultSettings();
  const store = createMemoryStore({ ...settings, proxy: { ...settings.proxy, port: 0 } });
  service = createService({ store, dataDir: t.dir });
  await service.start();
  return { dir: t.dir, store, service };
}

describe('audit.path must be somewhere Veil can write', () => {
  it('refuses a path under a file, and a folder given as the file, on audit.path; the file keeps the old value', async () => {
    const { dir, store, service: s } = await start();
    const aFile = join(dir, 'not-a-folder');
    writeFileSync(aFile, 'x');
    const aFolder = join(dir, 'a-folder');
    mkdirSync(aFolder);
    for (const [path, words] of [
      [join(aFile, 'audit.ndjson'), /is a file, so the log cannot go inside it/],
      [aFolder, /is a folder; give the path of a file inside it/],
    ] as const) {
      const patch = { audit: { enabled: true, path } };
      const checked = await s.invoke('settings.validate', { patch });
      expect(checked.ok).toBe(false);
      const saved = await s.invoke('settings.update', { patch });
      expect(saved).toMatchObject({
        ok: false,
        errors: [{ path: 'audit.path', message: expect.stringMatching(words) }],
      });
      expect((await store.load()).settings.audit.enabled).toBe(false);
      expect(s.settings.audit.path).toBeNull();
    }
  });

  it('accepts a file in a folder that does not exist yet (it is created on save) and changes nothing while checking', async () => {
    const { dir, service: s } = await start();
    const path = join(dir, 'logs', 'deep', 'audit.ndjson');
    const checked = await s.invoke('settings.validate', { patch: { audit: { enabled: true, path } } });
    expect(checked.ok).toBe(true);
    const { existsSync } = await import('node:fs');
    expect(existsSync(join(dir, 'logs'))).toBe(false);
    const saved = await s.invoke('settings.update', { patch: { audit: { enabled: true, path } } });
    expect(saved.ok).toBe(true);
  });
});
