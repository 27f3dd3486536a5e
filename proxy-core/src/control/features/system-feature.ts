import { join } from 'node:path';
import type { ProxyEngine } from '../../proxy/create-proxy.js';
import { serialQueue } from '../../serial-queue.js';
import { detectPlatform } from '../../system/detect-platform.js';
import { JOURNAL_FILE, ownerAlive, readJournal } from '../../system/journal.js';
import { buildPac, DIRECT_PAC } from '../../system/pac-file.js';
import { createPacServer, type PacServer } from '../../system/pac-server.js';
import type { ProxyTarget, SystemProxyPlatform } from '../../system/platform.js';
import { replayJournal } from '../../system/replay-journal.js';
import { createSystemProxyController, type SystemProxyController } from '../../system/system-proxy-controller.js';
import { nodeWatchdogLauncher, type WatchdogLauncher } from '../../system/watchdog-launcher.js';
import type { SystemProxyState } from '../contract.js';
import type { Feature, FeatureFactory, ServiceHost } from '../feature.js';
import type { Settings } from '../settings-schema.js';

export interface SystemFeatureOptions {
  /** The OS module; default: detected from the environment. null: unsupported here. */
  platform?: SystemProxyPlatform | null;
  /** Starts the crash watchdog; default: watchdog.js under this Node. null: none. */
  watchdog?: WatchdogLauncher | null;
  /** How often the guard re-reads the OS settings while Veil holds them (default 10 s: noticed within 30 s). */
  guardIntervalMs?: number;
}

const FOREIGN_ACTION =
  'Veil left the new settings alone. Turn "Use as system proxy" on again to point the system back at Veil.';

function loopbackHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

