import type { CacheExchange, ExchangeCache } from '../proxy/exchange-cache.js';
import type { CacheResult } from '../proxy/exchange-record.js';
import { getHeader } from '../proxy/header-list.js';
import { ProxyError } from '../proxy/proxy-error.js';
import { ifRangeHolds, resolveRange } from './byte-ranges.js';
import type { CacheContext, StoredUse } from './cache-context.js';
import { type ClientConditionals, readConditionals } from './client-conditionals.js';
import { HitPlans } from './hit-plan.js';
import { invalidationTap } from './invalidation.js';
import { MissCollapser } from './miss-collapser.js';
import { fetchFromOrigin, revalidateInBackground } from './origin-fetch.js';
import { holds, partialAnswer, type StoredAnswer, unsatisfiableAnswer } from './range-answer.js';
import { type RequestView, requestView, varyKey } from './request-view.js';
import { acceptsStored, type Reuse, requestDirectives, reuse } from './reuse-decision.js';
import { serveStored } from './serve-stored.js';
import type { Lookup } from './store-verdict.js';
import type { CacheStore, StoredEntry } from './stored-entry.js';

export interface ResponseCacheOptions {
  store: CacheStore;
  /** Bodies larger than this stream through and are not stored. */
  maxEntryBytes: number;
  /** True when Veil listens beyond loopback: a response with Set-Cookie is then stored only when public. */
  exposed?: boolean;
  /** Never store an answer with Set-Cookie, `public` or not (the reverse proxy's cache: visitors are strangers). */
  neverStoreCookies?: boolean;
  /** The clock (epoch ms); tests move it instead of sleeping. */
  now?: () => number;
}

export interface ResponseCacheStats {
  entries: number;
  bytes: number;
  maxBytes: number;
  hits: number;
  misses: number;
  revalidations: number;
  bytesSaved: number;
}

/** The RFC 9111 shared cache as an engine hook, plus what the control service asks of it. */
export interface ResponseCache extends ExchangeCache {
  readonly store: CacheStore;
  stats(): ResponseCacheStats;
  /** Drops everything, or the entries of one host and its subdomains; returns how many. */
  purge(host?: string): number;
  /** Swaps the store (resize, move to disk); returns the old one for the caller to close. */
  setStore(store: CacheStore): CacheStore;
  configure(options: { maxEntryBytes?: number; exposed?: boolean }): void;
  /** Requests waiting for another request's miss to the same URL (collapsed). */
  readonly waiting: number;
  /** Background revalidations (stale-while-revalidate) under way. */
  readonly revalidating: number;
  /** Resolves once every store write begun so far has finished (before a store is closed). */
  flush(): Promise<void>;
}

