import { describe, expect, it } from 'vitest';
import { createService } from '../../proxy-core/src/control/service.js';
import { defaultSettings } from '../../proxy-core/src/control/settings-schema.js';
import { createMemoryStore } from '../../proxy-core/src/control/settings-store.js';
import { tempDir } from './helpers.js';

describe('shutdown', () => {
  it('is final: a proxy.start still in flight does not bring the engine back', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const settings = defaultSettings();
      const service = createService({
        store: createMemoryStore({ ...settings, proxy: { ...settings.proxy, port: 0, enabled: false } }),
        dataDir: dir,
        features: [],
      });
      await service.start();
      // The desktop's Quit right after a tray click: the command and the shutdown overlap.
      const starting = service.invoke('proxy.start');
      await service.shutdown(2000);
      const status = await starting;
      expect(status.running).toBe(false);
      expect(status.listening).toBeNull();
      expect((await service.invoke('status.get')).listening).toBeNull();
    } finally {
      await cleanup();
    }
  });
});
