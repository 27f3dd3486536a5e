/** The thresholds one backend's health follows (from the reverse settings). */
export interface HealthRules {
  /** Passive: failures in a row that take the backend out. */
  failThreshold: number;
  /** Passive: the first time out; doubled on each repeat, at most 16 times as long. */
  backoffMs: number;
  /** Active checks: passes in a row that bring it back, fails in a row that take it out. */
  passes: number;
  fails: number;
}

const MAX_BACKOFF_FACTOR = 16;

/**
 * Whether one backend gets requests. Passive: connect failures and 502/503/504 answers in a row
 * take it out for a back-off period, after which it is tried again (one more failure: out for
 * twice as long). Active: polled checks take it out after `fails` and bring it back after `passes`.
 */
export class BackendHealth {
  private failsInRow = 0;
  private outUntil = 0;
  private backoffs = 0;
  private activeOut = false;
  private activePasses = 0;
  private activeFails = 0;

  constructor(
    private readonly rules: HealthRules,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when requests may go to this backend now. */
  get available(): boolean {
    return !this.activeOut && this.now() >= this.outUntil;
  }

  /** A request reached the backend and it answered something other than 502/503/504. */
  passed(): void {
    this.failsInRow = 0;
    this.backoffs = 0;
  }

  /** A connect failure or a 502/503/504 answer. */
  failed(): void {
    this.failsInRow++;
    // after a back-off, the first request is a probe: one failure sends it out again
    if (this.failsInRow >= this.rules.failThreshold || this.backoffs > 0) {
      const factor = Math.min(2 ** this.backoffs, MAX_BACKOFF_FACTOR);
      this.outUntil = this.now() + this.rules.backoffMs * factor;
      this.backoffs++;
      this.failsInRow = 0;
    }
  }

  /** The result of one active check. */
  checked(ok: boolean): void {
    if (ok) {
      this.activeFails = 0;
      this.activePasses++;
      if (this.activeOut && this.activePasses >= this.rules.passes) {
        this.activeOut = false;
        // the check saw it serve again: the passive back-off has nothing left to protect
        this.outUntil = 0;
        this.backoffs = 0;
      }
    } else {
      this.activePasses = 0;
      this.activeFails++;
      if (this.activeFails >= this.rules.fails) this.activeOut = true;
    }
  }

  /** For status: `up`, `out` (passive back-off) or `failing-checks`. */
  get state(): 'up' | 'out' | 'failing-checks' {
    if (this.activeOut) return 'failing-checks';
    return this.now() < this.outUntil ? 'out' : 'up';
  }
}
