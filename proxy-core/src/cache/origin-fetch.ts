import type { CacheExchange, ResponseBody, ResponseTap } from '../proxy/exchange-cache.js';
import { getHeader, type HeaderList, removeHeader, setHeader } from '../proxy/header-list.js';
import { ProxyError } from '../proxy/proxy-error.js';
import { teeBody } from './body-tee.js';
import type { CacheContext, StoredUse } from './cache-context.js';
import { cacheControl, fieldNames } from './cache-directives.js';
import { hasConditionals } from './client-conditionals.js';
import { updateHeaders } from './header-update.js';
import { combinePartial, type Held } from './partial-content.js';
import { type Lookup, makeEntry, mayStoreCookies, storable } from './store-verdict.js';
import type { StoredEntry } from './stored-entry.js';
import { headDescribes, notModifiedSelects, revalidationFields } from './validators.js';

/**
 * Sends a miss or a revalidation upstream and handles the answer: a 304 that confirms `stale`
 * (answered from the store), stale-if-error, a HEAD that refreshes a stored GET, or a response
 * to store. `release` lets collapsed followers go once the outcome is known.
 */
export function fetchFromOrigin(
  ctx: CacheContext,
  ex: CacheExchange,
  q: Lookup,
  stale: StoredUse | null,
  release: () => void,
): void {
  // once a body is being kept, the store write releases the followers (the client may be served sooner)
  let storing = false;
  // the fallback when the upstream fails or the client leaves before the tap decides
  ex.res.once('close', () => {
    if (!storing) release();
  });
  if (stale) addValidators(ex, stale.entry, etagAllowed(ex));
  const requestTime = ctx.now();
  const tap: ResponseTap = (status, statusMessage, headers, body) => {
    const responseTime = ctx.now();
    if (stale && status === 304) return revalidated(ctx, ex, q, stale, headers, body, release, requestTime);
    if (stale && status >= 500 && stale.plan.mayServeOnError(stale.plan.age(responseTime))) {
      // RFC 5861 stale-if-error: the origin failed, the stored copy may stand in for it
      body.resume();
      release();
      ctx.counts.hits++;
      ctx.counts.bytesSaved += ctx.answer(ex, stale, 'stale');
      return 'answered';
    }
    ctx.counts.misses++;
    if (ex.facts.method === 'HEAD') {
      ex.rec.cache = 'miss';
      if (stale && status === 200) refreshFromHead(ctx, stale.entry, headers, requestTime, responseTime);
      release();
      return undefined;
    }
    // RFC 9111 §5.2.1.5: a request's no-store keeps its response out of the store
    const verdict = q.noStore ? null : storable(q, status, headers, ctx.limits(), responseTime);
    if (!verdict) {
      ex.rec.cache = 'uncacheable';
      // a full answer replaces the stale entry even when it may not be kept (RFC 9111 §4.3.4)
      if (stale && status < 500) ctx.store().remove(stale.entry.key);
      release();
      return undefined;
    }
    ex.rec.cache = 'miss';
    storing = true;
    teeBody(body, ctx.limits().maxEntryBytes, (copy) => {
      if (!copy) return release();
      const entry = makeEntry(q, status, statusMessage ?? '', verdict, copy.length, requestTime, responseTime);
      if (!entry.span) return ctx.write(entry, copy, release);
      ctx.track(
        joinPart(ctx, { entry, body: copy }).then(
          (held) => ctx.write(held.entry, held.body, release),
          () => release(),
        ),
      );
    });
    return undefined;
  };
  const onFailure = (err: unknown): 'answered' | undefined => {
    if (!stale || ex.res.headersSent) return undefined;
    if (stale.plan.mayServeOnError(stale.plan.age(ctx.now()))) {
      // RFC 5861 stale-if-error covers an origin that cannot be reached at all, not only its 5xx
      release();
      ctx.counts.hits++;
      ctx.counts.bytesSaved += ctx.answer(ex, stale, 'stale');
      return 'answered';
    }
    if (!stale.plan.mustRevalidate) return undefined;
    // RFC 9111 §5.2.2.2: disconnected, a must-revalidate entry is never served stale; 504 instead
    release();
    const why = err instanceof Error ? ` (${err.message})` : '';
    ex.fail(
      new ProxyError(
        'E_UPSTREAM_UNREACHABLE',
        504,
        `The stored answer must be revalidated (must-revalidate) and the origin cannot be reached${why}.`,
      ),
    );
    return 'answered';
  };
  ex.forward(tap, onFailure);
}

/**
 * RFC 5861 §3 stale-while-revalidate: after the client was answered from `use`, one background
 * request revalidates the entry (the engine's `background`: its answer reaches no client). `done` runs once.
 */
