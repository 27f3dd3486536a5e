import { z } from 'zod';
import { hostPattern } from './host-pattern-schema.js';

/** The listener and its access rules (the engine's own settings). */
export const proxySettings = z.object({
  /** Whether the proxy listener runs. */
  enabled: z.boolean().default(true),
  port: z.number().int().min(0).max(65535).default(8899),
  /** 127.0.0.1 by default; anything else exposes Veil and needs allowedClients. */
  listen: z.string().trim().min(1).default('127.0.0.1'),
  allowedClients: z.array(z.string().trim().min(1)).default([]),
  /** `user:password` for Basic proxy authentication when exposed; null for none. */
  proxyAuth: z.string().nullable().default(null),
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

/** How requests leave Veil: direct, SOCKS5 or an HTTP proxy, per site. */
export const upstreamUrl = z
  .string()
  .trim()
  .regex(
    /^(socks5h?|socks|http):\/\/([^@/\s]+@)?[^/\s:]+(:\d+)?\/?$/i,
    'Use socks5://host:port, socks5h://host:port or http://host:port',
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
