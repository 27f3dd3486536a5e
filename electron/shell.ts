import type { NetworkInterfaceInfo } from 'node:os';
import { join } from 'node:path';
import { commandArgs, eventNames, type Notice } from '../proxy-core/src/control/contract.js';
import { builtInFeatures } from '../proxy-core/src/control/features/index.js';
import { createSystemFeature, systemFeature } from '../proxy-core/src/control/features/system-feature.js';
import { createService, type VeilService } from '../proxy-core/src/control/service.js';
import { createFileStore } from '../proxy-core/src/control/settings-store.js';
import { runWatchdog, watchdogArgs } from '../proxy-core/src/system/watchdog.js';
import { registerAppScheme, serveRenderer } from './app-protocol.js';
import { CONTRACT_ARG, type ContractNames } from './bridge-types.js';
import type { ShellElectron, WindowSurface } from './electron-surface.js';
import { registerIpc } from './ipc.js';
import { trustedOrigins } from './ipc-handlers.js';
import { applyLaunchAtLogin } from './launch-at-login.js';
import { throttleNotices } from './notice-throttle.js';
import { APP_ORIGIN, CONTENT_SECURITY_POLICY } from './security-policy.js';
import { createVeilTray } from './tray.js';
import { watchUpstream } from './upstream-recheck.js';
import { electronWatchdogLauncher, type Spawn, watchdogArgv } from './watchdog-mode.js';
import { createMainWindow, focusWindow } from './window.js';

/** Quit waits this long for the system proxy to be given back before exiting anyway (the watchdog covers the rest). */
export const QUIT_DEADLINE_MS = 5000;

/** What the shell takes from the process it runs in (main.ts passes the real ones). */
export interface ShellHost {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  execPath: string;
  /** Electron's `process.resourcesPath` (the tray icons of a packaged build). */
  resourcesPath: string;
  /** The compiled electron/ folder (preload.cjs) and the repository root (dist/renderer, build/icons). */
  electronDir: string;
  appRoot: string;
  /** The settings file and Veil's data folder. */
  configPath: string;
  configDir: string;
  spawn: Spawn;
  networkInterfaces: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
  /** Registers a handler for SIGINT and SIGTERM. */
  onSignal(signal: 'SIGINT' | 'SIGTERM', handler: () => void): void;
  quitDeadlineMs?: number;
  /** How often the network is compared for a change, and how long a failed upstream check waits to ask again (5 s each). */
  networkPollMs?: number;
  upstreamRetryMs?: number;
}

/**
 * Veil's desktop shell: the system proxy watchdog when started with its flag, else the tray app.
 * Resolves once start-up has finished (the watchdog: once it has exited).
 */
export function runShell(electron: ShellElectron, host: ShellHost): Promise<void> {
  const rest = watchdogArgv(host.argv);
  return rest ? runAsWatchdog(electron, rest) : runApp(electron, host);
}

async function runAsWatchdog({ app }: ShellElectron, rest: readonly string[]): Promise<void> {
  app.dock?.hide();
  const args = watchdogArgs(rest);
  if (!args) {
    app.exit(2);
    return;
  }
  await runWatchdog(args.journalPath, args.parentPid).then(
    () => app.exit(0),
    () => app.exit(1),
  );
}

/** Whether the service got as far as loading its settings (start can fail after that: a port in use). */
function hasSettings(service: VeilService): boolean {
  try {
    return service.settings !== null;
  } catch {
    return false;
  }
}

