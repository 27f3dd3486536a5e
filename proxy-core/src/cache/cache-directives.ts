import type { HeaderList } from '../proxy/header-list.js';

/** Cache-Control directives by lower-case name: the argument (unquoted), or true without one. */
export type Directives = Map<string, string | true>;

/**
 * RFC 9111 §5.2: the Cache-Control directives of every Cache-Control field line. Names are
 * case-insensitive; a quoted-string argument may hold commas (`no-cache="A, B"`); when a
 * directive repeats, its first occurrence counts (§4.2.1).
 */
export function cacheControl(list: HeaderList): Directives {
  const out: Directives = new Map();
  for (let i = 0; i < list.length; i += 2) {
    if (list[i]!.toLowerCase() === 'cache-control') parseInto(list[i + 1]!, out);
  }
  return out;
}

/** The directives of one Cache-Control value. */
export function parseDirectives(value: string | undefined): Directives {
  const out: Directives = new Map();
  if (value !== undefined) parseInto(value, out);
  return out;
}

function parseInto(value: string, out: Directives): void {
  let i = 0;
  const n = value.length;
  while (i < n) {
    while (i < n && (value[i] === ',' || value[i] === ' ' || value[i] === '\t')) i++;
    const start = i;
    while (i < n && value[i] !== '=' && value[i] !== ',') i++;
    const name = value.slice(start, i).trim().toLowerCase();
    let arg: string | true = true;
    if (value[i] === '=') {
      i++;
      while (i < n && (value[i] === ' ' || value[i] === '\t')) i++;
      if (value[i] === '"') {
        let s = '';
        i++;
        while (i < n && value[i] !== '"') {
          if (value[i] === '\\' && i + 1 < n) i++;
          s += value[i];
          i++;
        }
        i++;
        arg = s;
        while (i < n && value[i] !== ',') i++;
      } else {
        const at = i;
        while (i < n && value[i] !== ',') i++;
        arg = value.slice(at, i).trim();
      }
    }
    if (name && !out.has(name)) out.set(name, arg);
  }
}

/** RFC 9110 §1.2.2 delta-seconds: a non-negative integer, capped at 2^31 (RFC 9111 §1.2.2); null otherwise. */
export function deltaSeconds(value: string | true | undefined): number | null {
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return null;
  return Math.min(Number(value), 2147483648);
}

/**
 * The field names of a qualified `no-cache="…"` or `private="…"` (RFC 9111 §5.2.2.4, §5.2.2.7),
 * lower-case; null when the directive is absent or unqualified (it then covers the whole response).
 */
export function fieldNames(value: string | true | undefined): string[] | null {
  if (typeof value !== 'string') return null;
  const names = value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0);
  return names.length > 0 ? names : null;
}
