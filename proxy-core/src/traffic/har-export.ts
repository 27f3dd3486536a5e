import { STATUS_CODES } from 'node:http';
import type { ExchangeRecord } from '../proxy/exchange-record.js';
import type { Har, HarEntry, HarHeader } from './traffic-schema.js';

/** What every export leaves out, said in the log's comment so whoever reads the file knows. */
export const HAR_REDACTION_COMMENT =
  'Exported by Veil. Redacted: headers are as Veil forwarded them, so the values Veil removed or replaced ' +
  '(cookies, the original User-Agent, Referer…) are not in this file; each entry comment names the headers ' +
  "and rules. Veil's own proxy credentials (Proxy-Authorization) are never recorded. Bodies are omitted (sizes only).";

/** Converts records to a HAR 1.2 log: headers as Veil forwarded them, bodies omitted (sizes only). */
export function toHar(records: readonly ExchangeRecord[], version = '0.1.0'): Har {
  return {
    log: {
      version: '1.2',
      creator: { name: 'Veil', version },
      entries: records.map(toEntry),
      comment: HAR_REDACTION_COMMENT,
    },
  };
}

function toEntry(r: ExchangeRecord): HarEntry {
  const url = harUrl(r);
  const httpVersion = `HTTP/${r.httpVersion}`;
  const t = r.timings;
  const wait = Math.max(0, t.firstByte - t.dns - t.connect);
  const receive = Math.max(0, t.total - t.firstByte);
  const comments: string[] = [];
  if (r.kind !== 'http') comments.push(`${r.kind}: headers only; the tunnel's content is not visible to Veil`);
  if (r.blocked) comments.push(`blocked by ${r.blocked.list}: ${r.blocked.rule}`);
  if (r.error) comments.push(`error ${r.error}`);
  if (r.state === 'open') comments.push('still open when exported: status, sizes and timings so far');
  if (r.receipt.length) {
    const what = r.receipt.map((e) => `${e.direction} ${e.header} ${e.action} by ${e.rule}`).join(', ');
    comments.push(`${r.receipt.length} header(s) removed or replaced by Veil, values not included: ${what}`);
  }
  const responseHeaders = headers(r.forwardedResponseHeaders);
  const entry: HarEntry = {
    startedDateTime: new Date(r.startedAt).toISOString(),
    time: t.total,
    request: {
      method: r.method,
      url,
      httpVersion,
      cookies: [],
      headers: headers(r.forwardedRequestHeaders),
      queryString: queryString(url),
      headersSize: -1,
      bodySize: r.kind === 'http' ? r.bytesUp : -1,
    },
    response: {
      status: r.status,
      statusText: STATUS_CODES[r.status] ?? '',
      httpVersion,
      cookies: [],
      headers: responseHeaders,
      content: { size: r.bytesDown, mimeType: headerValue(responseHeaders, 'content-type') ?? 'x-unknown' },
      redirectURL: headerValue(responseHeaders, 'location') ?? '',
      headersSize: -1,
      bodySize: r.kind === 'http' ? r.bytesDown : -1,
    },
    cache: {},
    // HAR wants -1 for phases that did not happen; blocked and send are not measured
    timings: {
      blocked: -1,
      dns: t.dns > 0 ? t.dns : -1,
      connect: t.connect > 0 ? t.connect : -1,
      send: 0,
      wait,
      receive,
      ssl: -1,
    },
  };
  if (comments.length) entry.comment = comments.join('; ');
  return entry;
}

/** A URL HAR tools accept: CONNECT's `host:port` becomes `https://host:port/`. */
function harUrl(r: ExchangeRecord): string {
  if (r.kind === 'connect' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(r.url)) return `https://${r.url}/`;
  return r.url;
}

function headers(pairs: Array<[string, string]>): HarHeader[] {
  return pairs.map(([name, value]) => ({ name, value }));
}

function headerValue(list: HarHeader[], name: string): string | undefined {
  return list.find((h) => h.name.toLowerCase() === name)?.value;
}

function queryString(url: string): Array<{ name: string; value: string }> {
  try {
    return [...new URL(url).searchParams].map(([name, value]) => ({ name, value }));
  } catch {
    return [];
  }
}