/** Creates the response cache; install it with `engine.setCache(cache)`. */
export function createResponseCache(options: ResponseCacheOptions): ResponseCache {
  let store = options.store;
  let maxEntryBytes = options.maxEntryBytes;
  let exposed = options.exposed ?? false;
  const neverCookies = options.neverStoreCookies ?? false;
  const now = options.now ?? Date.now;
  const plans = new HitPlans();
  const collapser = new MissCollapser();
  const counts = { hits: 0, misses: 0, revalidations: 0, bytesSaved: 0 };
  let waiting = 0;
  const writes = new Set<Promise<void>>();
  /** Keys with a background revalidation under way: one at a time per entry (RFC 5861 §3). */
  const revalidating = new Set<string>();

  const ctx: CacheContext = {
    store: () => store,
    now,
    plans,
    counts,
    limits: () => ({ maxEntryBytes, exposed, neverCookies }),
    write(entry, body, then) {
      // failures only cost the entry
      const p = store.put(entry, body).catch(() => {});
      writes.add(p);
      void p.finally(() => {
        writes.delete(p);
        then?.();
      });
    },
    track(work) {
      const p = work.catch(() => {});
      writes.add(p);
      void p.finally(() => writes.delete(p));
    },
    answer: answerStored,
  };

  function handle(ex: CacheExchange): void {
    const { method } = ex.facts;
    if (method !== 'GET' && method !== 'HEAD') {
      ex.rec.cache = 'bypass';
      ex.forward(SAFE_METHODS.has(method) ? undefined : invalidationTap(() => store, ex.facts.url));
      return;
    }
    const url = ex.facts.url.href;
    const conditionals = readConditionals(ex.forwarded);
    // RFC 9110 §14.2: Range is defined for GET only
    const range = method === 'GET' ? getHeader(ex.forwarded, 'range') : undefined;
    if (range === undefined && serveFresh(ex, url, conditionals)) return;
    const view = requestView(ex.forwarded);
    const q: Lookup = { url, view, conditionals, authorized: 'authorization' in view };
    lookup(ex, q, range).catch((err: unknown) => ex.fail(err));
  }

  /**
   * The hit path for a request without Cache-Control, Pragma or Range (nearly all of them): a
   * fresh entry in memory answers at once, without a promise or the request view (built only for
   * an entry with Vary: its Cookie digest alone costs microseconds). False otherwise.
   */
  function serveFresh(ex: CacheExchange, url: string, conditionals: ClientConditionals): boolean {
    const list = ex.forwarded;
    if (getHeader(list, 'cache-control') !== undefined || getHeader(list, 'pragma') !== undefined) return false;
    let view: RequestView | undefined;
    const entry = select(
      url,
      getHeader(list, 'authorization') !== undefined,
      false,
      () => (view ??= requestView(list)),
    );
    if (!entry) return false;
    const plan = plans.for(entry);
    const age = plan.age(now());
    if (plan.noCache || plan.lifetime <= age) return false;
    const body = store.bodyAtHand(entry);
    if (!body) return false;
    counts.hits++;
    counts.bytesSaved += serveStored(ex, entry, plan.servedAt(age), body, 'hit', conditionals);
    ex.rec.route = 'cache';
    return true;
  }

  async function lookup(ex: CacheExchange, q: Lookup, range: string | undefined): Promise<void> {
    const directives = requestDirectives(ex.forwarded);
    q.noStore = directives.noStore;
    const ifRange = getHeader(ex.forwarded, 'if-range');
    // a reload (no-cache, max-age=0) cannot use what a leader stores, so it never waits for one
    const collapsible = ex.facts.method === 'GET' && !q.authorized && acceptsStored(directives) && range === undefined;
    let waited = false;
    for (;;) {
      const entry = select(q.url, q.authorized, range !== undefined, () => q.view);
      let stale: StoredUse | null = null;
      if (entry) {
        const plan = plans.for(entry);
        const decision: Reuse = reuse(plan, plan.age(now()), directives);
        const body = store.bodyAtHand(entry) ?? (await store.body(entry));
        if (body) {
          const use: StoredUse = { entry, plan, body, conditionals: q.conditionals, range, ifRange };
          if (decision !== 'revalidate' && usable(use)) {
            counts.hits++;
            counts.bytesSaved += answerStored(ex, use, decision === 'fresh' ? 'hit' : 'stale');
            ex.rec.route = 'cache';
            if (decision === 'background' && !directives.onlyIfCached) startBackground(ex, use);
            return;
          }
          // a stored part is never revalidated: a miss for it is an ordinary range request
          if (!entry.span) stale = use;
        }
      }
      if (directives.onlyIfCached) {
        ex.rec.cache = 'miss';
        ex.fail(
          new ProxyError(
            'E_NOT_CACHED',
            504,
            'The client asked for a stored answer only (only-if-cached), and Veil has none.',
          ),
        );
        return;
      }
      const pending = collapsible && !waited ? collapser.pending(q.url) : undefined;
      if (pending) {
        waiting++;
        await pending.finally(() => waiting--);
        waited = true;
        // the client gave up while it waited: nothing to answer, nothing to fetch
        if (ex.res.destroyed) {
          ex.rec.error ??= 'E_CLIENT_GONE';
          ex.rec.finish();
          return;
        }
        continue;
      }
      const release = (collapsible ? collapser.lead(q.url) : null) ?? (() => {});
      fetchFromOrigin(ctx, ex, q, stale, release);
      return;
    }
  }

  /** A stored part answers only a Range it holds whole, and only when If-Range allows the part. */
  function usable(use: StoredUse): boolean {
    const { span } = use.entry;
    if (!span || use.range === undefined) return true;
    if (!ifRangeHolds(use.ifRange, use.entry.headers)) return false;
    const wanted = resolveRange(use.range, span.total);
    return typeof wanted === 'object' && holds(use.entry, wanted);
  }

  /** Once the client has its stale answer, one background request revalidates the entry (RFC 5861 §3). */
  function startBackground(ex: CacheExchange, use: StoredUse): void {
    const key = use.entry.key;
    if (revalidating.has(key)) return;
    revalidating.add(key);
    // after the client's answer is complete: the client never waits for the origin
    ex.res.once('close', () => revalidateInBackground(ctx, ex, use, () => revalidating.delete(key)));
  }

  /** Answers from a stored entry, applying Range and If-Range (RFC 9110 §14, §13.1.5); returns the body bytes sent. */
  function answerStored(ex: CacheExchange, use: StoredUse, result: CacheResult, validated = false): number {
    const { entry, plan, body } = use;
    const served = plan.servedAt(plan.age(now()), validated);
    let part: StoredAnswer | undefined;
    if (use.range !== undefined && ifRangeHolds(use.ifRange, entry.headers)) {
      const total = entry.span?.total ?? entry.bodyLength;
      const wanted = resolveRange(use.range, total);
      if (wanted === 'unsatisfiable') part = unsatisfiableAnswer(total, now());
      else if (wanted !== 'ignore') part = partialAnswer(entry, served, body, wanted);
    }
    return serveStored(ex, entry, served, body, result, use.conditionals, part);
  }

  /**
   * The newest stored variant whose selecting headers match, and that this request may use;
   * stored parts (206) only for a Range request. `view` is asked for only when an entry has Vary.
   */
  function select(url: string, authorized: boolean, ranged: boolean, view: () => RequestView): StoredEntry | undefined {
    for (const entry of store.variants(url)) {
      if (entry.span && !ranged) continue;
      const key = entry.vary.length === 0 ? url : varyKey(url, entry.vary, view());
      if (key !== entry.key) continue;
      // RFC 9111 §3.5: an authenticated request only gets what the origin marked as shareable
      if (authorized && !plans.for(entry).shareable) continue;
      return entry;
    }
    return undefined;
  }

  return {
    handle,
    get store() {
      return store;
    },
    get waiting() {
      return waiting;
    },
    get revalidating() {
      return revalidating.size;
    },
    async flush() {
      while (writes.size > 0) await Promise.allSettled([...writes]);
    },
    stats: () => ({
      entries: store.entries,
      bytes: store.bytes,
      maxBytes: store.maxBytes,
      ...counts,
    }),
    purge: (host) => store.purge(host),
    setStore(next) {
      const old = store;
      store = next;
      return old;
    },
    configure(next) {
      if (next.maxEntryBytes !== undefined) maxEntryBytes = next.maxEntryBytes;
      if (next.exposed !== undefined) exposed = next.exposed;
    },
  };
}

// RFC 9110 §9.2.1: these never change state, so they invalidate nothing.
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);
