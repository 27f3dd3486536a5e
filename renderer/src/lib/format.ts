const numberFormat = new Intl.NumberFormat('en-US');

/** 1204 → "1,204". */
export function formatCount(n: number): string {
  return numberFormat.format(n);
}

/** Bytes in the largest unit that keeps a number below 1024: "12.3 KB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** Milliseconds as "85 ms" or "1.2 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/** Epoch ms as a wall-clock time with milliseconds: "14:03:22.481". */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** Epoch ms (or null) as a date a person reads, "never" when absent. */
export function formatWhen(ms: number | null): string {
  if (ms === null) return 'never';
  return new Date(ms).toLocaleString();
}

/** The path and query of a URL, or the URL itself for CONNECT's host:port. */
export function pathOf(url: string): string {
  // `host:port` would parse as a URL with the host as its scheme.
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return url;
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  } catch {
    return url;
  }
}

/** A ratio as a percentage, "—" when there is nothing to divide. */
export function formatPercent(part: number, whole: number): string {
  if (!whole) return '—';
  return `${Math.round((part / whole) * 100)}%`;
}

/** "1 request", "1,204 requests". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}
