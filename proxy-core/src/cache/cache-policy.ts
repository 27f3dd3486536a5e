import CachePolicy from 'http-cache-semantics';
import type { HeaderList } from '../proxy/header-list.js';

export type PolicyHeaders = Record<string, string>;
export type PolicyObject = CachePolicy.CachePolicyObject;

/** The CachePolicy class bound to a clock, so tests can move time instead of sleeping. */
export type PolicyClass = typeof CachePolicy;

/**
 * A CachePolicy subclass whose `now()` reads `clock` (the library documents `now()` as the
 * seam for this). Veil is a shared cache: `private` is never stored, s-maxage counts.
 */
export function clockedPolicy(clock: () => number): PolicyClass {
  // the type declarations omit `now()`, which the library documents as its clock seam
  return class ClockedPolicy extends CachePolicy {
    now(): number {
      return clock();
    }
  };
}

/** Options every policy is created with. */
export const POLICY_OPTIONS: CachePolicy.Options = { shared: true };

/**
 * Headers as the library reads them: lower-case names, repeated fields joined with ", ".
 * Set-Cookie is left out: the library refuses to reuse any shared response with Set-Cookie
 * unless it is public, which is stricter than RFC 9111; Veil applies its own cookie rules.
 */
export function policyHeaders(list: HeaderList): PolicyHeaders {
  const out: PolicyHeaders = {};
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i]!.toLowerCase();
    if (name === 'set-cookie') continue;
    const value = list[i + 1]!;
    out[name] = name in out ? `${out[name]}, ${value}` : value;
  }
  return out;
}

/** The Cache-Control directives of a header list, lower-cased (`max-age` → '0', `no-cache` → true). */
export function cacheControl(list: HeaderList): Map<string, string | true> {
  const out = new Map<string, string | true>();
  for (let i = 0; i < list.length; i += 2) {
    if (list[i]!.toLowerCase() !== 'cache-control') continue;
    for (const part of list[i + 1]!.split(',')) {
      const [k, v] = part.split('=', 2);
      const key = k!.trim().toLowerCase();
      if (key) out.set(key, v === undefined ? true : v.trim().replace(/^"|"$/g, ''));
    }
  }
  return out;
}

/**
 * The headers to serve (or store after a 304): the stored list's order and spelling, with values
 * from the policy's current view (Age, Date, fields a 304 updated); Set-Cookie kept as stored
 * unless `cookies` replaces it.
 */
export function servedHeaders(stored: HeaderList, current: CachePolicy.Headers, cookies?: string[]): HeaderList {
  const out: HeaderList = [];
  const emitted = new Set<string>();
  for (let i = 0; i < stored.length; i += 2) {
    const name = stored[i]!;
    const lower = name.toLowerCase();
    if (lower === 'set-cookie') {
      // a 304's own Set-Cookie replaces the stored ones (RFC 9111 §3.2)
      if (!cookies) out.push(name, stored[i + 1]!);
      continue;
    }
    if (emitted.has(lower)) continue;
    const value = current[lower];
    if (value === undefined) continue;
    emitted.add(lower);
    for (const v of Array.isArray(value) ? value : [value]) out.push(name, v);
  }
  for (const [lower, value] of Object.entries(current)) {
    if (emitted.has(lower) || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.push(canonicalName(lower), v);
  }
  for (const c of cookies ?? []) out.push('Set-Cookie', c);
  return out;
}

function canonicalName(lower: string): string {
  return lower.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}
