import type CachePolicy from 'http-cache-semantics';
import type { CacheExchange, ExchangeCache, ResponseBody, ResponseTap } from '../proxy/exchange-cache.js';
import type { CacheResult } from '../proxy/exchange-record.js';
import { getHeader, getHeaderAll, type HeaderList, setHeader } from '../proxy/header-list.js';
import { ProxyError } from '../proxy/proxy-error.js';
import { teeBody } from './body-tee.js';
import {
  cacheControl,
  clockedPolicy,
  type PolicyClass,
  type PolicyHeaders,
  policyHeaders,
  servedHeaders,
} from './cache-policy.js';
import { type ClientConditionals, hasConditionals, readConditionals } from './client-conditionals.js';
import { HitPlans } from './hit-plan.js';
import { invalidationTap } from './invalidation.js';
import { MissCollapser } from './miss-collapser.js';
import { policyRequest, requestView, varyKey } from './request-view.js';
import { serveStored } from './serve-stored.js';
import { type Lookup, makeEntry, mayStoreCookies, storable } from './store-verdict.js';
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
  /** Resolves once every store write begun so far has finished (before a store is closed). */
  flush(): Promise<void>;
}

/** A stored entry that must be revalidated before it is used, with its body read ahead. */
interface StaleEntry {
  entry: StoredEntry;
  policy: CachePolicy;
  body: Buffer;
}

