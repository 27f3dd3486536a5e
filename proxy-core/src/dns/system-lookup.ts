import { lookup as dnsLookup } from 'node:dns';
import type { LookupFunction } from 'node:net';

/**
 * The system resolver (getaddrinfo). The one place in proxy-core that calls `dns.lookup`
 * (test/dns/one-resolver.test.ts fails on any other): everything else resolves through dns/.
 */
export const systemLookup: LookupFunction = dnsLookup as unknown as LookupFunction;

/** Every address the system resolver knows for `host`, IPv4 first. */
export function systemLookupAll(host: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(host, { all: true, order: 'ipv4first' }, (err, addresses) => {
      if (err) reject(err);
      else resolve(addresses.map((a) => a.address));
    });
  });
}
