import { isIP } from 'node:net';

/** A private resolver's address, parsed from its URL. */
export interface ResolverUrl {
  kind: 'doh' | 'dot';
  /** Host as written, without brackets. */
  host: string;
  port: number;
  /** The DoH path (`/dns-query`); `''` for DoT. */
  path: string;
  /** The URL as given, for messages. */
  href: string;
}

/** Parses `https://host[:port]/path` or `tls://host[:port]`; throws a message naming the fix. */
export function parseResolverUrl(raw: string): ResolverUrl {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`"${raw}" is not a URL; use https://host/dns-query (DoH) or tls://host (DoT).`);
  }
  if (url.username || url.password) throw new Error(`"${raw}": a resolver URL takes no user name or password.`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!host) throw new Error(`"${raw}" names no host.`);
  if (url.protocol === 'https:') {
    if (url.search || url.hash) throw new Error(`"${raw}": a DoH URL takes a path only, e.g. https://host/dns-query.`);
    const path = url.pathname === '/' ? '/dns-query' : url.pathname;
    return { kind: 'doh', host, port: Number(url.port) || 443, path, href: raw };
  }
  if (url.protocol === 'tls:') {
    if ((url.pathname && url.pathname !== '/') || url.search || url.hash) {
      throw new Error(`"${raw}": a DoT URL is tls://host[:port], without a path.`);
    }
    // `tls:` is not a special scheme, so URL keeps IPv6 brackets and ports as written
    return { kind: 'dot', host, port: Number(url.port) || 853, path: '', href: raw };
  }
  throw new Error(`"${raw}" is neither DoH (https://…) nor DoT (tls://…).`);
}

/** True when the resolver is addressed by IP, so reaching it needs no lookup. */
export function isLiteralResolver(url: ResolverUrl): boolean {
  return isIP(url.host) !== 0;
}
