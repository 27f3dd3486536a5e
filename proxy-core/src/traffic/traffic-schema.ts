import { z } from 'zod';
import type { ExchangeRecord } from '../proxy/exchange-record.js';

export const trafficSettings = z.object({
  bufferSize: z.number().int().min(100).max(1_000_000).default(10_000),
  /**
   * Keep the values Veil removed or replaced (cookies, the original User-Agent…) in records, receipts and
   * the audit log. Off: a record keeps each removed value's length and short hash only.
   */
  keepRemovedValues: z.boolean().default(false),
});

export const auditSettings = z.object({
  enabled: z.boolean().default(false),
  /** NDJSON file; null uses the default under the config directory. */
  path: z.string().nullable().default(null),
  maxSizeMb: z.number().min(1).max(10_240).default(50),
  maxAgeDays: z.number().min(1).max(3650).default(7),
  keep: z.number().int().min(1).max(1000).default(10),
  redactQuery: z.boolean().default(false),
  /** On by default since settings version 3 (see settings-migrations.ts). */
  redactHeaderValues: z.boolean().default(true),
});

export type TrafficSettings = z.infer<typeof trafficSettings>;
export type AuditSettings = z.infer<typeof auditSettings>;

export const trafficFilterSchema = z
  .object({
    host: z.string().optional(),
    statusClass: z.enum(['1xx', '2xx', '3xx', '4xx', '5xx', 'error']).optional(),
    blocked: z.boolean().optional(),
    method: z.string().optional(),
    text: z.string().optional(),
  })
  .strict();
export type TrafficFilter = z.infer<typeof trafficFilterSchema>;

export interface Counters {
  requests: number;
  blocked: number;
  headersRemoved: number;
  bytesUp: number;
  bytesDown: number;
  cacheHits: number;
  /** Requests per second over the last few seconds. */
  requestsPerSecond: number;
}

export interface TrafficBatch {
  /** New records, and new versions of earlier ones: a record whose id is known replaces the one held. */
  records: ExchangeRecord[];
  /** Records this subscriber missed because it fell behind (it gets the newest). */
  missed: number;
}

// HAR 1.2 (bodies omitted)

export interface HarHeader {
  name: string;
  value: string;
}
export interface HarEntry {
  startedDateTime: string;
  time: number;
  request: {
    method: string;
    url: string;
    httpVersion: string;
    cookies: unknown[];
    headers: HarHeader[];
    queryString: Array<{ name: string; value: string }>;
    headersSize: number;
    bodySize: number;
  };
  response: {
    status: number;
    statusText: string;
    httpVersion: string;
    cookies: unknown[];
    headers: HarHeader[];
    content: { size: number; mimeType: string };
    redirectURL: string;
    headersSize: number;
    bodySize: number;
  };
  cache: Record<string, never>;
  timings: { blocked: number; dns: number; connect: number; send: number; wait: number; receive: number; ssl: number };
  serverIPAddress?: string;
  comment?: string;
}
export interface Har {
  log: { version: '1.2'; creator: { name: string; version: string }; entries: HarEntry[]; comment?: string };
}
