import { isIP } from 'node:net';
import { bare } from './visitor-address.js';

/**
 * A visitor's address as records and the audit log keep it by default: the network, not the
 * host (IPv4 to its /24, IPv6 to its /48), enough to see a pattern and not enough to name a visitor.
 */
export function maskAddress(addr: string): string {
  const a = bare(addr);
  const family = isIP(a);
  if (family === 4) return `${a.split('.').slice(0, 3).join('.')}.0/24`;
  if (family !== 6) return a;
  const groups = expandIpv6(a).slice(0, 3);
  return `${groups.join(':')}::/48`;
}

function expandIpv6(a: string): string[] {
  const [head = '', tail] = a.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((g) => g.replace(/^0+(?=.)/, '').toLowerCase());
}
