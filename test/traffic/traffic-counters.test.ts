import { describe, expect, it } from 'vitest';
import { TrafficCounters } from '../../proxy-core/src/traffic/traffic-counters.js';
import { fakeRecord } from '../control/helpers.js';

describe('status line counters', () => {
  it('totals requests, blocked, removed headers, bytes and cache hits', () => {
    const c = new TrafficCounters(() => 1_000_000);
    c.add(fakeRecord(1, { bytesUp: 10, bytesDown: 100, cache: 'hit' }));
    c.add(fakeRecord(2, { blocked: { kind: 'blocklist', rule: 'x', list: 'L' }, receipt: [] }));
    expect(c.snapshot()).toMatchObject({
      requests: 2,
      blocked: 1,
      headersRemoved: 1,
      bytesUp: 10,
      bytesDown: 200,
      cacheHits: 1,
    });
  });

  it('averages requests per second over the last five whole seconds, in constant memory', () => {
    let now = 10_000_000;
    const c = new TrafficCounters(() => now);
    for (let s = 0; s < 5; s++) {
      for (let i = 0; i < 100; i++) c.add(fakeRecord(i));
      now += 1000;
    }
    expect(c.snapshot().requestsPerSecond).toBe(100);
    now += 2000;
    expect(c.snapshot().requestsPerSecond).toBe(60);
    now += 60_000;
    expect(c.snapshot().requestsPerSecond).toBe(0);
    expect(c.snapshot().requests).toBe(500);
    expect((c as unknown as { buckets: number[] }).buckets.length).toBe(6);
  });
});
