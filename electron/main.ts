import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { app, type BrowserWindow, Notification, powerMonitor, session } from 'electron';
import { defaultConfigDir, defaultConfigPath } from '../proxy-core/src/config-paths.js';
import { commandArgs, eventNames, type Notice } from '../proxy-core/src/control/contract.js';
import { builtInFeatures } from '../proxy-core/src/control/features/index.js';
import { createSystemFeature, systemFeature } from '../proxy-core/src/control/features/system-feature.js';
import { createService, type VeilService } from '../proxy-core/src/control/service.js';
import { createFileStore } from '../proxy-core/src/control/settings-store.js';
import { runWatchdog, watchdogArgs } from '../proxy-core/src/system/watchdog.js';
import type { WatchdogLauncher } from '../proxy-core/src/system/watchdog-launcher.js';
import { registerAppScheme, serveRenderer } from './app-protocol.js';
import { CONTRACT_ARG, type ContractNames } from './bridge-types.js';
import { registerIpc } from './ipc.js';
import { trustedOrigins } from './ipc-handlers.js';
import { applyLaunchAtLogin } from './launch-at-login.js';
import { throttleNotices } from './notice-throttle.js';
import { APP_ORIGIN, CONTENT_SECURITY_POLICY } from './security-policy.js';
import { createVeilTray } from './tray.js';
import { createMainWindow } from './window.js';

/** Quit waits this long for the system proxy to be given back before exiting anyway (the watchdog covers the rest). */
const QUIT_DEADLINE_MS = 5000;
const WATCHDOG_FLAG = '--veil-watchdog';
const here = import.meta.dirname;
const appRoot = join(here, '..', '..');

/**
 * The watchdog runs as this same executable in a windowless mode: Electron's RunAsNode fuse is
 * off in release builds, so it cannot run a plain node script the way `veil serve` does.
 */
const electronWatchdog: WatchdogLauncher = (journalPath, parentPid) => {
  const args = [...(app.isPackaged ? [] : [app.getAppPath()]), WATCHDOG_FLAG, journalPath, String(parentPid)];
  const child = spawn(process.execPath, args, { detached: true, stdio: 'ignore', windowsHide: true });
  child.unref();
  return child.pid;
};

function notify(notice: Pick<Notice, 'message' | 'action'>): void {
  if (!Notification.isSupported()) return;
  new Notification({
    title: 'Veil',
    body: notice.action ? `${notice.message}\n${notice.action}` : notice.message,
  }).show();
}

function runAsWatchdog(argv: string[]): void {
  app.dock?.hide();
  const args = watchdogArgs(argv.slice(argv.indexOf(WATCHDOG_FLAG) + 1));
  if (!args) {
    app.exit(2);
    return;
  }
  runWatchdog(args.journalPath, args.parentPid).then(
    () => app.exit(0),
    () => app.exit(1),
  );
}

function runApp(): void {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  registerAppScheme();
  let service: VeilService | null = null;
  let window: BrowserWindow | null = null;
  let tray: ReturnType<typeof createVeilTray> | null = null;
  let unregisterIpc: (() => void) | null = null;
  let quitting = false;
  let finished = false;

  const rendererUrl = process.env.VEIL_RENDERER_URL ?? `${APP_ORIGIN}/index.html`;
  const origins = [
    APP_ORIGIN,
    ...(process.env.VEIL_RENDERER_URL
      ? [new URL(process.env.VEIL_RENDERER_URL)].map((u) => `${u.protocol}//${u.host}`)
      : []),
  ];
  const names: ContractNames = {
    commands: Object.keys(commandArgs) as ContractNames['commands'],
    events: [...eventNames],
  };

  function openWindow(): void {
    if (!window || window.isDestroyed()) {
      window = createMainWindow({
        preload: join(here, 'preload.cjs'),
        url: rendererUrl,
        preloadArgs: [`${CONTRACT_ARG}${Buffer.from(JSON.stringify(names)).toString('base64')}`],
        quitting: () => quitting,
      });
      return;
    }
    window.show();
    window.focus();
  }

  async function shutdown(): Promise<void> {
    tray?.destroy();
    unregisterIpc?.();
    await service?.shutdown(QUIT_DEADLINE_MS);
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
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => app.quit());

  app.whenReady().then(async () => {
    session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
    session.defaultSession.setPermissionCheckHandler(() => false);
    // The app protocol sends the CSP itself; this covers anything else the session loads (a dev server).
    session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
      callback({
        responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
      });
    });
    serveRenderer(join(appRoot, 'dist', 'renderer'));
    powerMonitor.on('shutdown', () => app.quit());

    const features = builtInFeatures.map((f) =>
      f === systemFeature ? createSystemFeature({ watchdog: electronWatchdog }) : f,
    );
    service = createService({ store: createFileStore(defaultConfigPath()), dataDir: defaultConfigDir(), features });
    service.on('notice', throttleNotices(notify));
    unregisterIpc = registerIpc(service, trustedOrigins(origins));
    try {
      await service.start();
    } catch (err) {
      // The proxy could not listen (port in use): keep the tray up so the user can fix it in the window.
      notify({ message: (err as Error).message, action: 'Open Veil and choose another port.' });
    }
    tray = createVeilTray({
      service,
      iconDir: app.isPackaged ? join(process.resourcesPath, 'tray') : join(appRoot, 'build', 'icons', 'tray'),
      openWindow,
      quit: () => app.quit(),
      onError: (message) => notify({ message }),
    });
    let launchAtLogin: boolean | null = null;
    const syncLogin = (enabled: boolean) => {
      if (enabled === launchAtLogin) return;
      launchAtLogin = enabled;
      applyLaunchAtLogin(enabled).catch((err: unknown) =>
        notify({ message: `Could not change launch at login: ${(err as Error).message}` }),
      );
    };
    syncLogin(service.settings.app.launchAtLogin);
    service.on('settings', (s) => syncLogin(s.app.launchAtLogin));
    if (process.env.VEIL_E2E === '1') {
      // Read-only probes for the Playwright _electron suite (a tray is invisible to page automation).
      Object.assign(globalThis, {
        veilE2E: {
          trayAlive: () => !!tray && !tray.tray.isDestroyed(),
          trayMenuLabels: () => tray?.menu()?.items.map((i) => i.label) ?? [],
        },
      });
    }
    // Starts to the tray; `--show` (or a second launch) opens the window.
    if (process.argv.includes('--show')) openWindow();
  });
}

if (process.argv.includes(WATCHDOG_FLAG)) runAsWatchdog(process.argv);
else runApp();
