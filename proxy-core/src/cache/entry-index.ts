import { LRUCache } from 'lru-cache';
import { entrySize, hostMatches, type StoredEntry } from './stored-entry.js';

/**
 * The LRU over stored variants, bounded by bytes, with a URL → variant keys map so a
 * lookup or an invalidation finds every variant of a URL. `onDrop` frees what an entry holds.
 */
export class EntryIndex<V extends { entry: StoredEntry }> {
  private readonly lru: LRUCache<string, V>;
  private readonly byUrl = new Map<string, Set<string>>();

  constructor(
    readonly maxBytes: number,
    private readonly onDrop: (value: V) => void = () => {},
  ) {
    this.lru = new LRUCache<string, V>({
      maxSize: Math.max(1, maxBytes),
      sizeCalculation: (v) => Math.max(1, entrySize(v.entry)),
      dispose: (value, key, reason) => {
        if (reason !== 'set') this.unlink(value.entry.url, key);
        this.onDrop(value);
      },
    });
  }

  get entries(): number {
    return this.lru.size;
  }

  get bytes(): number {
    return this.lru.calculatedSize;
  }

  /** True when an entry of this size can ever fit. */
  fits(entry: StoredEntry): boolean {
    return entrySize(entry) <= this.maxBytes;
  }

  set(value: V): void {
    const { key, url } = value.entry;
    if (!this.fits(value.entry)) return;
    this.lru.set(key, value);
    if (!this.lru.has(key)) return;
    const keys = this.byUrl.get(url) ?? new Set<string>();
    keys.add(key);
    this.byUrl.set(url, keys);
  }

  get(key: string): V | undefined {
    return this.lru.get(key);
  }

  /** Values for a URL, newest stored first. */
  forUrl(url: string): V[] {
    const keys = this.byUrl.get(url);
    if (!keys) return [];
    if (keys.size === 1) {
      // most URLs have one variant: no sorting on the hit path
      const v = this.lru.get(keys.values().next().value as string);
      return v ? [v] : [];
    }
    const out: V[] = [];
    for (const k of keys) {
      const v = this.lru.get(k);
      if (v) out.push(v);
    }
    return out.sort((a, b) => b.entry.storedAt - a.entry.storedAt);
  }

  delete(key: string): boolean {
    return this.lru.delete(key);
  }

  deleteUrl(url: string): number {
    const keys = [...(this.byUrl.get(url) ?? [])];
    let n = 0;
    for (const k of keys) if (this.lru.delete(k)) n++;
    return n;
  }

  purge(host?: string): number {
    let n = 0;
    for (const [key, value] of [...this.lru.entries()]) {
      if (host && !hostMatches(value.entry.host, host)) continue;
      if (this.lru.delete(key)) n++;
    }
    return n;
  }

  /** Values least recently used first. */
  values(): V[] {
    return [...this.lru.rvalues()].filter((v): v is V => v !== undefined);
  }

  private unlink(url: string, key: string): void {
    const keys = this.byUrl.get(url);
    if (!keys) return;
    keys.delete(key);
    if (keys.size === 0) this.byUrl.delete(url);
  }
}
