import type CachePolicy from 'http-cache-semantics';
import { type HeaderList, setHeader } from '../proxy/header-list.js';
import { type PolicyClass, servedHeaders } from './cache-policy.js';
import type { StoredEntry } from './stored-entry.js';

// RFC 9111 §4.2.1: a heuristic lifetime past a day may earn the library's Warning 113 once the age passes a day.
const DAY_SECONDS = 24 * 3600;

/**
 * What a hit on one stored entry needs, worked out once instead of on every hit: the entry's
 * CachePolicy, its freshness lifetime, the library's verdict for plain requests, and the served
 * headers of the current second. A stored entry never changes (a 304 stores a new object), so
 * none of this goes stale except through time, which every use checks.
 */
export class HitPlan {
  readonly policy: CachePolicy;
  /** Freshness lifetime in seconds; it does not depend on the clock. */
  private readonly maxAge: number;
  /** False when the library may add a Warning as the entry ages (then headers are built per hit). */
  private readonly memoizable: boolean;
  /** The Host of a plain request the library judged a fresh hit, or null until it has. */
  private plainHost: string | null = null;
  private servedSecond = Number.NaN;
  private servedAge = Number.NaN;
  private served: HeaderList | null = null;

  constructor(
    readonly entry: StoredEntry,
    Policy: PolicyClass,
  ) {
    this.policy = Policy.fromObject(entry.policy);
    this.maxAge = this.policy.maxAge();
    this.memoizable = this.maxAge <= DAY_SECONDS || explicitExpiration(entry.policy);
  }

  /**
   * Remembers that the library judged a request without Cache-Control or Pragma from `host` a
   * fresh hit. Its verdict for such a request depends only on the URL, Host and Vary fields
   * (which the entry's key already matched) and on freshness, which `freshFor` checks each time.
   */
  confirmPlain(host: string | undefined): void {
    if (host !== undefined) this.plainHost = host;
  }

  /**
   * The current age in seconds when a plain request from `host` is a fresh hit by the library's
   * earlier verdict, or -1 when the library must judge it (not yet confirmed, other host, stale).
   */
  freshFor(host: string | undefined): number {
    if (this.plainHost === null || host !== this.plainHost) return -1;
    const age = this.policy.age();
    return this.maxAge > age ? age : -1;
  }

  /**
   * The headers a hit serves at `now`, when the entry is `age` seconds old (before this request's
   * response policy): the stored list with Age, Date and Content-Length for `bodyLength`. Shared between hits of the same second and
   * Age: callers must copy it before changing it. `current` is the library's view when the
   * caller already has it.
   */
  servedNow(now: number, age: number, bodyLength: number, current?: CachePolicy.Headers): HeaderList {
    const second = Math.floor(now / 1000);
    const rounded = Math.round(age);
    if (this.served && this.memoizable && second === this.servedSecond && rounded === this.servedAge) {
      return this.served;
    }
    const headers = current ?? this.policy.responseHeaders();
    const out = servedHeaders(this.entry.headers, headers);
    const status = this.entry.status;
    if (status !== 204 && status !== 304) setHeader(out, 'Content-Length', String(bodyLength));
    if (this.memoizable) {
      // keyed by what the library wrote, so a second or Age that turned over meanwhile is never reused
      this.served = out;
      this.servedSecond = Math.floor(Date.parse(String(headers.date)) / 1000);
      this.servedAge = Number(headers.age);
    }
    return out;
  }
}

/** The library's test for an explicit lifetime (s-maxage in a shared cache, max-age, Expires). */
function explicitExpiration(policy: StoredEntry['policy']): boolean {
  const cc = policy.rescc;
  return Boolean((policy.sh && cc['s-maxage']) || cc['max-age'] || policy.resh.expires);
}

/** The plans of one cache's entries; an entry that leaves the store takes its plan with it. */
export class HitPlans {
  private readonly plans = new WeakMap<StoredEntry, HitPlan>();

  constructor(private readonly Policy: PolicyClass) {}

  for(entry: StoredEntry): HitPlan {
    let plan = this.plans.get(entry);
    if (!plan) {
      plan = new HitPlan(entry, this.Policy);
      this.plans.set(entry, plan);
    }
    return plan;
  }
}
