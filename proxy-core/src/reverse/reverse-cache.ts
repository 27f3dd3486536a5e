import { createMemoryStore } from '../cache/memory-store.js';
import { createResponseCache, type ResponseCache } from '../cache/response-cache.js';
import type { ReverseSettings } from './reverse-settings.js';

const MB = 1024 * 1024;

/**
 * The response cache in front of the backends, when a route asks for one. Visitors share it:
 * it is built as an exposed cache, so `private`, Authorization and (unless `public`) Set-Cookie
 * answers are never stored for another visitor.
 */
export function createReverseCache(
  settings: ReverseSettings,
  limits: { maxSizeMb: number; maxEntryMb: number },
): ResponseCache | null {
  if (!settings.routes.some((r) => r.cache)) return null;
  return createResponseCache({
    store: createMemoryStore(Math.round(limits.maxSizeMb * MB)),
    maxEntryBytes: Math.round(limits.maxEntryMb * MB),
    exposed: true,
  });
}