/** The system proxy feature: PAC server, OS settings, journal, watchdog and guard; answers `system.*`. */
export function createSystemFeature(options: SystemFeatureOptions = {}): FeatureFactory {
  return (host: ServiceHost): Feature => {
    const platform = options.platform === undefined ? detectPlatform() : options.platform;
    const journalPath = join(host.dataDir, JOURNAL_FILE);
    const pac: PacServer = createPacServer(DIRECT_PAC);
    let lastError: string | undefined;
    /** Set by system.enable/disable for this run (it wins over a `--system-proxy` override). */
    let runtimeChoice: boolean | null = null;
    const queue = serialQueue();
    const controller: SystemProxyController | null = platform
      ? createSystemProxyController({
          platform,
          journalPath,
          watchdog: options.watchdog === undefined ? nodeWatchdogLauncher : options.watchdog,
          guardIntervalMs: options.guardIntervalMs ?? 10_000,
          onForeignChange: (change) => {
            host.notify({
              level: 'warning',
              code: 'SYSTEM_PROXY_CHANGED',
              message: `Another program changed the system proxy while Veil was on (${change}).`,
              action: FOREIGN_ACTION,
            });
          },
        })
      : null;

    function fail(err: unknown): void {
      lastError = (err as Error).message;
      host.notify({
        level: 'error',
        code: 'E_SYSTEM_PROXY',
        message: `Veil could not change the system proxy: ${lastError}`,
        action: 'Set the proxy by hand, or turn "Use as system proxy" off and on again.',
      });
    }

    function targetFor(s: Settings, engine: ProxyEngine): ProxyTarget {
      const sp = s.systemProxy;
      if (sp.mode === 'pac') return { mode: 'pac', pacUrl: pac.url ?? '', host: '', port: 0, bypass: [] };
      const addr = engine.address!;
      return { mode: 'manual', pacUrl: '', host: loopbackHost(addr.host), port: addr.port, bypass: sp.bypass };
    }

    /** Brings the OS in line with the settings and the engine. `force` re-applies after a foreign change. */
    async function reconcile(force: boolean): Promise<void> {
      const s = host.settings();
      const engine = host.proxy();
      const addr = engine?.address ?? null;
      const want = (runtimeChoice ?? s.systemProxy.enabled) && addr !== null;
      // The PAC switches first: off means DIRECT before the OS settings go back.
      pac.setScript(
        addr
          ? buildPac({
              host: loopbackHost(addr.host),
              port: addr.port,
              failClosed: s.systemProxy.failClosed,
              bypass: s.systemProxy.bypass,
            })
          : DIRECT_PAC,
      );
      if (!controller) {
        lastError = want ? 'Veil cannot set the system proxy on this desktop; set it by hand.' : undefined;
        return;
      }
      try {
        if (want && engine) {
          if (controller.foreignChange && !force) return;
          if (!controller.active && !(await journalFree())) return;
          if (s.systemProxy.mode === 'pac') await pac.listen();
          await controller.apply(targetFor(s, engine), s.systemProxy.guard);
          lastError = undefined;
        } else {
          const outcome = await controller.release();
          if (outcome.kind === 'foreign') {
            host.notify({
              level: 'warning',
              code: 'SYSTEM_PROXY_NOT_RESTORED',
              message: `The system proxy was changed by another program (${outcome.change}); Veil did not put back the old settings over it.`,
            });
          }
          lastError = undefined;
        }
      } catch (err) {
        fail(err);
      }
    }

    function enqueue(force = false): Promise<void> {
      return queue(() => reconcile(force));
    }

    /**
     * Whether this Veil may take the system proxy: no journal, or its own. Another running Veil's
     * journal blocks it (it would save that Veil's settings as "previous"); a dead one's is replayed first.
     */
    async function journalFree(): Promise<boolean> {
      const journal = await readJournal(journalPath);
      if (!journal || journal.ownerPid === process.pid) return true;
      if (!ownerAlive(journal)) {
        await recover();
        return (await readJournal(journalPath)) === null;
      }
      lastError = `Another Veil (process ${journal.ownerPid}) holds the system proxy; quit it first.`;
      return false;
    }

    /** Start-up: undo what a crashed run left behind, before anything else touches the settings. */
    async function recover(): Promise<void> {
      if (!platform) return;
      try {
        const outcome = await replayJournal(platform, journalPath);
        if (outcome.kind === 'restored')
          host.notify({
            level: 'info',
            code: 'SYSTEM_PROXY_RECOVERED',
            message: 'Veil stopped unexpectedly last time; your previous system proxy settings were restored.',
          });
        else if (outcome.kind === 'foreign')
          host.notify({
            level: 'warning',
            code: 'SYSTEM_PROXY_NOT_RESTORED',
            message: `Veil stopped unexpectedly last time, and the system proxy has been changed since (${outcome.change}); it was left as it is.`,
          });
        else if (outcome.kind === 'owned')
          host.notify({
            level: 'warning',
            code: 'SYSTEM_PROXY_OWNED',
            message: `Another Veil (process ${outcome.pid}) holds the system proxy; this one leaves it alone.`,
            action: 'Quit the other Veil first if this one should manage the system proxy.',
          });
      } catch (err) {
        fail(err);
      }
    }

    function state(): SystemProxyState {
      const s = host.settings().systemProxy;
      const st: SystemProxyState = {
        active: controller?.active ?? false,
        platform: platform?.name ?? 'unsupported',
        mode: s.mode,
      };
      if (s.mode === 'pac' && pac.url) st.pacUrl = pac.url;
      if (controller?.foreignChange) st.foreignChange = controller.foreignChange;
      if (lastError) st.error = lastError;
      return st;
    }

    async function choose(on: boolean): Promise<SystemProxyState> {
      if (host.settings().systemProxy.enabled !== on) {
        const result = await host.updateSettings({ systemProxy: { enabled: on } });
        if (!result.ok) throw new Error(result.errors.map((e) => `${e.path}: ${e.message}`).join('; '));
      }
      runtimeChoice = on;
      await enqueue(on);
      return state();
    }

    return {
      name: 'system',
      commands: {
        'system.state': async () => {
          await queue.idle();
          return state();
        },
        'system.enable': () => choose(true),
        'system.disable': () => choose(false),
      },
      async applySettings(next, previous) {
        if (!previous) await recover();
        else if (previous.systemProxy.enabled !== next.systemProxy.enabled) runtimeChoice = null;
        await enqueue();
      },
      attach() {
        void enqueue();
      },
      detach() {
        void enqueue();
      },
      status: () => ({ systemProxy: state() }),
      async dispose() {
        runtimeChoice = false;
        await enqueue();
        controller?.dispose();
        await pac.close();
      },
    };
  };
}

/** The default system feature (detected platform, Node watchdog). */
export const systemFeature: FeatureFactory = createSystemFeature();
