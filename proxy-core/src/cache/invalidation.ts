import type { ResponseTap } from '../proxy/exchange-cache.js';
import { getHeader } from '../proxy/header-list.js';
import type { CacheStore } from './stored-entry.js';

/**
 * RFC 9111 §4.4: after an unsafe request succeeds (2xx/3xx), the stored responses for its target
 * URI, and for the Location and Content-Location it names on the same origin, are invalidated.
 */
export function invalidationTap(store: () => CacheStore, target: URL): ResponseTap {
  return (status, _message, headers) => {
    if (status < 200 || status >= 400) return undefined;
    const s = store();
    s.removeUrl(target.href);
    for (const field of ['location', 'content-location']) {
      const value = getHeader(headers, field);
      if (!value) continue;
      let url: URL;
      try {
        url = new URL(value, target);
      } catch {
        continue;
      }
      url.hash = '';
      if (url.origin === target.origin) s.removeUrl(url.href);
    }
    return undefined;
  };
}
