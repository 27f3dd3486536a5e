import type { ReceiptEntry } from '../proxy/exchange-record.js';
import type { HeaderList } from '../proxy/header-list.js';
import { underPrefix } from './normalize-path.js';

/** Response headers that name the backend's software; removed on every reverse response. */
export const BACKEND_IDENTITY_HEADERS: readonly string[] = Object.freeze([
  'Server',
  'X-Powered-By',
  'X-AspNet-Version',
  'X-AspNetMvc-Version',
  'X-Runtime',
  'X-Generator',
  'Via',
]);

/** Where a response must not point: the backends' own origins, and how to say the public one. */
export interface PublicAddress {
  /** `http(s)://host[:port]` as visitors reach it. */
  origin: string;
  /** The route's prefix when it strips it (backends think they live at "/"), else "". */
  prefix: string;
}

/**
 * The response rules of the reverse listener: backend identity headers go (plus those the
 * operator lists), and Location, Content-Location and Refresh that point at a backend's own
 * address are rewritten to the public one.
 */
export class BackendIdentity {
  private readonly remove: Set<string>;

  constructor(extra: readonly string[]) {
    this.remove = new Set([...BACKEND_IDENTITY_HEADERS, ...extra].map((h) => h.toLowerCase()));
  }

  /** Applies the rules in place; `backendOrigins` are the route's backends (`http://127.0.0.1:9001`). */
  apply(headers: HeaderList, backendOrigins: ReadonlySet<string>, pub: PublicAddress): ReceiptEntry[] {
    const receipt: ReceiptEntry[] = [];
    let w = 0;
    for (let r = 0; r < headers.length; r += 2) {
      const name = headers[r]!;
      const value = headers[r + 1]!;
      const lower = name.toLowerCase();
      if (this.remove.has(lower)) {
        receipt.push({ direction: 'response', action: 'removed', header: name, oldValue: value, rule: RULE_ID });
        continue;
      }
      let next = value;
      if (lower === 'location' || lower === 'content-location') next = publicUrl(value, backendOrigins, pub);
      else if (lower === 'refresh') next = publicRefresh(value, backendOrigins, pub);
      if (next !== value) {
        receipt.push({
          direction: 'response',
          action: 'replaced',
          header: name,
          oldValue: value,
          newValue: next,
          rule: RULE_LOCATION,
        });
      }
      headers[w] = name;
      headers[w + 1] = next;
      w += 2;
    }
    headers.length = w;
    return receipt;
  }
}

const RULE_ID = 'reverse/backend-identity';
const RULE_LOCATION = 'reverse/public-address';

/** A URL that points at a backend, made to point at the public address; other URLs unchanged. */
export function publicUrl(value: string, backendOrigins: ReadonlySet<string>, pub: PublicAddress): string {
  const v = value.trim();
  if (v.startsWith('/') && !v.startsWith('//')) {
    // already under the prefix: a stored answer passes these rules again on a cache hit
    return pub.prefix && !underPrefix(v.split(/[?#]/, 1)[0]!, pub.prefix) ? joinPrefix(pub.prefix, v) : value;
  }
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return value;
  }
  if (!backendOrigins.has(u.origin)) return value;
  const path = `${u.pathname}${u.search}${u.hash}`;
  return `${pub.origin}${pub.prefix ? joinPrefix(pub.prefix, path) : path}`;
}

/** `Refresh: 5; url=http://backend/x` with the URL made public. */
function publicRefresh(value: string, backendOrigins: ReadonlySet<string>, pub: PublicAddress): string {
  const m = /^(\s*\d+\s*[;,]\s*(?:url\s*=\s*)?)(['"]?)(.*?)\2\s*$/i.exec(value);
  if (!m) return value;
  const url = publicUrl(m[3]!, backendOrigins, pub);
  return url === m[3] ? value : `${m[1]}${m[2]}${url}${m[2]}`;
}

function joinPrefix(prefix: string, path: string): string {
  const p = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  return `${p}${path}`;
}
