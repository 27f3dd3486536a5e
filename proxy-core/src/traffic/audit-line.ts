import type { ExchangeRecord } from '../proxy/exchange-record.js';

/** What the audit log leaves out. */
export interface AuditRedaction {
  /** Drop query strings and fragments from URLs (also in Referer, Location and Origin values). */
  query: boolean;
  /** Keep header names, drop their values (also the receipt's old and new values). */
  headerValues: boolean;
}

/**
 * One NDJSON line of the audit log (fields documented in README, "Audit log").
 * Field names are short and stable: other tools parse these files.
 */
export interface AuditLine {
  /** ISO time the request arrived. */
  t: string;
  id: number;
  client: string;
  method: string;
  url: string;
  host: string;
  kind: ExchangeRecord['kind'];
  status: number;
  bytesUp: number;
  bytesDown: number;
  /** Total milliseconds. */
  ms: number;
  route: string;
  cache: string | null;
  /** `rule (list)` when blocked. */
  blocked: string | null;
  error: string | null;
  profile: string | null;
  /** Request headers as forwarded. */
  headers: Array<[string, string]>;
  /** What Veil removed, replaced or added: `[action, header, rule, old?, new?]`. */
  receipt: Array<[string, string, string, string?, string?]>;
}

const URL_VALUED = new Set(['referer', 'location', 'origin', 'content-location']);

/** Drops the query string and fragment of a URL; leaves `host:port` and non-URLs alone. */
export function redactUrl(url: string): string {
  const cut = url.search(/[?#]/);
  return cut < 0 ? url : url.slice(0, cut);
}

/** Builds the line for one record, redacted as asked, without a trailing newline. */
export function auditLine(r: ExchangeRecord, redact: AuditRedaction): string {
  const header = ([name, value]: [string, string]): [string, string] => {
    if (redact.headerValues) return [name, ''];
    if (redact.query && URL_VALUED.has(name.toLowerCase())) return [name, redactUrl(value)];
    return [name, value];
  };
  const line: AuditLine = {
    t: new Date(r.startedAt).toISOString(),
    id: r.id,
    client: r.clientAddress,
    method: r.method,
    url: redact.query ? redactUrl(r.url) : r.url,
    host: r.host,
    kind: r.kind,
    status: r.status,
    bytesUp: r.bytesUp,
    bytesDown: r.bytesDown,
    ms: r.timings.total,
    route: r.route,
    cache: r.cache ?? null,
    blocked: r.blocked ? `${r.blocked.rule} (${r.blocked.list})` : null,
    error: r.error ?? null,
    profile: r.profile ?? null,
    headers: r.forwardedRequestHeaders.map(header),
    receipt: r.receipt.map((e) => {
      const entry: [string, string, string, string?, string?] = [`${e.direction} ${e.action}`, e.header, e.rule];
      if (!redact.headerValues) {
        const clean = (v: string | undefined) =>
          v !== undefined && redact.query && URL_VALUED.has(e.header.toLowerCase()) ? redactUrl(v) : v;
        if (e.oldValue !== undefined || e.newValue !== undefined) entry.push(clean(e.oldValue), clean(e.newValue));
      }
      return entry;
    }),
  };
  return JSON.stringify(line);
}
