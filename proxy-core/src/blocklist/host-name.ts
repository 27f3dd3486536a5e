import { domainToASCII } from 'node:url';

const HOST_CHARS = /^[a-z0-9_.-]+$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

// Names every hosts file maps to itself; they are not rules.
const LOCAL_NAMES = new Set([
  'localhost',
  'localhost.localdomain',
  'local',
  'broadcasthost',
  'ip6-localhost',
  'ip6-loopback',
  'ip6-localnet',
  'ip6-mcastprefix',
  'ip6-allnodes',
  'ip6-allrouters',
  'ip6-allhosts',
  '0.0.0.0',
]);

/** Lower-cases, drops a trailing dot and converts IDN to punycode; null with no reason when valid. */
export function normalizeHost(raw: string): { host: string } | { error: string } {
  let host = raw.toLowerCase();
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (!HOST_CHARS.test(host)) {
    // domainToASCII parses a whole URL host: `a.com/path` would come back as `a.com`
    if (/[/:?#@\s[\]\\%*^|$,]/.test(host)) return { error: 'not a valid host name' };
    const ascii = domainToASCII(host);
    if (!ascii || !HOST_CHARS.test(ascii)) return { error: 'not a valid host name' };
    host = ascii;
  }
  if (host.length === 0 || host.length > 253) return { error: 'not a valid host name' };
  if (host.startsWith('.') || host.endsWith('-') || host.includes('..')) return { error: 'not a valid host name' };
  if (LOCAL_NAMES.has(host)) return { error: 'a local name, not a rule' };
  if (IPV4.test(host) && host.split('.').some((o) => Number(o) > 255)) return { error: 'not a valid IP address' };
  return { host };
}

/** Fast check that needs no allocation for the common, already-clean case. */
export function isCleanHost(s: string): boolean {
  return (
    s.length > 0 &&
    s.length <= 253 &&
    HOST_CHARS.test(s) &&
    s.charCodeAt(0) !== 46 &&
    s.charCodeAt(s.length - 1) !== 46 &&
    !s.includes('..') &&
    !LOCAL_NAMES.has(s)
  );
}

/** Whether `host` is `pattern`'s host or a subdomain of it (`*.x` and `x` mean the same). */
export function hostMatches(host: string, pattern: string): boolean {
  const p = pattern.startsWith('*.') ? pattern.slice(2) : pattern;
  if (p === '*') return true;
  return host === p || (host.endsWith(p) && host.charCodeAt(host.length - p.length - 1) === 46);
}
