import type { ExchangeRecord } from '../proxy/exchange-record.js';
import type { TrafficBatch } from './traffic-schema.js';

/** How one subscriber takes its batches. */
export interface FeedSubscriberOptions {
  /** Records held for this subscriber at most; beyond, the oldest go and count as missed. Default 2,000. */
  maxQueue?: number;
  /**
   * False while the subscriber cannot take more (e.g. a socket's send buffer is full). Its records wait in its
   * bounded queue and it gets one batch, newest records plus `missed`, once it is ready again. Default: always.
   */
  ready?: () => boolean;
}

interface Subscriber {
  listener: (batch: TrafficBatch) => void;
  maxQueue: number;
  ready: () => boolean;
  queue: ExchangeRecord[];
  missed: number;
}

/** Flush period: at most this many batches per second reach any one subscriber. */
export const FEED_BATCHES_PER_SECOND = 10;

/**
 * The live traffic feed: records in, batches out. Each subscriber has its own bounded queue, so a slow one
 * costs at most `maxQueue` records of memory and never holds up the others. The timer runs only while some
 * subscriber has records waiting.
 */
export class TrafficFeed {
  private readonly subscribers = new Set<Subscriber>();
  private timer: NodeJS.Timeout | null = null;
  private readonly intervalMs = 1000 / FEED_BATCHES_PER_SECOND;

  /** True when at least one subscriber listens (records are worth building). */
  get active(): boolean {
    return this.subscribers.size > 0;
  }

  /** Adds a subscriber; returns its unsubscribe function. */
  subscribe(listener: (batch: TrafficBatch) => void, options: FeedSubscriberOptions = {}): () => void {
    const sub: Subscriber = {
      listener,
      maxQueue: Math.max(1, options.maxQueue ?? 2000),
      ready: options.ready ?? (() => true),
      queue: [],
      missed: 0,
    };
    this.subscribers.add(sub);
    return () => {
      this.subscribers.delete(sub);
      if (this.subscribers.size === 0) this.stop();
    };
  }

  /** Queues one record for every subscriber. */
  publish(record: ExchangeRecord): void {
    if (this.subscribers.size === 0) return;
    for (const sub of this.subscribers) {
      sub.queue.push(record);
      // trim in chunks: shifting one by one at thousands of records per second is quadratic
      if (sub.queue.length >= sub.maxQueue * 2) this.trim(sub);
    }
    this.start();
  }

  /** Sends every ready subscriber its waiting records now (also what the timer does). */
  flush(): void {
    let waiting = false;
    for (const sub of this.subscribers) {
      if (sub.queue.length === 0 && sub.missed === 0) continue;
      if (!sub.ready()) {
        this.trim(sub);
        waiting = true;
        continue;
      }
      this.trim(sub);
      const batch: TrafficBatch = { records: sub.queue, missed: sub.missed };
      sub.queue = [];
      sub.missed = 0;
      try {
        sub.listener(batch);
      } catch {
        // one subscriber's failure must not stop the feed for the rest
      }
    }
    if (!waiting && [...this.subscribers].every((s) => s.queue.length === 0)) this.stop();
  }

  /** Drops every subscriber and the timer. */
  close(): void {
    this.subscribers.clear();
    this.stop();
  }

  private trim(sub: Subscriber): void {
    const over = sub.queue.length - sub.maxQueue;
    if (over > 0) {
      sub.queue.splice(0, over);
      sub.missed += over;
    }
  }

  private start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.flush(), this.intervalMs);
    this.timer.unref();
  }

  private stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
  }
}
