import type { HeaderList } from './header-list.js';

// RFC 9110 §7.6.1 connection-specific fields, plus the proxy credentials, which are for Veil alone.
const HOP_BY_HOP = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
]);

/** True for a header that never crosses a proxy. */
export function isHopByHop(lowerName: string): boolean {
  return HOP_BY_HOP.has(lowerName);
}

/** The lower-cased names listed in every Connection (and Proxy-Connection) header. */
export function connectionListed(list: HeaderList): Set<string> {
  const names = new Set<string>();
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i]!.toLowerCase();
    if (name !== 'connection' && name !== 'proxy-connection') continue;
    for (const token of list[i + 1]!.split(',')) {
      const t = token.trim().toLowerCase();
      if (t) names.add(t);
    }
  }
  return names;
}

/** True when a header name may be hop-by-hop, judged by its first letter (c, k, p, t, u). */
function mayBeHopByHop(name: string): boolean {
  const c = name.charCodeAt(0) | 0x20;
  return c === 0x63 || c === 0x6b || c === 0x70 || c === 0x74 || c === 0x75;
}

/**
 * A copy without hop-by-hop headers and without any header the Connection header names.
 * `keepUpgrade` keeps Connection: Upgrade and Upgrade for a real protocol switch.
 */
export function stripHopByHop(list: HeaderList, keepUpgrade = false): HeaderList {
  let listed: Set<string> | null = null;
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i]!;
    if (name.length !== 10 && name.length !== 16) continue;
    const lower = name.toLowerCase();
    if (lower === 'connection' || lower === 'proxy-connection') {
      listed ??= new Set();
      for (const token of list[i + 1]!.split(',')) {
        const t = token.trim().toLowerCase();
        if (t) listed.add(t);
      }
    }
  }
  const out: HeaderList = [];
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i]!;
    // most headers are neither hop-by-hop nor listed: keep them without lower-casing
    if (listed === null && !mayBeHopByHop(name)) {
      out.push(name, list[i + 1]!);
      continue;
    }
    const lower = name.toLowerCase();
    if (keepUpgrade && lower === 'upgrade') {
      out.push(name, list[i + 1]!);
      continue;
    }
    if (HOP_BY_HOP.has(lower) || listed?.has(lower)) continue;
    out.push(name, list[i + 1]!);
  }
  if (keepUpgrade) out.push('Connection', 'Upgrade');
  return out;
}