export function revalidateInBackground(ctx: CacheContext, ex: CacheExchange, use: StoredUse, done: () => void): void {
  let settled = false;
  const settle = (): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    done();
  };
  // a request the engine dropped without a word must not block the next revalidation forever
  const timer = setTimeout(settle, 60_000);
  timer.unref();
  const withEtag = etagAllowed(ex);
  // a plain conditional GET: the client's own Range and validators are not this request's
  for (const name of ['range', 'if-range', 'if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since']) {
    removeHeader(ex.forwarded, name);
  }
  addValidators(ex, use.entry, withEtag);
  const requestTime = ctx.now();
  const tap: ResponseTap = (status, _message, headers, body) => {
    body.resume();
    if (status === 304 && notModifiedSelects(use.entry.headers, headers)) {
      ctx.counts.revalidations++;
      const entry = refreshed(use.entry, headers, requestTime, ctx.now());
      if (mayStoreCookies(entry.headers, ctx.limits().exposed, ctx.limits().neverCookies))
        ctx.write(entry, use.body, settle);
      else {
        ctx.store().remove(entry.key);
        settle();
      }
      return 'answered';
    }
    // a new representation: its body goes nowhere here, so the next request fetches it as a miss
    if (status < 500) ctx.store().remove(use.entry.key);
    settle();
    return 'answered';
  };
  ex.background(tap, () => {
    settle();
    return 'answered';
  });
}

/** False when the privacy policy removed the client's If-None-Match (ETag tracking): Veil then sends none either. */
function etagAllowed(ex: CacheExchange): boolean {
  return (
    getHeader(ex.facts.headers, 'if-none-match') === undefined || getHeader(ex.forwarded, 'if-none-match') !== undefined
  );
}

/** RFC 9111 §3.4: a new 206 joined with the stored part of the same representation when they meet. */
async function joinPart(ctx: CacheContext, incoming: Held): Promise<Held> {
  const store = ctx.store();
  const old = store.variants(incoming.entry.url).find((e) => e.key === incoming.entry.key && e.span);
  const body = old ? (store.bodyAtHand(old) ?? (await store.body(old))) : null;
  return combinePartial(old && body ? { entry: old, body } : null, incoming);
}

/** Adds the stored entry's validators (RFC 9111 §4.3.1). */
function addValidators(ex: CacheExchange, entry: StoredEntry, withEtag: boolean): void {
  const wanted = revalidationFields(entry.headers);
  if (wanted.ifNoneMatch !== undefined && withEtag) setHeader(ex.forwarded, 'If-None-Match', wanted.ifNoneMatch);
  if (wanted.ifModifiedSince !== undefined) setHeader(ex.forwarded, 'If-Modified-Since', wanted.ifModifiedSince);
}

/** The origin confirmed the stored entry: merge its 304 into it and answer from the store. */
function revalidated(
  ctx: CacheContext,
  ex: CacheExchange,
  q: Lookup,
  stale: StoredUse,
  headers: HeaderList,
  body: ResponseBody,
  release: () => void,
  requestTime: number,
): 'answered' | undefined {
  const matches = notModifiedSelects(stale.entry.headers, headers);
  if (!matches && hasConditionals(q.conditionals)) {
    // the 304 answers the client's own validator, not Veil's: it passes through
    ctx.counts.misses++;
    ex.rec.cache = 'miss';
    release();
    return undefined;
  }
  body.resume();
  ctx.counts.revalidations++;
  if (!matches) {
    // a 304 for a validator Veil did not send (a confused origin): answer once from the old copy, keep nothing
    ctx.store().remove(stale.entry.key);
    release();
    ctx.counts.bytesSaved += ctx.answer(ex, stale, 'revalidated');
    return 'answered';
  }
  const entry = refreshed(stale.entry, headers, requestTime, ctx.now());
  if (mayStoreCookies(entry.headers, ctx.limits().exposed, ctx.limits().neverCookies))
    ctx.write(entry, stale.body, release);
  else {
    ctx.store().remove(entry.key);
    release();
  }
  const use: StoredUse = { ...stale, entry, plan: ctx.plans.for(entry) };
  ctx.counts.bytesSaved += ctx.answer(ex, use, 'revalidated', true);
  return 'answered';
}

/** RFC 9111 §4.3.5: a HEAD's 200 that describes the stored GET response refreshes its headers. */
function refreshFromHead(
  ctx: CacheContext,
  entry: StoredEntry,
  headers: HeaderList,
  requestTime: number,
  responseTime: number,
): void {
  if (entry.span || !headDescribes(entry.headers, headers)) return;
  const next = refreshed(entry, headers, requestTime, responseTime);
  const store = ctx.store();
  const body = store.bodyAtHand(next);
  if (body === null) return;
  if (!mayStoreCookies(next.headers, ctx.limits().exposed, ctx.limits().neverCookies)) {
    store.remove(entry.key);
    return;
  }
  void store.update(next);
}

/** The stored entry with a newer response's headers (§3.2) and that response's times. */
function refreshed(entry: StoredEntry, headers: HeaderList, requestTime: number, responseTime: number): StoredEntry {
  // fields the newer response marks private="…" must not enter the store either
  const privateFields = fieldNames(cacheControl(headers).get('private')) ?? [];
  return {
    ...entry,
    headers: updateHeaders(entry.headers, headers, privateFields),
    requestTime,
    responseTime,
    storedAt: responseTime,
  };
}
