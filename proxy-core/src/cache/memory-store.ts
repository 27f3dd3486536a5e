import { EntryIndex } from './entry-index.js';
import type { CacheStore, StoredEntry } from './stored-entry.js';

interface MemoryValue {
  entry: StoredEntry;
  body: Buffer;
}

/** The default store: entries and bodies in memory, bounded by bytes, least recently used evicted first. */
export function createMemoryStore(maxBytes: number): CacheStore {
  const index = new EntryIndex<MemoryValue>(maxBytes);
  return {
    variants: (url) => index.forUrl(url).map((v) => v.entry),
    async body(entry) {
      return index.get(entry.key)?.body ?? null;
    },
    bodyAtHand: (entry) => index.get(entry.key)?.body ?? null,
    async put(entry, body) {
      index.set({ entry, body });
    },
    async update(entry) {
      const old = index.get(entry.key);
      if (old) index.set({ entry, body: old.body });
    },
    remove: (key) => void index.delete(key),
    removeUrl: (url) => index.deleteUrl(url),
    purge: (host) => index.purge(host),
    get entries() {
      return index.entries;
    },
    get bytes() {
      return index.bytes;
    },
    maxBytes,
    dump: () => index.values().map((v) => ({ entry: v.entry, body: async () => v.body })),
    async close() {
      index.purge();
    },
  };
}
