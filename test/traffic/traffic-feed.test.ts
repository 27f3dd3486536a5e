import { describe, expect, it } from 'vitest';
import type { TrafficBatch } from '../../proxy-core/src/control/contract.js';
import { RingBuffer } from '../../proxy-core/src/traffic/ring-buffer.js';
import { FEED_BATCHES_PER_SECOND, TrafficFeed } from '../../proxy-core/src/traffic/traffic-feed.js';
import { fakeRecord } from '../control/helpers.js';

const tick = () => new Promise((r) => setTimeout(r, 10));

describe('ring buffer', () => {
  it('keeps the newest items and resizes keeping the newest', () => {
    const b = new RingBuffer<number>(3);
    for (let i = 1; i <= 5; i++) b.push(i);
    expect(b.toArray()).toEqual([3, 4, 5]);
    b.resize(5);
    b.push(6);
    expect(b.toArray()).toEqual([3, 4, 5, 6]);
    b.resize(2);
    expect(b.toArray()).toEqual([5, 6]);
    expect(b.clear()).toBe(2);
    expect(b.size).toBe(0);
    expect(() => new RingBuffer(0)).toThrow(/positive/);
  });

  it('replaces an item by its sequence number while it is held, also across a resize', () => {
    const b = new RingBuffer<string>(3);
    const seq = b.nextSeq;
    b.push('open');
    b.push('b');
    expect(b.replace(seq, 'done')).toBe(true);
    expect(b.toArray()).toEqual(['done', 'b']);
    b.resize(2);
    expect(b.replace(seq, 'again')).toBe(true);
    expect(b.toArray()).toEqual(['again', 'b']);
    b.push('c');
    // dropped: replacing it must not overwrite another item
    expect(b.replace(seq, 'lost')).toBe(false);
    expect(b.toArray()).toEqual(['b', 'c']);
    expect(b.replace(b.nextSeq, 'future')).toBe(false);
    b.clear();
    expect(b.replace(seq + 1, 'x')).toBe(false);
  });
});

describe('live traffic feed', () => {
  it('delivers ~5,000 records/s in at most 10 batches per second, in order, nothing missed', async () => {
    const feed = new TrafficFeed();
    const batches: TrafficBatch[] = [];
    const stamps: number[] = [];
    feed.subscribe(
      (b) => {
        batches.push(b);
        stamps.push(performance.now());
      },
      { maxQueue: 50_000 },
    );
    const total = 10_000;
    const started = performance.now();
    let id = 0;
    // 50 records every 10 ms: 5,000 per second for two seconds, as fast as this machine allows
    while (id < total) {
      for (let i = 0; i < 50; i++) feed.publish(fakeRecord(++id));
      await tick();
    }
    while (batches.reduce((n, b) => n + b.records.length, 0) < total) await tick();
    const elapsed = (stamps.at(-1)! - started) / 1000;
    const ids = batches.flatMap((b) => b.records.map((r) => r.id));
    expect(ids).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(batches.every((b) => b.missed === 0)).toBe(true);
    // the rate limit: never more than 10 batches per elapsed second (plus the first)
    expect(batches.length).toBeLessThanOrEqual(Math.ceil(elapsed * FEED_BATCHES_PER_SECOND) + 1);
    feed.close();
  });

  it('gives a slow subscriber the newest records and a missed count, without holding up a fast one', async () => {
    const feed = new TrafficFeed();
    let slowReady = false;
    const slow: TrafficBatch[] = [];
    const fast: TrafficBatch[] = [];
    feed.subscribe((b) => slow.push(b), { maxQueue: 500, ready: () => slowReady });
    feed.subscribe((b) => fast.push(b), { maxQueue: 50_000 });
    for (let id = 1; id <= 10_000; id++) feed.publish(fakeRecord(id));
    feed.flush();
    expect(fast.flatMap((b) => b.records).length).toBe(10_000);
    expect(slow).toHaveLength(0);
    // while it is not ready, the slow subscriber holds at most twice its bound (trimmed on every flush)
    const held = (feed as unknown as { subscribers: Set<{ queue: unknown[] }> }).subscribers;
    expect(Math.max(...[...held].map((s) => s.queue.length))).toBeLessThanOrEqual(500);
    for (let id = 10_001; id <= 12_000; id++) feed.publish(fakeRecord(id));
    slowReady = true;
    feed.flush();
    expect(slow).toHaveLength(1);
    expect(slow[0]!.records.map((r) => r.id)).toEqual(Array.from({ length: 500 }, (_, i) => 11_501 + i));
    expect(slow[0]!.missed).toBe(11_500);
    feed.publish(fakeRecord(12_001));
    feed.flush();
    expect(slow[1]).toMatchObject({ missed: 0, records: [{ id: 12_001 }] });
    feed.close();
  });

  it('stops its timer when the last subscriber leaves', async () => {
    const feed = new TrafficFeed();
    const off = feed.subscribe(() => undefined);
    feed.publish(fakeRecord(1));
    expect((feed as unknown as { timer: unknown }).timer).not.toBeNull();
    off();
    expect((feed as unknown as { timer: unknown }).timer).toBeNull();
    expect(feed.active).toBe(false);
  });
});
