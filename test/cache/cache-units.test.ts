import { describe, expect, it } from 'vitest';
import { cacheControl } from '../../proxy-core/src/cache/cache-directives.js';
import { notModified, readConditionals } from '../../proxy-core/src/cache/client-conditionals.js';
import { createMemoryStore } from '../../proxy-core/src/cache/memory-store.js';
import { requestView, varyKey, varyNames } from '../../proxy-core/src/cache/request-view.js';
import { hostMatches, type StoredEntry } from '../../proxy-core/src/cache/stored-entry.js';

function entry(url: string, key = url, bodyLength = 10): StoredEntry {
  return {
    key,
    url,
    host: new URL(url).hostname,
    vary: [],
    status: 200,
    statusMessage: 'OK',
    headers: [],
    requestTime: Date.now(),
    responseTime: Date.now(),
    bodyLength,
    storedAt: Date.now(),
  };
}

describe('cache helpers', () => {
  it('keeps credentials only as digests in what it compares and stores', () => {
    const view = requestView(['Host', 'a.test', 'Cookie', 'sid=secret', 'Authorization', 'Bearer t0k3n', 'X-A', '1']);
    expect(JSON.stringify(view)).not.toContain('secret');
    expect(JSON.stringify(view)).not.toContain('t0k3n');
    expect(view.cookie).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('builds variant keys from the Vary fields, telling absent from empty', () => {
    expect(varyNames(' Accept-Encoding ,ACCEPT-LANGUAGE,')).toEqual(['accept-encoding', 'accept-language']);
    const url = 'http://a.test/x';
    expect(varyKey(url, [], { host: 'a.test' })).toBe(url);
    expect(varyKey(url, ['x'], { x: '' })).not.toBe(varyKey(url, ['x'], {}));
  });

  it('parses Cache-Control across repeated fields', () => {
    const cc = cacheControl(['Cache-Control', 'public', 'cache-control', 'Max-Age="60", no-transform']);
    expect(cc.get('public')).toBe(true);
    expect(cc.get('max-age')).toBe('60');
    expect(cc.has('no-transform')).toBe(true);
  });

  it('answers client validators like RFC 9110 §13.1', () => {
    const served = ['ETag', 'W/"v"', 'Last-Modified', 'Mon, 30 Nov 2026 08:00:00 GMT'];
    expect(notModified(readConditionals(['If-None-Match', '"a", "v"']), served)).toBe(true);
    expect(notModified(readConditionals(['If-None-Match', '*']), served)).toBe(true);
    // If-None-Match wins over If-Modified-Since
    const both = ['If-None-Match', '"other"', 'If-Modified-Since', 'Mon, 30 Nov 2026 09:00:00 GMT'];
    expect(notModified(readConditionals(both), served)).toBe(false);
    expect(notModified(readConditionals(['If-Modified-Since', 'Mon, 30 Nov 2026 09:00:00 GMT']), served)).toBe(true);
    expect(notModified(readConditionals(['If-Modified-Since', 'Mon, 30 Nov 2026 07:00:00 GMT']), served)).toBe(false);
    expect(notModified(readConditionals([]), served)).toBe(false);
  });

  it('matches hosts for purge: subdomains, case, trailing dot, IPv6 brackets', () => {
    expect(hostMatches('www.a.test', 'A.test.')).toBe(true);
    expect(hostMatches('a.test', 'a.test')).toBe(true);
    expect(hostMatches('evila.test', 'a.test')).toBe(false);
    expect(hostMatches('[::1]', '::1')).toBe(true);
  });

  it('memory store: purges by host with subdomains, and refuses what can never fit', async () => {
    const store = createMemoryStore(2000);
    for (const u of ['http://a.test/1', 'http://www.a.test/2', 'http://b.test/3'])
      await store.put(entry(u), Buffer.alloc(10));
    await store.put(entry('http://c.test/huge', 'http://c.test/huge', 5000), Buffer.alloc(5000));
    expect(store.entries).toBe(3);
    expect(store.purge('a.test')).toBe(2);
    expect(store.variants('http://b.test/3')).toHaveLength(1);
    expect(store.removeUrl('http://b.test/3')).toBe(1);
    expect(store.entries).toBe(0);
    expect(store.bytes).toBe(0);
  });
});
