import dns from 'node:dns';
import type { LookupFunction } from 'node:net';

/**
 * The system resolver (getaddrinfo). The one place in proxy-core that calls `dns.lookup`
 * (test/dns/one-resolver.test.ts fails on any other): everything else resolves through dns/.
 * Read from the module object at each call, so a test that wraps `dns.lookup` sees every call.
 */
export const systemLookup: LookupFunction = (hostname, options, callback) =>
  dns.lookup(hostname, options, callback as never);

/** Every address the system resolver knows for `host`, IPv4 first. */
export function systemLookupAll(host: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    dns.lookup(host, { all: true, order: 'ipv4first' }, (err, addresses) => {
      if (err) reject(err);
      else resolve(addresses.map((a) => a.address));
    });
  });
}
