import { mkdir, open, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { readEntryFile, readEntryHead, sha256, writeEntryFile } from './entry-file.js';
import { EntryIndex } from './entry-index.js';
import type { CacheStore, StoredEntry } from './stored-entry.js';

interface DiskValue {
  entry: StoredEntry;
  file: string;
}

const SUFFIX = '.entry';

/**
 * The on-disk store: one file per entry under `dir`, an in-memory index rebuilt at start.
 * Files that are not whole entries (a crash's leftovers) are deleted at start; bodies are
 * verified against their checksum on every read, so a damaged entry is a miss, never a hit.
 */
export async function openDiskStore(dir: string, maxBytes: number): Promise<CacheStore> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  let closed = false;
  let seq = 0;
  const index = new EntryIndex<DiskValue>(maxBytes, (v) => {
    if (!closed) void unlink(join(dir, v.file)).catch(() => {});
  });

  const found: DiskValue[] = [];
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    if (!name.endsWith(SUFFIX)) {
      // write-file-atomic's temporary files (name.entry.<hash>) left by a crash mid-write
      if (name.includes(SUFFIX)) await unlink(path).catch(() => {});
      continue;
    }
    const head = await readEntryHead(path);
    if (!head) {
      await unlink(path).catch(() => {});
      continue;
    }
    found.push({ entry: head.entry, file: name });
  }
  // oldest first, so the LRU keeps the newest when the directory holds more than fits
  found.sort((a, b) => a.entry.storedAt - b.entry.storedAt);
  // a second copy of a key replaces the first (whose file the index then deletes); evicted ones go too
  for (const v of found) {
    if (index.fits(v.entry)) index.set(v);
    else await unlink(join(dir, v.file)).catch(() => {});
  }

  const writing = new Set<Promise<void>>();

  async function put(entry: StoredEntry, body: Buffer): Promise<void> {
    if (closed || !index.fits(entry)) return;
    const p = store(entry, body);
    writing.add(p);
    try {
      await p;
    } finally {
      writing.delete(p);
    }
  }

  async function store(entry: StoredEntry, body: Buffer): Promise<void> {
    const file = `${sha256(entry.key).slice(0, 40)}-${Date.now().toString(36)}-${(++seq).toString(36)}${SUFFIX}`;
    try {
      await writeEntryFile(join(dir, file), entry, body);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      // the directory was deleted under Veil: make it again, and the cache carries on
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeEntryFile(join(dir, file), entry, body);
    }
    await syncDir(dir);
    if (closed) return;
    index.set({ entry, file });
  }

  async function read(entry: StoredEntry): Promise<Buffer | null> {
    const v = index.get(entry.key);
    if (!v) return null;
    const whole = await readEntryFile(join(dir, v.file));
    if (!whole || whole.entry.key !== entry.key) {
      if (index.get(entry.key) === v) index.delete(entry.key);
      return null;
    }
    return whole.body;
  }

  return {
    variants: (url) => index.forUrl(url).map((v) => v.entry),
    body: read,
    // every read checks the file's checksum: a disk body is never at hand
    bodyAtHand: () => undefined,
    put,
    async update(entry) {
      const body = await read(entry);
      if (body) await put(entry, body);
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
    dump: () => index.values().map((v) => ({ entry: v.entry, body: () => read(v.entry) })),
    async close() {
      closed = true;
      await Promise.allSettled([...writing]);
    },
  };
}

/** Makes a rename durable (POSIX); where a directory cannot be opened (Windows) the rename stands as is. */
async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // not supported on this platform
  }
}
