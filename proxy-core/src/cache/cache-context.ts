import type { CacheExchange } from '../proxy/exchange-cache.js';
import type { CacheResult } from '../proxy/exchange-record.js';
import type { ClientConditionals } from './client-conditionals.js';
import type { HitPlan, HitPlans } from './hit-plan.js';
import type { StoreLimits } from './store-verdict.js';
import type { CacheStore, StoredEntry } from './stored-entry.js';

/** The counters `cache.stats` reports. */
export interface CacheCounts {
  hits: number;
  misses: number;
  revalidations: number;
  bytesSaved: number;
}

/** What the parts of one response cache share: its store, clock, plans, counters and limits. */
export interface CacheContext {
  store(): CacheStore;
  now(): number;
  plans: HitPlans;
  counts: CacheCounts;
  limits(): StoreLimits;
  /** Stores an entry, tracked for `flush()`; `then` runs once it is readable (or failed). */
  write(entry: StoredEntry, body: Buffer, then?: () => void): void;
  /** Tracks work that ends in a write (reading a part to combine), so `flush()` waits for it too. */
  track(work: Promise<void>): void;
  /** Answers a client from a stored entry (with Range applied); returns the body bytes sent. */
  answer(ex: CacheExchange, use: StoredUse, result: CacheResult, validated?: boolean): number;
}

/** One stored entry about to be used for one request. */
export interface StoredUse {
  entry: StoredEntry;
  plan: HitPlan;
  body: Buffer;
  conditionals: ClientConditionals;
  /** The request's Range (GET only), applied when If-Range allows. */
  range?: string | undefined;
  ifRange?: string | undefined;
}
