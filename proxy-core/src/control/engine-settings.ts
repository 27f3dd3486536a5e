import type { ProxyOptions } from '../proxy/proxy-options.js';
import type { Settings } from './settings-schema.js';

/** The listener and access options an engine is built from, as the `proxy` section says them. */
export function listenerOptions(s: Settings): ProxyOptions {
  return {
    port: s.proxy.port,
    host: s.proxy.listen,
    allowedClients: s.proxy.allowedClients,
    allowLoopbackAndLinkLocal: s.proxy.allowLoopbackAndLinkLocal,
    maxClientShare: s.proxy.maxClientShare,
    allowedConnectPorts: s.proxy.allowedConnectPorts,
    allowTrace: s.proxy.allowTrace,
    ...(s.proxy.proxyAuth ? { proxyAuth: s.proxy.proxyAuth } : {}),
    ...(s.proxy.transparentPort ? { transparent: { port: s.proxy.transparentPort } } : {}),
  };
}

/** The engine's limits from the `timeouts` section (seconds in settings, milliseconds in the engine). */
export function engineTimeouts(s: Settings): { upstreamConnectMs: number; upstreamIdleMs: number } {
  return { upstreamConnectMs: s.timeouts.connectSeconds * 1000, upstreamIdleMs: s.timeouts.upstreamSeconds * 1000 };
}
