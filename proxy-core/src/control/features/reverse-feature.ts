import { createReverseCache } from '../../reverse/reverse-cache.js';
import { createReverseProxy, type ReverseProxy } from '../../reverse/reverse-proxy.js';
import type { ReverseState } from '../contract.js';
import type { Feature, ServiceHost } from '../feature.js';
import type { Settings } from '../settings-schema.js';

/** Runs the `reverse` section's listeners while `reverse.enabled`; its state goes on Home. */
export function reverseFeature(host: ServiceHost): Feature {
  let running: ReverseProxy | null = null;
  /** The section the running listeners were built from, to restart only when it changed. */
  let shape = '';
  let error: string | null = null;
  let queue: Promise<void> = Promise.resolve();

  async function stop(): Promise<void> {
    const old = running;
    running = null;
    await old?.close();
  }

  /** Restarts the listeners when their settings changed; false when nothing did. */
  async function apply(settings: Settings): Promise<boolean> {
    const r = settings.reverse;
    const next = JSON.stringify({
      r,
      t: settings.timeouts,
      cache: r.routes.some((x) => x.cache) ? settings.cache : null,
    });
    if (next === shape) return false;
    shape = next;
    await stop();
    error = null;
    if (!r.enabled) return true;
    if (r.listeners.length === 0 || r.routes.length === 0) {
      error = 'The reverse proxy needs at least one listener and one route: add them in Settings → Reverse proxy.';
      return true;
    }
    let proxy: ReverseProxy | null = null;
    try {
      proxy = createReverseProxy({
        settings: r,
        cache: createReverseCache(r, settings.cache),
        timeouts: {
          upstreamConnectMs: settings.timeouts.connectSeconds * 1000,
          upstreamIdleMs: settings.timeouts.upstreamSeconds * 1000,
        },
      });
      // visitors' exchanges go to Traffic and the audit log beside the forward proxy's (via: reverse)
      proxy.on('exchange', (record) => host.publishRecord(record));
      await proxy.listen();
      running = proxy;
    } catch (err) {
      await proxy?.close();
      error = `The reverse proxy could not start: ${(err as Error).message}`;
      host.notify({
        level: 'warning',
        code: 'REVERSE_LISTEN',
        message: error,
        action: 'Change it in Settings → Reverse proxy.',
      });
    }
    return true;
  }

  return {
    name: 'reverse',
    applySettings(settings) {
      // settings can change again while listeners bind: one change at a time, in order
      queue = queue.then(async () => {
        if (await apply(settings)) host.statusChanged();
      });
      return queue;
    },
    status() {
      if (!running && !error) return {};
      const reverse: ReverseState = running
        ? { running: true, ...running.status() }
        : { running: false, listening: [], routes: [], error: error! };
      return { reverse };
    },
    async dispose() {
      await queue;
      await stop();
    },
  };
}
