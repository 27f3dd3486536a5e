import type { ExchangeRecord, TrafficFilter } from '../../../proxy-core/src/control/contract.js';

/** The status class a record falls in: `2xx`…, `open` while waiting for an answer, `error` for failures. */
export function statusClassOf(r: ExchangeRecord): NonNullable<TrafficFilter['statusClass']> | 'open' {
  if (r.state === 'open' && !r.error && r.status === 0) return 'open';
  if (r.error && !r.blocked) return 'error';
  if (r.status >= 100 && r.status < 600) return `${Math.floor(r.status / 100)}xx` as '2xx';
  return 'error';
}

/** Whether a record passes the filter; the same fields the service's HAR export filters on. */
export function matchesFilter(r: ExchangeRecord, f: TrafficFilter): boolean {
  if (f.blocked && !r.blocked) return false;
  if (f.method && r.method.toUpperCase() !== f.method.toUpperCase()) return false;
  if (f.host) {
    const host = f.host.toLowerCase();
    if (!(r.host.toLowerCase() === host || r.host.toLowerCase().endsWith(`.${host}`))) return false;
  }
  if (f.statusClass && statusClassOf(r) !== f.statusClass) return false;
  if (f.text) {
    const text = f.text.toLowerCase();
    const hay = `${r.method} ${r.url} ${r.status} ${r.blocked?.rule ?? ''} ${r.error ?? ''}`.toLowerCase();
    if (!hay.includes(text)) return false;
  }
  return true;
}

/** The records a filter shows, in order. */
export function applyFilter(records: ExchangeRecord[], f: TrafficFilter): ExchangeRecord[] {
  if (!Object.keys(f).length) return records;
  return records.filter((r) => matchesFilter(r, f));
}
