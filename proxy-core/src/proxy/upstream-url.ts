import { ProxyError } from './proxy-error.js';

/** A parsed upstream proxy URL. */
export interface UpstreamUrl {
  kind: 'socks5' | 'http';
  host: string;
  port: number;
  username?: string;
  password?: string;
  /** The URL without credentials, for records, logs and error pages. */
  name: string;
}

/**
 * Parses `socks5://`, `socks5h://`, `socks://` and `http://` upstream URLs, with optional
 * `user:pass@` (percent-encoded). A missing port is 1080, as curl assumes for proxies.
 */
export function parseUpstreamUrl(raw: string): UpstreamUrl {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ProxyError(
      'E_UPSTREAM_PROXY',
      502,
      `"${redactUpstreamUrl(raw)}" is not an upstream URL; use socks5://host:port or http://host:port.`,
    );
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  let kind: UpstreamUrl['kind'];
  if (scheme === 'socks5' || scheme === 'socks5h' || scheme === 'socks') kind = 'socks5';
  else if (scheme === 'http') kind = 'http';
  else {
    throw new ProxyError(
      'E_UPSTREAM_PROXY',
      502,
      `Upstream scheme ${scheme}:// is not supported; use socks5://, socks5h:// or http://.`,
    );
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!host) throw new ProxyError('E_UPSTREAM_PROXY', 502, `The upstream URL ${redactUpstreamUrl(raw)} has no host.`);
  const port = url.port ? Number(url.port) : 1080;
  const out: UpstreamUrl = { kind, host, port, name: '' };
  if (url.username) out.username = decodeURIComponent(url.username);
  if (url.password) out.password = decodeURIComponent(url.password);
  const shownHost = host.includes(':') ? `[${host}]` : host;
  out.name = `${scheme}://${out.username ? '***@' : ''}${shownHost}:${port}`;
  return out;
}

/** The URL with any `user:pass@` replaced by `***@`: never show credentials. */
export function redactUpstreamUrl(raw: string): string {
  return raw.replace(/^([a-z0-9]+:\/\/)[^@/]*@/i, '$1***@');
}
