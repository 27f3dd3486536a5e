import { normalizeHost } from '../privacy/host-pattern.js';
import { stripPathPrefix, underPrefix } from './normalize-path.js';

/** One route as the table holds it; `T` is whatever the caller attaches (its backend pool). */
export interface TableRoute<T> {
  /** `app.example`, `*.example` or `*`; undefined matches every host. */
  host: string | undefined;
  pathPrefix: string;
  stripPrefix: boolean;
  value: T;
}

export interface RouteMatch<T> {
  route: TableRoute<T>;
  /** The path the backend gets (prefix stripped when the route says so). */
  backendPath: string;
}

/**
 * Picks the route for a Host and an already normalised path: the most specific host first
 * (exact, then the longest `*.` suffix, then routes for any host), and within it the longest
 * path prefix. A host whose routes cover none of the path falls through to less specific ones.
 */
export class RouteTable<T> {
  private readonly exact = new Map<string, TableRoute<T>[]>();
  private readonly wildcard = new Map<string, TableRoute<T>[]>();
  private readonly any: TableRoute<T>[] = [];

  constructor(routes: readonly TableRoute<T>[]) {
    for (const r of routes) {
      const h = r.host === undefined ? '*' : normalizeHost(r.host);
      if (h === '*') this.any.push(r);
      else if (h.startsWith('*.')) bucket(this.wildcard, h.slice(2)).push(r);
      else bucket(this.exact, h).push(r);
    }
    // longest prefix first; a stable sort keeps the first of two equal routes in front
    const byLength = (a: TableRoute<T>, b: TableRoute<T>): number => b.pathPrefix.length - a.pathPrefix.length;
    for (const list of [...this.exact.values(), ...this.wildcard.values(), this.any]) list.sort(byLength);
  }

  /** The route for `host` (a Host header value, port allowed) and `path`, or null. */
  match(host: string, path: string): RouteMatch<T> | null {
    const h = normalizeHost(stripPort(host));
    const found = inList(this.exact.get(h), path) ?? this.matchWildcard(h, path) ?? inList(this.any, path) ?? null;
    if (!found) return null;
    return { route: found, backendPath: found.stripPrefix ? stripPathPrefix(path, found.pathPrefix) : path };
  }

  private matchWildcard(h: string, path: string): TableRoute<T> | undefined {
    if (this.wildcard.size === 0) return undefined;
    let suffix = h;
    for (;;) {
      const r = inList(this.wildcard.get(suffix), path);
      if (r) return r;
      const dot = suffix.indexOf('.');
      if (dot < 0) return undefined;
      suffix = suffix.slice(dot + 1);
    }
  }
}

function inList<T>(list: TableRoute<T>[] | undefined, path: string): TableRoute<T> | undefined {
  if (!list) return undefined;
  for (const r of list) if (underPrefix(path, r.pathPrefix)) return r;
  return undefined;
}

function bucket<T>(map: Map<string, TableRoute<T>[]>, key: string): TableRoute<T>[] {
  let list = map.get(key);
  if (!list) {
    list = [];
    map.set(key, list);
  }
  return list;
}

/** A Host header value without its port (`[::1]:8080` → `[::1]`). */
export function stripPort(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end < 0 ? host : host.slice(0, end + 1);
  }
  const colon = host.indexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}
