import { type HeaderList, removeHeader, setHeader } from '../proxy/header-list.js';
import { cacheControl, type Directives, deltaSeconds, fieldNames } from './cache-directives.js';
import { freshnessOf } from './freshness.js';
import { withoutFields } from './header-update.js';
import type { StoredRules } from './reuse-decision.js';
import type { StoredEntry } from './stored-entry.js';

/**
 * What using one stored entry needs, worked out once instead of on every hit: its directives,
 * freshness lifetime and initial age, and the served headers of the current Age. A stored entry
 * never changes (a 304 stores a new object), so only time moves, and every use reads the clock.
 */
export class HitPlan implements StoredRules {
  readonly cc: Directives;
  readonly lifetime: number;
  readonly heuristic: boolean;
  readonly noCache: boolean;
  readonly mustRevalidate: boolean;
  readonly staleWhileRevalidate: number;
  readonly staleIfError: number;
  /** RFC 9111 §3.5: an authenticated request may use it (public, s-maxage, must-revalidate). */
  readonly shareable: boolean;
  /** `no-cache="…"` fields: never served without a successful revalidation (§5.2.2.4). */
  readonly unvalidatedFields: string[];
  private readonly initialAge: number;
  private servedAge = -1;
  private served: HeaderList | null = null;

  constructor(readonly entry: StoredEntry) {
    const cc = cacheControl(entry.headers);
    this.cc = cc;
    const facts = freshnessOf(entry.status, entry.headers, cc, entry.requestTime, entry.responseTime);
    this.lifetime = facts.lifetime;
    this.heuristic = facts.heuristic;
    this.initialAge = facts.initialAge;
    const noCacheFields = fieldNames(cc.get('no-cache'));
    this.noCache = cc.has('no-cache') && noCacheFields === null;
    this.unvalidatedFields = noCacheFields ?? [];
    this.mustRevalidate = cc.has('must-revalidate') || cc.has('proxy-revalidate') || cc.has('s-maxage');
    this.staleWhileRevalidate = deltaSeconds(cc.get('stale-while-revalidate')) ?? 0;
    this.staleIfError = deltaSeconds(cc.get('stale-if-error')) ?? 0;
    this.shareable = cc.has('public') || cc.has('s-maxage') || cc.has('must-revalidate');
  }

  /** §4.2.3 current_age in seconds at `now` (epoch ms). */
  age(now: number): number {
    return this.initialAge + Math.max(0, now - this.entry.responseTime) / 1000;
  }

  fresh(now: number): boolean {
    return this.lifetime > this.age(now);
  }

  /**
   * RFC 5861 §4: the origin failed and the entry, `age` seconds old, may stand in for it; never
   * when a directive forbids unvalidated use (RFC 9111 §4.2.4: no-cache, must-revalidate, …).
   */
  mayServeOnError(age: number): boolean {
    if (this.mustRevalidate || this.noCache) return false;
    return this.staleIfError > 0 && age <= this.lifetime + this.staleIfError;
  }

  /**
   * The headers a use serves when the entry is `age` seconds old, before this request's response
   * policy: the stored list with its Date as stored (RFC 9111 §4), Age, and Content-Length; without
   * no-cache="…" fields unless `validated`. Shared between uses of the same Age: copy before changing.
   */
  servedAt(age: number, validated = false): HeaderList {
    // Age is whole seconds (RFC 9111 §5.1); rounded, as the elapsed time is measured in ms
    const whole = Math.round(age);
    if (!validated && this.served && whole === this.servedAge) return this.served;
    const out = withoutFields(this.entry.headers, validated ? [] : this.unvalidatedFields).slice();
    removeHeader(out, 'age');
    out.push('Age', String(whole));
    const { status, span } = this.entry;
    if (status !== 204 && status !== 304 && !span) setHeader(out, 'Content-Length', String(this.entry.bodyLength));
    if (!validated) {
      this.served = out;
      this.servedAge = whole;
    }
    return out;
  }
}

/** The plans of one cache's entries; an entry that leaves the store takes its plan with it. */
export class HitPlans {
  private readonly plans = new WeakMap<StoredEntry, HitPlan>();

  for(entry: StoredEntry): HitPlan {
    let plan = this.plans.get(entry);
    if (!plan) {
      plan = new HitPlan(entry);
      this.plans.set(entry, plan);
    }
    return plan;
  }
}
