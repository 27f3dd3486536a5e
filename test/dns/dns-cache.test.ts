import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DnsCache, MAX_POSITIVE_TTL_S } from '../../proxy-core/src/dns/dns-cache.js';
import { createDnsResolver, type DnsResolver } from '../../proxy-core/src/dns/dns-resolver.js';
import { parseResolverUrl } from '../../proxy-core/src/dns/resolver-url.js';
import { resolverCert, startDohServer, type TestResolver, type Zone } from './resolver-servers.js';

const zone: Zone = {
  'five-minutes.veil-test': { A: ['127.0.0.1'], ttl: 300 },
  'zero.veil-test': { A: ['127.0.0.2'], ttl: 0 },
  'years.veil-test': { A: ['127.0.0.3'], ttl: 10_000_000 },
  'v4-only.veil-test': { A: ['127.0.0.4'], ttl: 300 },
  'dual.veil-test': { A: ['127.0.0.5'], AAAA: ['::1'], ttl: 300 },
};

let doh: TestResolver;
let now = 0;
let resolver: DnsResolver;

beforeAll(async () => {
  doh = await startDohServer(zone);
});
afterAll(async () => {
  await doh.close();
});
beforeEach(() => {
  resolver?.close();
  doh.seen.length = 0;
  now = 5_000_000;
  resolver = createDnsResolver({
    endpoints: [
      {
        url: parseResolverUrl(doh.url),
        bootstrap: ['127.0.0.1'],
        ca: readFileSync(resolverCert().caFile, 'utf8'),
      },
    ],
    fallback: 'none',
    rebindingAllow: null,
    now: () => now,
  });
});

const asked = (name: string, type = 'A'): number => doh.seen.filter((q) => q.name === name && q.type === type).length;

describe('the resolver cache (manual clock)', () => {
  it('keeps a positive answer for its TTL, then asks again', async () => {
    await resolver.resolveOne('five-minutes.veil-test');
    await resolver.resolveOne('five-minutes.veil-test');
    expect(asked('five-minutes.veil-test')).toBe(1);
    now += 299_000;
    await resolver.resolveOne('five-minutes.veil-test');
    expect(asked('five-minutes.veil-test')).toBe(1);
    now += 2_000;
    await resolver.resolveOne('five-minutes.veil-test');
    expect(asked('five-minutes.veil-test')).toBe(2);
  });

  it('does not keep a TTL 0 answer', async () => {
    await resolver.resolveOne('zero.veil-test');
    await resolver.resolveOne('zero.veil-test');
    expect(asked('zero.veil-test')).toBe(2);
  });

  it('clamps a long TTL to one day', async () => {
    await resolver.resolveOne('years.veil-test');
    now += (MAX_POSITIVE_TTL_S - 1) * 1000;
    await resolver.resolveOne('years.veil-test');
    expect(asked('years.veil-test')).toBe(1);
    now += 2_000;
    await resolver.resolveOne('years.veil-test');
    expect(asked('years.veil-test')).toBe(2);
  });

  it('caches NXDOMAIN for the SOA minimum (RFC 2308), then asks again', async () => {
    await expect(resolver.resolveOne('missing.veil-test')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(resolver.resolveOne('missing.veil-test')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    expect(asked('missing.veil-test')).toBe(1);
    now += 61_000; // the test zone's SOA says minimum 60, TTL 3600: the lesser wins
    await expect(resolver.resolveOne('missing.veil-test')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    expect(asked('missing.veil-test')).toBe(2);
  });

  it('caches "no AAAA" (no data) as negative, while the A answer connects', async () => {
    await resolver.resolveOne('v4-only.veil-test');
    await resolver.resolveOne('v4-only.veil-test');
    expect(asked('v4-only.veil-test', 'AAAA')).toBe(1);
  });

  it('shares one query between concurrent lookups of a name', async () => {
    const all = await Promise.all(Array.from({ length: 20 }, () => resolver.resolveOne('zero.veil-test')));
    expect(new Set(all)).toEqual(new Set(['127.0.0.2']));
    expect(asked('zero.veil-test')).toBe(1);
  });

  it('answers A and AAAA in the lookup() shape net.connect asks for', async () => {
    const all = await new Promise((resolve, reject) =>
      resolver.lookup(
        'five-minutes.veil-test',
        { all: true } as never,
        ((err: Error | null, a: unknown) => (err ? reject(err) : resolve(a))) as never,
      ),
    );
    expect(all).toEqual([{ address: '127.0.0.1', family: 4 }]);
    const one = await new Promise((resolve, reject) =>
      resolver.lookup('five-minutes.veil-test', { family: 4 }, (err, address, family) =>
        err ? reject(err) : resolve([address, family]),
      ),
    );
    expect(one).toEqual(['127.0.0.1', 4]);
  });
  it('asks A and AAAA and gives both, IPv4 first', async () => {
    const all = await new Promise((resolve, reject) =>
      resolver.lookup(
        'dual.veil-test',
        { all: true } as never,
        ((err: Error | null, a: unknown) => (err ? reject(err) : resolve(a))) as never,
      ),
    );
    expect(all).toEqual([
      { address: '127.0.0.5', family: 4 },
      { address: '::1', family: 6 },
    ]);
    expect(asked('dual.veil-test', 'AAAA')).toBe(1);
  });

  it('is bounded: the least recently used entry goes first', () => {
    const cache = new DnsCache({ maxEntries: 2, now: () => now });
    cache.set('a.test', 'A', { addresses: ['192.0.2.1'] }, 60);
    cache.set('b.test', 'A', { addresses: ['192.0.2.2'] }, 60);
    cache.get('a.test', 'A');
    cache.set('c.test', 'A', { addresses: ['192.0.2.3'] }, 60);
    expect(cache.size).toBe(2);
    expect(cache.get('b.test', 'A')).toBeUndefined();
    expect(cache.get('a.test', 'A')).toEqual({ addresses: ['192.0.2.1'] });
  });
});
