/**
 * Host patterns as the settings write them: `example.com` (that host only), `*.example.com`
 * (the domain and every subdomain) and `*` (everything). The most specific match wins:
 * an exact host, then the longest wildcard suffix, then `*`.
 */
export class HostPatternMap<T> {
  private readonly exact = new Map<string, { pattern: string; value: T }>();
  private readonly wildcard = new Map<string, { pattern: string; value: T }>();
  private any: { pattern: string; value: T } | undefined;

  /** Adds a pattern; the first entry for a given pattern wins over later duplicates. */
  add(pattern: string, value: T): void {
    const p = normalizeHost(pattern);
    const entry = { pattern, value };
    if (p === '*') this.any ??= entry;
    else if (p.startsWith('*.')) {
      if (!this.wildcard.has(p.slice(2))) this.wildcard.set(p.slice(2), entry);
    } else if (!this.exact.has(p)) this.exact.set(p, entry);
  }

  get size(): number {
    return this.exact.size + this.wildcard.size + (this.any ? 1 : 0);
  }

  /** The most specific entry matching `host`, with the pattern as written. */
  match(host: string): { pattern: string; value: T } | undefined {
    if (this.size === 0) return undefined;
    const h = normalizeHost(host);
    const e = this.exact.get(h);
    if (e) return e;
    if (this.wildcard.size > 0) {
      let suffix = h;
      for (;;) {
        const w = this.wildcard.get(suffix);
        if (w) return w;
        const dot = suffix.indexOf('.');
        if (dot < 0) break;
        suffix = suffix.slice(dot + 1);
      }
    }
    return this.any;
  }
}

/** Lower-case, without brackets around IPv6 and without a trailing dot. */
export function normalizeHost(host: string): string {
  let h = host.toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}
