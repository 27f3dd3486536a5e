import { z } from 'zod';

export const cacheSettings = z.object({
  enabled: z.boolean().default(true),
  maxSizeMb: z
    .number()
    .min(0)
    .max(64 * 1024)
    .default(256),
  maxEntryMb: z.number().min(0).max(4096).default(16),
  /** On-disk store directory; null keeps the cache in memory only. */
  dir: z.string().nullable().default(null),
});

export type CacheSettings = z.infer<typeof cacheSettings>;
