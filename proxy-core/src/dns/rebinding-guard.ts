import { BlockList, isIP } from 'node:net';
import { parse as parseDomain } from 'tldts';
import { HostPatternMap } from '../privacy/host-pattern.js';

const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv4');
}
PRIVATE.addAddress('::', 'ipv6');
PRIVATE.addAddress('::1', 'ipv6');
PRIVATE.addSubnet('fc00::', 7, 'ipv6');
PRIVATE.addSubnet('fe80::', 10, 'ipv6');

/** True for loopback, link-local, private (RFC 1918, ULA), shared (CGNAT) and unspecified addresses. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  if (family === 6) {
    const lower = address.toLowerCase();
    if (lower.startsWith('::ffff:') && isIP(lower.slice(7)) === 4) return PRIVATE.check(lower.slice(7), 'ipv4');
    return PRIVATE.check(address, 'ipv6');
  }
  return false;
}

/** True for a name under a public suffix (`example.com`), not a local one (`printer.lan`, `nas.local`). */
export function isPublicName(host: string): boolean {
  const info = parseDomain(host, { allowPrivateDomains: false });
  return info.isIcann === true && info.domain !== null;
}

/**
 * DNS rebinding guard: a page on a public name must not get a private address from DNS and then
 * talk to the user's router or this machine through Veil. Names in the allow list pass.
 */
export class RebindingGuard {
  private readonly allow = new HostPatternMap<true>();

  constructor(allow: string[]) {
    for (const p of allow) this.allow.add(p, true);
  }

  /** The first address the guard refuses for `host`, or null when all may be used. */
  refused(host: string, addresses: string[]): string | null {
    if (!isPublicName(host) || this.allow.match(host)) return null;
    return addresses.find(isPrivateAddress) ?? null;
  }
}
