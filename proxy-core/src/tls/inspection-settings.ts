import { z } from 'zod';
import { hostPattern } from '../proxy/host-pattern-schema.js';
import { DEFAULT_EXCLUSIONS } from './default-exclusions.js';

/** A per-site rule: inspect this host (even if an exclusion matches it) or never inspect it. */
export const inspectionSiteRule = z.object({ pattern: hostPattern, inspect: z.boolean() });

export const inspectionSettings = z.object({
  /**
   * Terminate TLS inside CONNECT tunnels with Veil's own CA so privacy rules and blocklists
   * see inside HTTPS. Off by default: it needs the user to trust Veil's CA first.
   */
  enabled: z.boolean().default(false),
  /** Files (PEM) of more certificate authorities trusted for origins, on top of the system's. */
  extraCa: z.array(z.string().trim().min(1)).default([]),
  /** Hosts tunnelled blind, never inspected (`host` or `*.host`). Starts as the documented defaults. */
  exclude: z.array(hostPattern).default([...DEFAULT_EXCLUSIONS]),
  /** Private and loopback address literals are tunnelled blind (a router's page, a NAS). */
  excludePrivateAddresses: z.boolean().default(true),
  /** Per-site switches; the most specific matching rule wins over `exclude`. */
  sites: z.array(inspectionSiteRule).default([]),
  /**
   * When an origin's certificate fails verification: pass the connection through untouched
   * (the client sees the origin's own certificate and decides), or answer with an error page.
   */
  onOriginCertError: z.enum(['pass-through', 'error-page']).default('pass-through'),
  /** Minted leaf certificates kept in memory (one per host). */
  leafCacheSize: z.number().int().min(16).max(100_000).default(5000),
  /** Handshake refusals by a client before Veil stops inspecting that host. */
  pinningThreshold: z.number().int().min(1).max(100).default(3),
});

export type InspectionSettings = z.infer<typeof inspectionSettings>;
export type InspectionSiteRule = z.infer<typeof inspectionSiteRule>;