/** Creates the response cache; install it with `engine.setCache(cache)`. */
export function createResponseCache(options: ResponseCacheOptions): ResponseCache {
  let store = options.store;
  let maxEntryBytes = options.maxEntryBytes;
  let exposed = options.exposed ?? false;
  const neverCookies = options.neverStoreCookies ?? false;
  const now = options.now ?? Date.now;
  const Policy: PolicyClass = clockedPolicy(now);
  const plans = new HitPlans(Policy);
  const collapser = new MissCollapser();
  const counts = { hits: 0, misses: 0, revalidations: 0, bytesSaved: 0 };
  let waiting = 0;
  const writes = new Set<Promise<void>>();

  /** Stores an entry, tracked so `flush()` can wait for it; failures only cost the entry. */
  function write(entry: StoredEntry, body: Buffer, then: () => void): void {
    const p = store.put(entry, body).catch(() => {});
    writes.add(p);
    void p.finally(() => {
      writes.delete(p);
      then();
    });
  }

  function handle(ex: CacheExchange): void {
    const { method } = ex.facts;
    if (method !== 'GET' && method !== 'HEAD') {
      ex.rec.cache = 'bypass';
      ex.forward(SAFE_METHODS.has(method) ? undefined : invalidationTap(() => store, ex.facts.url));
      return;
    }
    // Veil does not store partial content: range requests go to the origin as they are
    if (getHeader(ex.forwarded, 'range') !== undefined) {
      ex.rec.cache = 'bypass';
      ex.forward();
      return;
    }
    const url = ex.facts.url.href;
    const conditionals = readConditionals(ex.forwarded);
    if (serveFresh(ex, url, conditionals)) return;
    const view = requestView(ex.forwarded);
    const q: Lookup = { url, view, conditionals, authorized: 'authorization' in view };
    lookup(ex, q).catch((err: unknown) => ex.fail(err));
  }

  /**
   * The hit path for a request without Cache-Control or Pragma (nearly all of them): when the
   * library already judged such a request for this entry a fresh hit and the entry is still
   * fresh, it answers at once from memory, without the library, a promise, or the request view
   * (built only for an entry with Vary: its Cookie digest alone costs microseconds). False otherwise.
   */
  function serveFresh(ex: CacheExchange, url: string, conditionals: ClientConditionals): boolean {
    const list = ex.forwarded;
    if (getHeader(list, 'cache-control') !== undefined || getHeader(list, 'pragma') !== undefined) return false;
    let view: PolicyHeaders | undefined;
    const entry = select(url, getHeader(list, 'authorization') !== undefined, () => (view ??= requestView(list)));
    if (!entry) return false;
    const plan = plans.for(entry);
    // the engine leaves exactly one Host (the target's authority), so its first value is the library's
    const age = plan.freshFor(getHeader(list, 'host'));
    if (age < 0) return false;
    const body = store.bodyAtHand(entry);
    if (!body) return false;
    counts.hits++;
    counts.bytesSaved += serveStored(ex, entry, plan.servedNow(now(), age, body.length), body, 'hit', conditionals);
    ex.rec.route = 'cache';
    return true;
  }

  async function lookup(ex: CacheExchange, q: Lookup): Promise<void> {
    const { view } = q;
    const reqcc = cacheControl(ex.forwarded);
    const onlyIfCached = reqcc.has('only-if-cached');
    // a reload (no-cache, max-age=0) cannot use what a leader stores, so it never waits for one
    const reusable =
      !reqcc.has('no-store') &&
      !reqcc.has('no-cache') &&
      reqcc.get('max-age') !== '0' &&
      !/no-cache/i.test(view.pragma ?? '');
    const collapsible = ex.facts.method === 'GET' && !q.authorized && reusable;
    const plain = view['cache-control'] === undefined && view.pragma === undefined;
    let waited = false;
    for (;;) {
      const entry = select(q.url, q.authorized, () => view);
      let stale: StaleEntry | null = null;
      if (entry) {
        const plan = plans.for(entry);
        const { policy } = plan;
        const evaluation = policy.evaluateRequest(policyRequest(q.url, view));
        const body = store.bodyAtHand(entry) ?? (await store.body(entry));
        if (body && evaluation.response && !evaluation.revalidation) {
          const isStale = policy.stale();
          if (plain && !isStale) plan.confirmPlain(view.host);
          const served = plan.servedNow(now(), policy.age(), body.length, evaluation.response.headers);
          counts.hits++;
          counts.bytesSaved += serveStored(ex, entry, served, body, isStale ? 'stale' : 'hit', q.conditionals);
          ex.rec.route = 'cache';
          return;
        }
        if (body && ex.facts.method === 'GET') stale = { entry, policy, body };
      }
      if (onlyIfCached) {
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
      goUpstream(ex, q, stale, collapsible);
      return;
    }
  }

  /** Answers from an entry outside the hit path (stale-if-error, after a 304); returns the body bytes sent. */
  function answerStored(
    ex: CacheExchange,
    entry: StoredEntry,
    body: Buffer,
    result: CacheResult,
    conditionals: ClientConditionals,
  ): number {
    const plan = plans.for(entry);
    return serveStored(ex, entry, plan.servedNow(now(), plan.policy.age(), body.length), body, result, conditionals);
  }

  /**
   * The newest stored variant whose selecting headers match, and that this request may use.
   * `view` gives the request view; it is asked for only when an entry has Vary.
   */
  function select(url: string, authorized: boolean, view: () => PolicyHeaders): StoredEntry | undefined {
    for (const entry of store.variants(url)) {
      const key = entry.vary.length === 0 ? url : varyKey(url, entry.vary, view());
      if (key !== entry.key) continue;
      // RFC 9111 §3.5: an authenticated request only gets what the origin marked as shareable
      if (authorized && !allowsAuthorized(entry)) continue;
      return entry;
    }
    return undefined;
  }

  function goUpstream(ex: CacheExchange, q: Lookup, stale: StaleEntry | null, collapsible: boolean): void {
    const release = (collapsible ? collapser.lead(q.url) : null) ?? (() => {});
    // once a body is being kept, the store write releases the followers (the client may be served sooner)
    let storing = false;
    // the fallback when the upstream fails or the client leaves before the tap decides
    ex.res.once('close', () => {
      if (!storing) release();
    });
    if (stale) addValidators(ex, stale);
    const tap: ResponseTap = (status, statusMessage, headers, body) => {
      if (stale && status === 304) return revalidated(ex, q, stale, headers, body, release);
      if (stale && status >= 500 && staleIfError(stale)) {
        // RFC 5861 stale-if-error: the origin failed, the stored copy may stand in for it
        body.resume();
        release();
        counts.hits++;
        counts.bytesSaved += answerStored(ex, stale.entry, stale.body, 'stale', q.conditionals);
        return 'answered';
      }
      counts.misses++;
      const verdict =
        ex.facts.method === 'GET'
          ? storable(q, status, headers, { Policy, maxEntryBytes, exposed, neverCookies })
          : null;
      if (!verdict) {
        ex.rec.cache = ex.facts.method === 'GET' ? 'uncacheable' : 'miss';
        // a full answer replaces the stale entry even when it may not be kept (RFC 9111 §4.3.4)
        if (stale && status < 500) store.remove(stale.entry.key);
        release();
        return undefined;
      }
      ex.rec.cache = 'miss';
      storing = true;
      teeBody(body, maxEntryBytes, (copy) => {
        if (!copy) return release();
        const entry = makeEntry(q, status, statusMessage ?? '', headers, verdict, copy.length, now());
        write(entry, copy, release);
      });
      return undefined;
    };
    // RFC 5861 stale-if-error covers an origin that cannot be reached at all, not only its 5xx
    const onFailure = (): 'answered' | undefined => {
      if (!stale || !staleIfError(stale) || ex.res.headersSent) return undefined;
      release();
      counts.hits++;
      counts.bytesSaved += answerStored(ex, stale.entry, stale.body, 'stale', q.conditionals);
      return 'answered';
    };
    ex.forward(tap, onFailure);
  }

  /** Adds the stored entry's validators, unless the privacy policy removed the client's (ETag tracking). */
  function addValidators(ex: CacheExchange, stale: StaleEntry): void {
    const wanted = stale.policy.revalidationHeaders(policyRequest(stale.entry.url, requestView(ex.forwarded)));
    const etagStripped =
      getHeader(ex.facts.headers, 'if-none-match') !== undefined &&
      getHeader(ex.forwarded, 'if-none-match') === undefined;
    const inm = wanted['if-none-match'];
    const ims = wanted['if-modified-since'];
    if (typeof inm === 'string' && !etagStripped) setHeader(ex.forwarded, 'If-None-Match', inm);
    if (typeof ims === 'string') setHeader(ex.forwarded, 'If-Modified-Since', ims);
  }

  /** The origin confirmed the stored entry: merge its 304 into it and answer from the store. */
  function revalidated(
    ex: CacheExchange,
    q: Lookup,
    stale: StaleEntry,
    headers: HeaderList,
    body: ResponseBody,
    release: () => void,
  ): 'answered' | undefined {
    const request = policyRequest(q.url, requestView(ex.forwarded), stale.entry.vary);
    const result = stale.policy.revalidatedPolicy(request, { status: 304, headers: policyHeaders(headers) });
    if (!result.matches && hasConditionals(q.conditionals)) {
      // the 304 answers the client's own validator, not Veil's: it passes through
      counts.misses++;
      ex.rec.cache = 'miss';
      release();
      return undefined;
    }
    body.resume();
    counts.revalidations++;
    if (!result.matches) {
      // a 304 for a validator Veil did not send (a confused origin): answer once from the old copy, keep nothing
      store.remove(stale.entry.key);
      release();
      counts.bytesSaved += answerStored(ex, stale.entry, stale.body, 'revalidated', q.conditionals);
      return 'answered';
    }
    const cookies = getHeaderAll(headers, 'set-cookie');
    const replaced = cookies.length > 0 ? cookies : undefined;
    const merged = result.policy;
    const entry: StoredEntry = {
      ...stale.entry,
      headers: servedHeaders(stale.entry.headers, merged.toObject().resh, replaced),
      policy: merged.toObject(),
      storedAt: now(),
    };
    if (mayStoreCookies(entry.headers, exposed, neverCookies)) write(entry, stale.body, release);
    else {
      store.remove(entry.key);
      release();
    }
    counts.bytesSaved += answerStored(ex, entry, stale.body, 'revalidated', q.conditionals);
    return 'answered';
  }

  return {
    handle,
    get store() {
      return store;
    },
    get waiting() {
      return waiting;
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

/** True while the entry's stale-if-error window (RFC 5861) covers its age. */
function staleIfError(stale: StaleEntry): boolean {
  const window = Number(stale.entry.policy.rescc['stale-if-error']);
  return Number.isFinite(window) && window > 0 && stale.policy.maxAge() + window > stale.policy.age();
}

function allowsAuthorized(entry: StoredEntry): boolean {
  const cc = entry.policy.rescc;
  return 'public' in cc || 's-maxage' in cc || 'must-revalidate' in cc;
}
