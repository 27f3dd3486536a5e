import type { HeaderList } from '../proxy/header-list.js';

/**
 * RFC 9111 §3.2: fields a newer response (a 304, a HEAD) never updates in a stored one:
 * Content-Length, fields the stored bytes depend on (Content-Encoding, Content-Range, the
 * framing), and fields excepted from storage (§3.1: connection-specific and Proxy-* fields).
 */
const NEVER_UPDATED = new Set([
  'content-length',
  'content-encoding',
  'content-range',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authentication-info',
  'te',
  'trailer',
  'upgrade',
]);

/**
 * The stored headers updated from a newer response (§3.2, §4.3.4): each field it carries replaces
 * every stored line of that name, in the stored field's place; new fields go at the end.
 * `excluded` adds fields that must not be stored (private="…"). Set-Cookie is replaced like any field.
 */
export function updateHeaders(stored: HeaderList, newer: HeaderList, excluded: readonly string[] = []): HeaderList {
  const fresh = new Map<string, Array<[string, string]>>();
  for (let i = 0; i < newer.length; i += 2) {
    const lower = newer[i]!.toLowerCase();
    if (NEVER_UPDATED.has(lower) || excluded.includes(lower)) continue;
    const lines = fresh.get(lower) ?? [];
    lines.push([newer[i]!, newer[i + 1]!]);
    fresh.set(lower, lines);
  }
  const out: HeaderList = [];
  const placed = new Set<string>();
  for (let i = 0; i < stored.length; i += 2) {
    const lower = stored[i]!.toLowerCase();
    const lines = fresh.get(lower);
    if (!lines) {
      out.push(stored[i]!, stored[i + 1]!);
      continue;
    }
    if (placed.has(lower)) continue;
    placed.add(lower);
    for (const [name, value] of lines) out.push(name, value);
  }
  for (const [lower, lines] of fresh) {
    if (placed.has(lower)) continue;
    for (const [name, value] of lines) out.push(name, value);
  }
  return out;
}

/** The header list without the named fields (lower-case names). */
export function withoutFields(list: HeaderList, names: readonly string[]): HeaderList {
  if (names.length === 0) return list;
  const out: HeaderList = [];
  for (let i = 0; i < list.length; i += 2) {
    if (!names.includes(list[i]!.toLowerCase())) out.push(list[i]!, list[i + 1]!);
  }
  return out;
}
