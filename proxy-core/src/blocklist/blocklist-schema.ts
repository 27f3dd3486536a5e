import { z } from 'zod';
import { hostPattern } from '../proxy/host-pattern-schema.js';

export const blocklistSource = z.discriminatedUnion('type', [
  z.object({ type: z.literal('url'), url: z.string().url() }),
  z.object({ type: z.literal('file'), path: z.string().min(1) }),
  z.object({ type: z.literal('text'), text: z.string() }),
]);

export const blocklistEntry = z.object({
  id: z.string().min(1),
  name: z.string().trim().min(1),
  enabled: z.boolean().default(true),
  source: blocklistSource,
  /** hosts | domains | adblock | auto (detected). */
  format: z.enum(['auto', 'hosts', 'domains', 'adblock']).default('auto'),
});

export const contentFilterSchema = z.object({
  id: z.string().min(1),
  /** Sites it applies to; empty means everywhere. */
  sites: z.array(hostPattern).default([]),
  blockContentTypes: z.array(z.string().trim().min(1)).default([]),
  blockExtensions: z.array(z.string().trim().min(1)).default([]),
  blockMethods: z.array(z.string().trim().min(1)).default([]),
  enabled: z.boolean().default(true),
});

export const blocklistSettings = z.object({
  lists: z.array(blocklistEntry).default([]),
  /** The user's own block rules, one per line (any supported syntax). */
  userBlock: z.array(z.string()).default([]),
  /** The user's allow rules; they win over every block rule. */
  userAllow: z.array(z.string()).default([]),
  refreshHours: z
    .number()
    .min(1)
    .max(24 * 30)
    .default(24),
  contentFilters: z.array(contentFilterSchema).default([]),
});

export type BlocklistEntry = z.infer<typeof blocklistEntry>;
export type ContentFilter = z.infer<typeof contentFilterSchema>;
export type BlocklistSettings = z.infer<typeof blocklistSettings>;

export interface BlocklistInfo {
  id: string;
  name: string;
  enabled: boolean;
  source: z.infer<typeof blocklistSource>;
  format: string;
  rules: number;
  skipped: number;
  lastUpdate: number | null;
  lastError: string | null;
  /** First skipped lines with reasons, for the report. */
  skippedLines: Array<{ line: number; text: string; reason: string }>;
  /** Requests this list blocked since Veil started. */
  hits?: number;
  /** The list's busiest rules since Veil started, by line. */
  topRules?: Array<{ line: number; rule: string; hits: number }>;
  /** Added for this run only (`veil serve --blocklist`), not saved in the settings. */
  runOnly?: boolean;
}

export interface BlocklistSuggestion {
  name: string;
  url: string;
  format: 'hosts' | 'domains' | 'adblock';
  description: string;
}

export interface BlocklistProgress {
  id: string;
  phase: 'download' | 'parse' | 'done' | 'error';
  /** Bytes or lines done, and the total when known. */
  done: number;
  total: number | null;
  message?: string;
}
