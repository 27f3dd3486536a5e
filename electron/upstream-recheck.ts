import type { NetworkInterfaceInfo } from 'node:os';
import type { VeilService } from '../proxy-core/src/control/service.js';
import type { PowerMonitorSurface } from './electron-surface.js';

export interface UpstreamRecheckOptions {
  service: Pick<VeilService, 'invoke' | 'settings'>;
  powerMonitor: PowerMonitorSurface;
  /** `os.networkInterfaces`: polled, since Electron's main process has no network-change event. */
  networkInterfaces: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
  /** How often the interfaces are compared (default 5 s). */
  intervalMs?: number;
  /** The re-check failed: what to tell the user. */
  onUnreachable(message: string): void;
}

/** The machine's outside addresses, in a stable order: a new Wi-Fi, a VPN or a cable pulled changes it. */
export function networkFingerprint(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): string {
  return Object.entries(interfaces)
    .flatMap(([name, list]) => (list ?? []).filter((i) => !i.internal).map((i) => `${name} ${i.address}`))
    .sort()
    .join('\n');
}

/**
 * After sleep or a network change the upstream (often Tor on another box, or a VPN's proxy) may be gone while
 * Veil still shows it as reachable: re-check it then, through the contract's `upstream.test`, which also
 * updates the status the tray and Home show. Returns the stop function.
 */
export function watchUpstream(o: UpstreamRecheckOptions): () => void {
  let running: Promise<void> | null = null;

  const recheck = (why: string): Promise<void> => {
    const url = o.service.settings.upstream.default;
    if (!url || url === 'direct') return Promise.resolve();
    // One check at a time: waking up usually brings a resume and a network change together.
    running ??= o.service
      .invoke('upstream.test', { url })
      .then((r) => {
        if (!r.ok)
          o.onUnreachable(
            `The upstream proxy ${r.name ?? 'in Settings'} cannot be reached after ${why}: ${r.error ?? 'no answer'}`,
          );
      })
      .catch(() => undefined)
      .finally(() => {
        running = null;
      });
    return running;
  };

  o.powerMonitor.on('resume', () => void recheck('waking up'));
  let seen = networkFingerprint(o.networkInterfaces());
  const timer = setInterval(() => {
    const now = networkFingerprint(o.networkInterfaces());
    if (now === seen) return;
    seen = now;
    void recheck('a network change');
  }, o.intervalMs ?? 5000);
  timer.unref();
  return () => clearInterval(timer);
}
