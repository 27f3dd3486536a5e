import type { ExchangeRecord } from '../proxy/exchange-record.js';
import type { Counters } from './traffic-schema.js';

/** Seconds the requests-per-second figure averages over. */
const WINDOW_S = 5;

/**
 * The status line's totals, plus requests per second from one counter per second: memory stays constant
 * however fast requests come and however rarely anyone asks.
 */
export class TrafficCounters {
  private readonly totals: Omit<Counters, 'requestsPerSecond'> = {
    requests: 0,
    blocked: 0,
    headersRemoved: 0,
    bytesUp: 0,
    bytesDown: 0,
    cacheHits: 0,
  };
  private readonly buckets = new Array<number>(WINDOW_S + 1).fill(0);
  private bucketSecond = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Counts one finished exchange. */
  add(r: ExchangeRecord): void {
    const t = this.totals;
    t.requests++;
    if (r.blocked) t.blocked++;
    t.headersRemoved += r.receipt.length;
    t.bytesUp += r.bytesUp;
    t.bytesDown += r.bytesDown;
    if (r.cache === 'hit') t.cacheHits++;
    this.advance();
    this.buckets[this.bucketSecond % this.buckets.length]!++;
  }

  /** A copy of the figures now; the rate counts the last WINDOW_S whole seconds. */
  snapshot(): Counters {
    this.advance();
    const current = this.bucketSecond % this.buckets.length;
    let sum = 0;
    for (let i = 0; i < this.buckets.length; i++) if (i !== current) sum += this.buckets[i]!;
    return { ...this.totals, requestsPerSecond: Math.round((sum / WINDOW_S) * 10) / 10 };
  }

  /** Moves to the current second, zeroing the buckets of the seconds that passed. */
  private advance(): void {
    const second = Math.floor(this.now() / 1000);
    if (second === this.bucketSecond) return;
    const steps = Math.min(second - this.bucketSecond, this.buckets.length);
    for (let i = 1; i <= steps; i++) this.buckets[(this.bucketSecond + i) % this.buckets.length] = 0;
    this.bucketSecond = second;
  }
}
