/** Why a request path was refused before routing (the client is answered 400 with it). */
export class BadPathError extends Error {}

/**
 * The request target (origin-form) as routing sees it and the backend gets it: dot segments,
 * encoded or not (`..`, `%2e%2e`, `.%2E`), are resolved, repeated slashes collapsed, and
 * encoded slashes, backslashes and NUL refused, so that no spelling of a path can reach a
 * route other than the one its resolved form names. The query is kept as sent.
 */
export function normalizePath(target: string): { path: string; query: string } {
  if (!target.startsWith('/')) throw new BadPathError('The request target must be a path starting with "/".');
  const q = target.indexOf('?');
  const raw = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '' : target.slice(q);
  if (raw.includes('#')) throw new BadPathError('The request path contains "#".');
  if (/%(2f|5c|00)/i.test(raw) || raw.includes('\\')) {
    throw new BadPathError(
      'The request path contains an encoded slash, a backslash or NUL, which Veil does not route.',
    );
  }
  const out: string[] = [];
  const segments = raw.split('/');
  // segments[0] is the empty string before the leading slash
  for (let i = 1; i < segments.length; i++) {
    const seg = segments[i]!;
    const dots = seg.replace(/%2e/gi, '.');
    if (dots === '.' || (seg === '' && i < segments.length - 1)) continue;
    if (dots === '..') {
      // RFC 3986 §5.2.4: above the root stays at the root
      out.pop();
      continue;
    }
    out.push(seg);
  }
  // a trailing dot segment names the directory: "/a/.." is "/", "/a/." is "/a/"
  const last = segments[segments.length - 1]!.replace(/%2e/gi, '.');
  const trailing = (last === '.' || last === '..') && out.length > 0 ? '/' : '';
  return { path: `/${out.join('/')}${trailing}`, query };
}

/** True when `path` is under `prefix` by whole segments (`/api` covers `/api` and `/api/x`, not `/apix`). */
export function underPrefix(path: string, prefix: string): boolean {
  if (prefix === '/' || path === prefix) return true;
  if (!path.startsWith(prefix)) return false;
  return prefix.endsWith('/') || path.charCodeAt(prefix.length) === 0x2f;
}

/** `path` with `prefix` removed, still starting with "/". */
export function stripPathPrefix(path: string, prefix: string): string {
  if (prefix === '/') return path;
  const rest = path.slice(prefix.endsWith('/') ? prefix.length - 1 : prefix.length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}
