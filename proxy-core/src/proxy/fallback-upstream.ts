import { ProxyError } from './proxy-error.js';
import type { Upstream } from './upstream.js';

/** How long Veil goes direct after the upstream proxy was found down, before trying it again. */
export const FALLBACK_RETRY_MS = 30_000;

/**
 * Opt-in direct fallback (`upstream.allowDirectFallback`). Tunnels that cannot reach the
 * upstream proxy go direct at once; plain HTTP requests go direct for FALLBACK_RETRY_MS
 * after the proxy was last found down (the request that found it down fails with 502).
 * Only E_UPSTREAM_PROXY falls back: an origin the proxy reached but that failed does not.
 */
export function createFallbackUpstream(
  primary: Upstream,
  direct: Upstream,
): { upstream: Upstream; markDown: () => void } {
  let downUntil = 0;
  const markDown = (): void => {
    downUntil = Date.now() + FALLBACK_RETRY_MS;
  };
  const upstream: Upstream = {
    name: `${primary.name} (direct fallback)`,
    httpTarget(host, port, path) {
      return Date.now() < downUntil ? direct.httpTarget(host, port, path) : primary.httpTarget(host, port, path);
    },
    async connect(host, port, timeoutMs) {
      if (Date.now() < downUntil) return direct.connect(host, port, timeoutMs);
      try {
        return await primary.connect(host, port, timeoutMs);
      } catch (err) {
        if (!(err instanceof ProxyError) || err.code !== 'E_UPSTREAM_PROXY') throw err;
        markDown();
        return direct.connect(host, port, timeoutMs);
      }
    },
    close() {
      primary.close();
    },
  };
  return { upstream, markDown };
}
