import { isIP } from 'node:net';
import { z } from 'zod';
import { isLoopbackHost } from './access-control.js';
import { hostPattern } from './host-pattern-schema.js';

/** Why `text` is not an address or CIDR range a client can come from, or null when it is one. */
export function clientRangeProblem(text: string): string | null {
  const [addr = '', bits, extra] = text.trim().split('/');
  const family = isIP(addr);
  if (!family || extra !== undefined) return `"${text}" is not an IP address or a range like 192.168.1.0/24.`;
  if (bits === undefined) return null;
  const max = family === 4 ? 32 : 128;
  if (!/^\d+$/.test(bits) || Number(bits) > max) return `"${text}": the part after / must be 0 to ${max}.`;
  return null;
}

const LISTEN_RULE =
  'Listen address must be an IP address of this computer: 127.0.0.1 (only this computer), ::1, or 0.0.0.0 (every network).';

function clientRange(v: string, ctx: z.RefinementCtx): void {
  const problem = clientRangeProblem(v);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
}

/** True for what a listener can bind to: an IP address, or localhost. */
export function isListenAddress(text: string): boolean {
  const t = text.trim().replace(/^\[|\]$/g, '');
  return isIP(t) !== 0 || t.toLowerCase() === 'localhost';
}

/** The listener and its access rules (the engine's own settings). */
const listenerFields = z.object({
  /** Whether the proxy listener runs. */
  enabled: z.boolean().default(true),
  port: z.number().int().min(0).max(65535).default(8899),
  /** 127.0.0.1 by default; anything else exposes Veil and needs allowedClients. */
  listen: z.string().trim().refine(isListenAddress, LISTEN_RULE).default('127.0.0.1'),
  allowedClients: z.array(z.string().trim().superRefine(clientRange)).default([]),
  /** `user:password` for Basic proxy authentication when exposed; null for none. */
  proxyAuth: z
    .string()
    .refine((v) => v.includes(':'), 'Proxy login must be user:password.')
    .nullable()
    .default(null),
  /**
   * Let an exposed Veil reach this machine and its link: loopback (127.0.0.0/8, ::1, localhost),
   * link-local (169.254.0.0/16, fe80::/10) and unspecified (0.0.0.0/8, ::) destinations.
   * (Version 2 called it allowPrivateDestinations; LAN ranges were never blocked.)
   */
  allowLoopbackAndLinkLocal: z.boolean().default(false),
  allowedConnectPorts: z.array(z.number().int().min(1).max(65535)).default([443, 8443, 80]),
  allowTrace: z.boolean().default(false),
  /** When exposed, the share of the connection cap one client address may hold. */
  maxClientShare: z.number().gt(0).max(1).default(0.25),
  /**
   * A transparent listener on the same address (a Linux gateway: see veil transparent rules);
   * null for none.
   */
  transparentPort: z.number().int().min(1).max(65535).nullable().default(null),
});

/** How long Veil waits for the next hop (origin or upstream proxy), in seconds. */
export const timeoutSettings = z.object({
  /** Reaching the origin or upstream proxy (TCP, SOCKS or CONNECT handshake); 504 after. */
  connectSeconds: z.number().min(1).max(600).default(10),
  /** The origin silent this long, before its first byte (504) or in the middle of a response (cut). */
  upstreamSeconds: z.number().min(1).max(3600).default(60),
});

// the same refusal as `veil serve --listen`: exposure is never the result of a typo
export const proxySettings = listenerFields.superRefine((p, ctx) => {
  if (isListenAddress(p.listen) && !isLoopbackHost(p.listen) && p.allowedClients.length === 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['listen'],
      message: `Listening on ${p.listen} lets other computers use Veil: list the clients that may (allowed clients) first.`,
    });
  }
});

/** How requests leave Veil: direct, SOCKS5 or an HTTP proxy, per site. */
export const upstreamUrl = z
  .string()
  .trim()
  .regex(
    /^(socks5h?|socks|http):\/\/([^@/\s]+@)?[^/\s:]+(:\d+)?\/?$/i,
    'Upstream proxy URL must look like socks5h://host:port, socks5://host:port or http://host:port (user:pass@ allowed).',
  );

export const upstreamSettings = z.object({
  /** The global upstream; null goes direct. */
  default: upstreamUrl.nullable().default(null),
  /** Per-site routes: `*.onion` through Tor, a bank direct. The most specific pattern wins. */
  rules: z.array(z.object({ pattern: hostPattern, upstream: z.union([upstreamUrl, z.literal('direct')]) })).default([]),
  /** Go direct when the upstream is down. Off: Veil fails closed (502). */
  allowDirectFallback: z.boolean().default(false),
  /** Resolve names locally before SOCKS (leaks DNS). Off: the SOCKS server resolves. */
  localDns: z.boolean().default(false),
});

export type ProxySettings = z.infer<typeof proxySettings>;
export type UpstreamSettings = z.infer<typeof upstreamSettings>;
export type TimeoutSettings = z.infer<typeof timeoutSettings>;
