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

/** Fast check for an already-clean name (lower-case ASCII, no empty label); allocates nothing. */
export function isCleanHost(s: string): boolean {
  const len = s.length;
  if (len === 0 || len > 253) return false;
  let prev = 46; // as if preceded by a dot: a leading dot fails below
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (prev === 46) return false;
    } else if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95)) {
      return false;
    }
    prev = c;
  }
  return prev !== 46 && !LOCAL_NAMES.has(s);
}

/** Anything `normalizeRequestHost` would change (checked first: most hosts are already clean). */
const UNNORMAL = /[^a-z0-9_.-]|\.$/;

/** A request's host as the lists see it: lower case, without a trailing dot or IPv6 brackets. */
export function normalizeRequestHost(raw: string): string {
  if (!UNNORMAL.test(raw)) return raw;
  let h = raw.toLowerCase();
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (h.startsWith('[')) h = h.slice(1, -1);
  return h;
}

/** Whether `host` is `pattern`'s host or a subdomain of it (`*.x` and `x` mean the same). */
export function hostMatches(host: string, pattern: string): boolean {
  const p = pattern.startsWith('*.') ? pattern.slice(2) : pattern;
  if (p === '*') return true;
  return host === p || (host.endsWith(p) && host.charCodeAt(host.length - p.length - 1) === 46);
}
