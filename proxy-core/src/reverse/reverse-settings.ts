import { z } from 'zod';
import { hostPattern } from '../proxy/host-pattern-schema.js';

/** `http://host:port` or `https://host:port` with no path: where a pool sends its requests. */
export const backendUrl = z
  .string()
  .trim()
  .refine((s) => parseBackendUrl(s) !== null, 'Use http://host:port or https://host:port (no path)');

/** A backend: its URL, or the URL with a weight for weighted round-robin (default 1). */
export const backendEntry = z.union([
  backendUrl,
  z.object({ url: backendUrl, weight: z.number().int().min(1).max(1000).default(1) }),
]);

/** A listener's certificate and key files (PEM). */
export const tlsFiles = z.object({ cert: z.string().trim().min(1), key: z.string().trim().min(1) });

export const reverseListener = z.object({
  address: z.string().trim().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8080),
  /** TLS on this listener: the default certificate, plus one per SNI name in `sni`. */
  tls: tlsFiles
    .extend({ sni: z.record(z.string().trim().toLowerCase().min(1), tlsFiles).default({}) })
    .nullable()
    .default(null),
});

export const activeHealth = z.object({
  /** Path polled on each backend, e.g. `/healthz`; a 2xx or 3xx answer passes. */
  path: z.string().startsWith('/'),
  intervalMs: z.number().int().min(100).max(3_600_000).default(5_000),
  timeoutMs: z.number().int().min(50).max(60_000).default(2_000),
  /** Consecutive passes that bring a backend back. */
  passes: z.number().int().min(1).max(100).default(2),
  /** Consecutive fails that take it out. */
  fails: z.number().int().min(1).max(100).default(3),
});

export const reverseRoute = z.object({
  /** `app.example` (that host), `*.example` (the domain and its subdomains, as everywhere in Veil) or `*`; absent: every host. */
  host: hostPattern.optional(),
  /** The longest matching prefix wins; matched on whole segments (`/api` matches `/api/x`, not `/apix`). */
  pathPrefix: z.string().startsWith('/').default('/'),
  /** Remove `pathPrefix` from the path before it reaches the backend. */
  stripPrefix: z.boolean().default(false),
  balance: z.enum(['round-robin', 'least-connections', 'sticky']).default('round-robin'),
  backends: z.array(backendEntry).min(1, 'A route needs at least one backend'),
  /** PEM file of the CA that signs the HTTPS backends' certificates (the system CAs otherwise). */
  ca: z.string().trim().min(1).nullable().default(null),
  /** Cache answers from this route's backends (shared-cache rules). */
  cache: z.boolean().default(false),
  /** Request paths refused with 403: a prefix, or a pattern with `*`. */
  blockPaths: z.array(z.string().trim().min(1)).default([]),
  /** User-Agent substrings (case-insensitive) refused with 403. */
  blockUserAgents: z.array(z.string().trim().min(1)).default([]),
  healthCheck: activeHealth.nullable().default(null),
});

export const reverseSettings = z.object({
  /** Whether the app (and `veil serve`) runs these listeners; `veil reverse` runs them whatever this says. */
  enabled: z.boolean().default(false),
  listeners: z.array(reverseListener).default([]),
  routes: z.array(reverseRoute).default([]),
  /**
   * What the backends learn of a visitor's address: nothing (`anonymous`), a keyed hash that
   * changes daily (`pseudonymous`), or the address itself behind `trustedProxies` (`forward`).
   */
  clientAddress: z.enum(['anonymous', 'pseudonymous', 'forward']).default('anonymous'),
  /** In `forward` mode: peers whose X-Forwarded-For is believed (CIDRs or addresses). */
  trustedProxies: z.array(z.string().trim().min(1)).default([]),
  /** Response headers removed besides Server, X-Powered-By, X-AspNet-Version, X-Runtime and Via. */
  removeResponseHeaders: z.array(z.string().trim().min(1)).default([]),
  /** Passive health: a backend failing this many times in a row is taken out. */
  failThreshold: z.number().int().min(1).max(100).default(3),
  /** How long a backend stays out after failing; doubled on each repeat, up to 16 times. */
  backoffMs: z.number().int().min(100).max(3_600_000).default(10_000),
  /** Records and the audit log keep a visitor's network (/24, /48), not the address. */
  maskVisitorAddresses: z.boolean().default(true),
});

export type ReverseSettings = z.infer<typeof reverseSettings>;
export type ReverseRoute = z.infer<typeof reverseRoute>;
export type ReverseListener = z.infer<typeof reverseListener>;
export type BackendEntry = z.infer<typeof backendEntry>;

/** A backend URL's parts, or null when it is not `http(s)://host[:port]` without path or credentials. */
export function parseBackendUrl(s: string): { tls: boolean; host: string; port: number; origin: string } | null {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  if (u.username || u.password || (u.pathname !== '/' && u.pathname !== '') || u.search || u.hash) return null;
  if (!u.hostname) return null;
  const tls = u.protocol === 'https:';
  const port = Number(u.port) || (tls ? 443 : 80);
  return { tls, host: u.hostname.replace(/^\[|\]$/g, ''), port, origin: u.origin };
}

/** One backend as status shows it. */
export interface ReverseBackendStatus {
  url: string;
  state: 'up' | 'out' | 'failing-checks';
  active: number;
}

/** The running reverse proxy: what it listens on and how each route's backends are. */
export interface ReverseStatus {
  listening: Array<{ host: string; port: number; tls: boolean }>;
  routes: Array<{ host: string | null; pathPrefix: string; backends: ReverseBackendStatus[] }>;
}