async function runApp(electron: ShellElectron, host: ShellHost): Promise<void> {
  const { app, Notification, powerMonitor, session, protocol } = electron;
  if (!app.requestSingleInstanceLock()) {
    // The first Veil gets 'second-instance' and shows its window; this one starts nothing.
    app.quit();
    return;
  }
  registerAppScheme(protocol);
  let service: VeilService | null = null;
  let window: WindowSurface | null = null;
  let tray: ReturnType<typeof createVeilTray> | null = null;
  let unregisterIpc: (() => void) | null = null;
  let stopRecheck: (() => void) | null = null;
  let quitting = false;
  let finished = false;

  const notify = (notice: Pick<Notice, 'message' | 'action'>): void => {
    if (!Notification.isSupported()) return;
    new Notification({
      title: 'Veil',
      body: notice.action ? `${notice.message}\n${notice.action}` : notice.message,
    }).show();
  };
  // What the service reports goes through a throttle, so a burst of one cause is one notification.
  const notifyThrottled = throttleNotices(notify);

  const devUrl = host.env.VEIL_RENDERER_URL;
  const rendererUrl = devUrl ?? `${APP_ORIGIN}/index.html`;
  const origins = [APP_ORIGIN, ...(devUrl ? [new URL(devUrl)].map((u) => `${u.protocol}//${u.host}`) : [])];
  const names: ContractNames = {
    commands: Object.keys(commandArgs) as ContractNames['commands'],
    events: [...eventNames],
  };

  function openWindow(): void {
    if (window && !window.isDestroyed()) {
      focusWindow(window);
      return;
    }
    window = createMainWindow(electron, {
      preload: join(host.electronDir, 'preload.cjs'),
      url: rendererUrl,
      preloadArgs: [`${CONTRACT_ARG}${Buffer.from(JSON.stringify(names)).toString('base64')}`],
      packaged: app.isPackaged,
      quitting: () => quitting,
      onCrashLoop: (reason) =>
        notifyThrottled({
          code: 'E_RENDERER_CRASH_LOOP',
          message: `Veil's window stopped working (${reason}) and was closed; Veil keeps running.`,
          action: 'Open it again from the tray.',
        }),
    });
  }

  async function shutdown(): Promise<void> {
    stopRecheck?.();
    tray?.destroy();
    unregisterIpc?.();
    await service?.shutdown(host.quitDeadlineMs ?? QUIT_DEADLINE_MS);
  }

  app.on('second-instance', () => openWindow());
  // Closing the last window keeps Veil running in the tray.
  app.on('window-all-closed', () => undefined);
  app.on('activate', () => openWindow());
  app.on('before-quit', (event) => {
    if (finished) return;
    event.preventDefault();
    if (quitting) return;
    quitting = true;
    shutdown().finally(() => {
      finished = true;
      app.quit();
    });
  });
  // Every web contents, not only ours: no webviews, no new windows, no permissions.
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) host.onSignal(sig, () => app.quit());

  await app.whenReady();
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  // The app protocol sends the CSP itself; this covers anything else the session loads (a dev server).
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    });
  });
  serveRenderer(protocol, join(host.appRoot, 'dist', 'renderer'));
  powerMonitor.on('shutdown', () => app.quit());

  const watchdog = electronWatchdogLauncher(app, host.execPath, host.spawn);
  const features = builtInFeatures.map((f) => (f === systemFeature ? createSystemFeature({ watchdog }) : f));
  const svc = createService({ store: createFileStore(host.configPath), dataDir: host.configDir, features });
  service = svc;
  svc.on('notice', notifyThrottled);
  unregisterIpc = registerIpc(electron, svc, trustedOrigins(origins));
  const startError = await svc.start().then(
    () => null,
    (err: unknown) => err as Error,
  );
  if (startError && !hasSettings(svc)) {
    // No settings, nothing to run (an unreadable settings file): say so in a box that outlives the exit.
    electron.dialog.showErrorBox(
      'Veil cannot start',
      `${startError.message}\nVeil quits; start it again once this is fixed.`,
    );
    app.exit(1);
    return;
  }
  // A proxy that cannot listen (port in use) has already said so as an E_LISTEN notice; the tray stays up
  // (with the error icon) so the user can fix it in the window.
  tray = createVeilTray({
    electron,
    service: svc,
    iconDir: app.isPackaged ? join(host.resourcesPath, 'tray') : join(host.appRoot, 'build', 'icons', 'tray'),
    mac: host.platform === 'darwin',
    openWindow,
    quit: () => app.quit(),
    // The answer to the user's own click: shown every time, never throttled.
    onError: (message) => notify({ message }),
  });
  stopRecheck = watchUpstream({
    service: svc,
    powerMonitor,
    networkInterfaces: host.networkInterfaces,
    ...(host.networkPollMs ? { intervalMs: host.networkPollMs } : {}),
    ...(host.upstreamRetryMs ? { retryMs: host.upstreamRetryMs } : {}),
    onUnreachable: (message) => notifyThrottled({ code: 'E_UPSTREAM_UNREACHABLE', message }),
  });
  let launchAtLogin: boolean | null = null;
  const syncLogin = (enabled: boolean) => {
    if (enabled === launchAtLogin) return;
    launchAtLogin = enabled;
    applyLaunchAtLogin(app, host, enabled).catch((err: unknown) =>
      notify({ message: `Could not change launch at login: ${(err as Error).message}` }),
    );
  };
  syncLogin(svc.settings.app.launchAtLogin);
  svc.on('settings', (s) => syncLogin(s.app.launchAtLogin));
  if (host.env.VEIL_E2E === '1') {
    // Probes for the Playwright _electron suite: a tray is invisible to page automation.
    Object.assign(globalThis, {
      veilE2E: {
        trayAlive: () => !!tray && !tray.tray.isDestroyed(),
        trayMenu: () => tray?.menu()?.items.map((i) => ({ label: i.label, checked: i.checked })) ?? [],
        trayMenuLabels: () => tray?.menu()?.items.map((i) => i.label) ?? [],
        /** Clicks a tray menu item the way the user would. */
        clickTrayItem: (label: string) => {
          const item = tray?.menu()?.items.find((i) => i.label === label);
          if (!item) throw new Error(`No tray item ${label}`);
          item.click();
        },
      },
    });
  }
  // Starts to the tray; `--show` (or a second launch) opens the window.
  if (host.argv.includes('--show')) openWindow();
}
