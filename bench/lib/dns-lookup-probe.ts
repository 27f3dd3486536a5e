/**
 * Lookup latency, run inside the bench's mount namespace (resolv.conf → the bench's UDP server).
 * Usage: DOH_URL CA_FILE COUNT. Prints one JSON line: microseconds per lookup for each way.
 */
import dns from 'node:dns';
import { readFileSync } from 'node:fs';
import { createDnsResolver } from '../../proxy-core/src/dns/dns-resolver.js';
import { parseResolverUrl } from '../../proxy-core/src/dns/resolver-url.js';

const [dohUrl = '', caFile = '', countArg = '300'] = process.argv.slice(2);
const count = Number(countArg);

function systemLookup(name: string): Promise<void> {
  return new Promise((resolve, reject) => dns.lookup(name, { family: 4 }, (err) => (err ? reject(err) : resolve())));
}

async function time(fn: (i: number) => Promise<unknown>): Promise<{ p50: number; mean: number }> {
  const us: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await fn(i);
    us.push((performance.now() - t0) * 1000);
  }
  us.sort((a, b) => a - b);
  return {
    p50: Math.round(us[Math.floor(us.length / 2)]!),
    mean: Math.round(us.reduce((a, b) => a + b, 0) / us.length),
  };
}

const resolver = createDnsResolver({
  endpoints: [{ url: parseResolverUrl(dohUrl), bootstrap: ['127.0.0.1'], ca: readFileSync(caFile, 'utf8') }],
  fallback: 'none',
  rebindingAllow: null,
});
await resolver.resolveOne('warm.bench-dns.test'); // the HTTP/2 session is opened once, as in a running Veil
// A only on both sides: the system lookup asks for family 4 too
const privateLookup = (name: string): Promise<void> =>
  new Promise((resolve, reject) => resolver.lookup(name, { family: 4 }, (err) => (err ? reject(err) : resolve())));
const run = Date.now().toString(36);
const result = {
  systemUncached: await time((i) => systemLookup(`s${i}-${run}.bench-dns.test`)),
  systemRepeated: await time(() => systemLookup('same.bench-dns.test')),
  dohUncached: await time((i) => privateLookup(`d${i}-${run}.bench-dns.test`)),
  dohCached: await time(() => privateLookup('same.bench-dns.test')),
};
resolver.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
