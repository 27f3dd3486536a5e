import { isAbsolute, resolve } from 'node:path';
import { openDiskStore } from '../../cache/disk-store.js';
import { createMemoryStore } from '../../cache/memory-store.js';
import { createResponseCache, type ResponseCache } from '../../cache/response-cache.js';
import type { CacheStore } from '../../cache/stored-entry.js';
import { isLoopbackHost } from '../../proxy/access-control.js';
import type { CacheStats } from '../contract.js';
import type { Feature, ServiceHost } from '../feature.js';
import type { Settings } from '../settings-schema.js';

const MB = 1024 * 1024;

/** The response cache as a service feature: settings, `cache.stats`, `cache.purge`, and the engine hook. */
export function cacheFeature(host: ServiceHost): Feature {
  let cache: ResponseCache | null = null;
  /** The store's shape (size and place); a change means a new store. */
  let storeShape = '';
  let storeInMemory = false;

  function install(): void {
    host.proxy()?.setCache(cache);
  }

  function dirOf(settings: Settings['cache']): string | null {
    if (!settings.dir) return null;
    return isAbsolute(settings.dir) ? settings.dir : resolve(host.dataDir, settings.dir);
  }

  async function openStore(settings: Settings['cache']): Promise<CacheStore> {
    const maxBytes = Math.round(settings.maxSizeMb * MB);
    const dir = dirOf(settings);
    if (!dir) return createMemoryStore(maxBytes);
    try {
      return await openDiskStore(dir, maxBytes);
    } catch (err) {
      host.notify({
        level: 'warning',
        code: 'E_CACHE_DIR',
        message: `Veil cannot use ${dir} for its cache (${(err as Error).message}); it caches in memory instead.`,
        action: 'Choose a directory Veil may write to in Settings → Cache, or clear it to keep the cache in memory.',
      });
      return createMemoryStore(maxBytes);
    }
  }

  /** Moves what an in-memory store holds into its replacement, least recently used first. */
  async function carry(from: CacheStore, to: CacheStore): Promise<void> {
    for (const { entry, body } of from.dump()) {
      const data = await body();
      if (data) await to.put(entry, data);
    }
  }

  async function disable(): Promise<void> {
    const old = cache;
    cache = null;
    storeShape = '';
    install();
    await old?.flush();
    await old?.store.close();
  }

  return {
    name: 'cache',
    async applySettings(settings) {
      const c = settings.cache;
      if (!c.enabled || c.maxSizeMb <= 0) return disable();
      const exposed = !isLoopbackHost(settings.proxy.listen);
      const maxEntryBytes = Math.round(c.maxEntryMb * MB);
      const shape = JSON.stringify({ size: c.maxSizeMb, dir: dirOf(c) });
      if (!cache) {
        cache = createResponseCache({ store: await openStore(c), maxEntryBytes, exposed });
      } else if (shape !== storeShape) {
        const wasMemory = storeInMemory;
        // close first: a disk store reopened on the same directory must not share it with the old index
        await cache.flush();
        if (!wasMemory) await cache.store.close();
        const next = await openStore(c);
        const old = cache.setStore(next);
        if (wasMemory) {
          await carry(old, next);
          await old.close();
        }
      }
      storeShape = shape;
      storeInMemory = dirOf(c) === null;
      cache.configure({ maxEntryBytes, exposed });
      install();
    },
    attach(proxy) {
      proxy.setCache(cache);
    },
    commands: {
      'cache.stats': async (): Promise<CacheStats> => {
        if (!cache) {
          const c = host.settings().cache;
          return {
            enabled: false,
            entries: 0,
            bytes: 0,
            maxBytes: Math.round(c.maxSizeMb * MB),
            hits: 0,
            misses: 0,
            revalidations: 0,
            bytesSaved: 0,
          };
        }
        return { enabled: true, ...cache.stats() };
      },
      'cache.purge': async (args) => ({ removed: cache ? cache.purge(args?.host) : 0 }),
    },
    async dispose() {
      await disable();
    },
  };
}
