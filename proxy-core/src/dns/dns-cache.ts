import { LRUCache } from 'lru-cache';
import type { AddressType } from './dns-message.js';

/** Positive answers are kept one day at most, whatever TTL the zone asks for. */
export const MAX_POSITIVE_TTL_S = 86_400;

/** A cached outcome: addresses, or a negative answer (NXDOMAIN / no data). */
export type CachedAnswer = { addresses: string[] } | { addresses: null; nxdomain: boolean };

interface Entry {
  answer: CachedAnswer;
  expiresAt: number;
}

export interface DnsCacheOptions {
  /** Entries at most (one per name and type). */
  maxEntries?: number;
  /** Milliseconds since some epoch; tests pass a manual clock. */
  now?: () => number;
}

/**
 * Answers by name and type, each kept for its TTL (0: not kept; positive answers clamped to a
 * day), least recently used dropped first. Lookups for a key already in flight share its promise.
 */
export class DnsCache {
  private readonly entries: LRUCache<string, Entry>;
  private readonly inflight = new Map<string, Promise<CachedAnswer>>();
  private readonly now: () => number;

  constructor(options: DnsCacheOptions = {}) {
    this.entries = new LRUCache({ max: options.maxEntries ?? 10_000 });
    this.now = options.now ?? Date.now;
  }

  /** The cached answer, or undefined when absent or expired. */
  get(name: string, type: AddressType): CachedAnswer | undefined {
    const key = cacheKey(name, type);
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e.answer;
  }

  /** Keeps an answer for `ttlSeconds` (a null or 0 TTL keeps nothing). */
  set(name: string, type: AddressType, answer: CachedAnswer, ttlSeconds: number | null): void {
    if (ttlSeconds === null || ttlSeconds <= 0) return;
    const ttl = Math.min(ttlSeconds, MAX_POSITIVE_TTL_S);
    this.entries.set(cacheKey(name, type), { answer, expiresAt: this.now() + ttl * 1000 });
  }

  /** Runs `ask` unless the same key is already being asked; every caller gets the one outcome. */
  dedupe(name: string, type: AddressType, ask: () => Promise<CachedAnswer>): Promise<CachedAnswer> {
    const key = cacheKey(name, type);
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const p = ask().finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}

function cacheKey(name: string, type: AddressType): string {
  return `${type} ${name.toLowerCase().replace(/\.$/, '')}`;
}
