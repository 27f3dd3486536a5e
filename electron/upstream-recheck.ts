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
  /** A failed check is asked again after this long before the user is told (default 5 s). */
  retryMs?: number;
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
  let checking = false;
  let stopped = false;
  const test = (url: string) => o.service.invoke('upstream.test', { url });
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

  async function check(url: string, why: string): Promise<void> {
    let r = await test(url);
    // Right after waking, or mid-way through joining a network, the route may not be up yet: ask once more
    // before telling the user (the status already shows the first answer).
    if (!r.ok) {
      await pause(o.retryMs ?? 5000);
      if (stopped) return;
      r = await test(url);
    }
    if (!r.ok && !stopped)
      o.onUnreachable(
        `The upstream proxy ${r.name ?? 'in Settings'} cannot be reached after ${why}: ${r.error ?? 'no answer'}`,
      );
  }

  const recheck = (why: string): void => {
    const url = o.service.settings.upstream.default;
    if (stopped || !url || url === 'direct') return;
    // One check at a time: waking up usually brings a resume and a network change together.
    if (checking) return;
    checking = true;
    void check(url, why)
      .catch(() => undefined)
      .finally(() => {
        checking = false;
      });
  };

  o.powerMonitor.on('resume', () => recheck('waking up'));
  let seen = networkFingerprint(o.networkInterfaces());
  const timer = setInterval(() => {
    const now = networkFingerprint(o.networkInterfaces());
    if (now === seen) return;
    seen = now;
    recheck('a network change');
  }, o.intervalMs ?? 5000);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
