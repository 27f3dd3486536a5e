import type { ExchangeRecord } from '../proxy/exchange-record.js';
import type { TrafficFilter } from './traffic-schema.js';

/** Turns a filter into a predicate; every given field must match (AND), text and host ignore case. */
export function compileFilter(filter: TrafficFilter | undefined): (record: ExchangeRecord) => boolean {
  if (!filter) return () => true;
  const host = filter.host?.trim().toLowerCase() || undefined;
  const method = filter.method?.trim().toUpperCase() || undefined;
  const text = filter.text?.trim().toLowerCase() || undefined;
  const { statusClass, blocked } = filter;
  return (r) => {
    if (host && !hostMatches(r.host.toLowerCase(), host)) return false;
    if (method && r.method.toUpperCase() !== method) return false;
    if (blocked !== undefined && Boolean(r.blocked) !== blocked) return false;
    if (statusClass && statusClassOf(r) !== statusClass) return false;
    if (text && !haystack(r).includes(text)) return false;
    return true;
  };
}

/** `1xx`…`5xx`, `open` for an exchange still waiting for its answer, or `error` for one that failed or got none. */
export function statusClassOf(r: ExchangeRecord): string {
  if (r.state === 'open' && !r.error && r.status === 0) return 'open';
  if (r.error || r.status < 100 || r.status > 599) return 'error';
  return `${Math.floor(r.status / 100)}xx`;
}

/** `*.example.com` matches the domain and its subdomains; anything else is a substring. */
function hostMatches(recordHost: string, pattern: string): boolean {
  if (pattern.startsWith('*.')) {
    const base = pattern.slice(2);
    return recordHost === base || recordHost.endsWith(`.${base}`);
  }
  return recordHost.includes(pattern);
}

function haystack(r: ExchangeRecord): string {
  return [
    r.method,
    r.url,
    r.status,
    r.error ?? '',
    r.blocked?.rule ?? '',
    r.blocked?.list ?? '',
    r.route,
    r.cache ?? '',
  ]
    .join(' ')
    .toLowerCase();
}
