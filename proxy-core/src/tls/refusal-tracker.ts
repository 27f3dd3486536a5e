import { LRUCache } from 'lru-cache';

/** How a client showed it did not accept Veil's certificate. */
export type RefusalSign = 'unknown-ca' | 'bad-certificate' | 'reset-in-handshake' | 'closed-without-request';

/** A host whose clients refused the minted certificate often enough that Veil stopped inspecting it. */
export interface RefusedHost {
  host: string;
  failures: number;
  last: RefusalSign;
  /** When Veil stopped inspecting it (ms since epoch), or null while under the threshold. */
  since: number | null;
}

const ALERTS: Record<string, RefusalSign> = {
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: 'unknown-ca',
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: 'bad-certificate',
  ERR_SSL_TLSV1_ALERT_BAD_CERTIFICATE: 'bad-certificate',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN: 'bad-certificate',
  ERR_SSL_TLSV1_ALERT_DECRYPT_ERROR: 'bad-certificate',
  ECONNRESET: 'reset-in-handshake',
};

/** The refusal a server-side TLS error during the handshake means, or null for other failures. */
export function refusalSign(code: string | undefined): RefusalSign | null {
  return (code && ALERTS[code]) || null;
}

/**
 * Counts certificate refusals per host (pinned apps, clients with their own trust store).
 * After `threshold` refusals with no success in between, the host is passed through.
 * Bounded: a scan over many hosts cannot grow it without limit.
 */
export class RefusalTracker {
  private readonly hosts = new LRUCache<string, RefusedHost>({ max: 2000 });

  constructor(private threshold: number) {}

  setThreshold(threshold: number): void {
    this.threshold = threshold;
  }

  /** Records one refusal; true when this one crossed the threshold. */
  refused(host: string, sign: RefusalSign, now = Date.now()): boolean {
    const entry = this.hosts.get(host) ?? { host, failures: 0, last: sign, since: null };
    entry.failures++;
    entry.last = sign;
    const crossed = entry.since === null && entry.failures >= this.threshold;
    if (crossed) entry.since = now;
    this.hosts.set(host, entry);
    return crossed;
  }

  /** A request went through inside an inspected tunnel: the client trusts Veil for this host. */
  accepted(host: string): void {
    const entry = this.hosts.peek(host);
    if (entry && entry.since === null) this.hosts.delete(host);
  }

  /** True once the host is passed through. */
  isPassedThrough(host: string): boolean {
    return this.hosts.peek(host)?.since != null;
  }

  /** The user reviewed a host and wants it inspected again. */
  forget(host: string): void {
    this.hosts.delete(host);
  }

  /** Hosts passed through, most recent first (plain objects: they cross to the UI unchanged). */
  list(): RefusedHost[] {
    return [...this.hosts.values()]
      .filter((h) => h.since !== null)
      .map((h) => ({ ...h }))
      .sort((a, b) => (b.since ?? 0) - (a.since ?? 0));
  }
}
