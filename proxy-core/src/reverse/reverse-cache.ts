import { createMemoryStore } from '../cache/memory-store.js';
import { createResponseCache, type ResponseCache } from '../cache/response-cache.js';
import type { ReverseSettings } from './reverse-settings.js';

const MB = 1024 * 1024;

/**
 * The response cache in front of the backends, when a route asks for one. Visitors share it:
 * `private`, Authorization and Set-Cookie answers (even `public` ones) are never stored, so no
 * visitor is ever given another's.
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
    neverStoreCookies: true,
  });
}
