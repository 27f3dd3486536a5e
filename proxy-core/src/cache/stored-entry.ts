import type { HeaderList } from '../proxy/header-list.js';

/** One stored response (a variant of a URL), without its body. Plain data: it is also the disk index. */
export interface StoredEntry {
  /** `url` plus the selecting request header values (Vary); unique per variant. */
  key: string;
  /** Absolute URL of the stored response. */
  url: string;
  /** Lower-case host of `url`, for purge by host. */
  host: string;
  /** Lower-case names the response varies on ([] when it has no Vary). */
  vary: string[];
  status: number;
  statusMessage: string;
  /** Response headers as Veil sent them to the client (after the response policy). */
  headers: HeaderList;
  /** Epoch ms when Veil sent the request this response answers (RFC 9111 §4.2.3 request_time). */
  requestTime: number;
  /** Epoch ms when the response arrived (§4.2.3 response_time). */
  responseTime: number;
  /** A stored 206 (§3.3): where its bytes sit in the whole representation of `total` bytes. */
  span?: { start: number; total: number };
  bodyLength: number;
  /** Epoch ms when stored (the newest of two copies wins after a restart). */
  storedAt: number;
}

/** Where entries live: memory, or disk with an in-memory index. Both are bounded by bytes with LRU eviction. */
export interface CacheStore {
  /** The stored variants of a URL, newest first (marks them recently used). */
  variants(url: string): StoredEntry[];
  /** The body of an entry, or null when it vanished or failed its checksum (the entry is then dropped). */
  body(entry: StoredEntry): Promise<Buffer | null>;
  /** The body when it is in memory (null when the entry is gone); undefined when only `body()` can read it. */
  bodyAtHand(entry: StoredEntry): Buffer | null | undefined;
  /** Stores (or replaces) an entry with its body; resolves once a reader can see it complete. */
  put(entry: StoredEntry, body: Buffer): Promise<void>;
  /** Replaces an entry's headers and policy, keeping its body (after a 304). */
  update(entry: StoredEntry): Promise<void>;
  /** Drops one variant. */
  remove(key: string): void;
  /** Drops every variant of a URL; returns how many. */
  removeUrl(url: string): number;
  /** Drops everything, or every entry of `host` (and its subdomains); returns how many. */
  purge(host?: string): number;
  readonly entries: number;
  readonly bytes: number;
  readonly maxBytes: number;
  /** Every entry, least recently used first (to carry entries into a resized store). */
  dump(): Array<{ entry: StoredEntry; body: () => Promise<Buffer | null> }>;
  close(): Promise<void>;
}

/** Bytes an entry is charged for: its body plus its headers and bookkeeping. */
export function entrySize(entry: StoredEntry): number {
  let n = entry.bodyLength + entry.url.length + 256;
  for (const h of entry.headers) n += h.length;
  return n;
}

/** True when `host` is `target` or one of its subdomains. */
export function hostMatches(host: string, target: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  const t = target
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  return h === t || h.endsWith(`.${t}`);
}
