import { isIP } from 'node:net';
import { z } from 'zod';
import { hostPattern } from '../proxy/host-pattern-schema.js';
import { parseResolverUrl } from './resolver-url.js';

/** One private resolver: its URL and, optionally, its own addresses so its name is never looked up. */
export const dnsServer = z.object({
  /** `https://host[:port]/path` (DoH, RFC 8484) or `tls://host[:port]` (DoT, RFC 7858). */
  url: z
    .string()
    .trim()
    .superRefine((url, ctx) => {
      try {
        parseResolverUrl(url);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }),
  /** The server's own IP addresses (`--dns-bootstrap`), tried in order. */
  bootstrap: z
    .array(
      z
        .string()
        .trim()
        .refine((ip) => isIP(ip) !== 0, 'Use an IP address, e.g. 9.9.9.9 or 2620:fe::fe'),
    )
    .default([]),
});

export const dnsSettings = z.object({
  /** Private resolvers, tried in order (a failing one is set back for a while). Empty: the system resolver. */
  servers: z.array(dnsServer).default([]),
  /** A PEM file with an extra CA for the resolvers' certificates (`--dns-ca`); null: the system's CAs. */
  ca: z.string().trim().min(1).nullable().default(null),
  /** `none`: a request fails with 502 when no private resolver answers; `system`: fall back, counted. */
  fallback: z.enum(['none', 'system']).default('none'),
  /** Refuse public names answered with loopback, link-local or private addresses; `auto`: on when exposed. */
  rebindingGuard: z.enum(['auto', 'on', 'off']).default('auto'),
  /** Names the rebinding guard lets through (`router.example.com`, `*.corp.example`). */
  rebindingAllow: z.array(hostPattern).default([]),
});

export type DnsServer = z.infer<typeof dnsServer>;
export type DnsSettings = z.infer<typeof dnsSettings>;

/** What Home and the self-test show about name resolution. */
export interface DnsStatus {
  mode: 'private' | 'system';
  /** The resolvers' URLs, in order of preference right now. */
  servers: string[];
  /** Lookups answered by the system resolver because no private resolver could (fallback: system). */
  fallbacks: number;
  /** Lookups refused by the rebinding guard. */
  rebindingRefused: number;
}
