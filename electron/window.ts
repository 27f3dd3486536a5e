import type { ShellElectron, WindowSurface } from './electron-surface.js';
import { isAllowedExternal } from './security-policy.js';

export interface WindowOptions {
  preload: string;
  url: string;
  /** Extra argv for the preload (the contract's names). */
  preloadArgs: string[];
  /** A packaged build: no devtools. */
  packaged: boolean;
  /** True while the app is quitting: then closing the window really closes it. */
  quitting(): boolean;
  /** The renderer crashed more often than it is worth reloading; the window was closed. */
  onCrashLoop(reason: string): void;
}

/** The renderer's page background (renderer/src/styles.css `--bg`), so the window never flashes the other theme. */
const BACKGROUND = { light: '#f6f7f9', dark: '#15181d' } as const;

/** A renderer that crashed this many times within the window is not reloaded again. */
const CRASH_LIMIT = 3;
const CRASH_WINDOW_MS = 60_000;

type WindowElectron = Pick<ShellElectron, 'BrowserWindow' | 'shell' | 'nativeTheme'>;

/** The main window: isolated, sandboxed, no Node, no navigation, no new windows. */
export function createMainWindow(
  electron: WindowElectron,
  o: WindowOptions,
  now: () => number = Date.now,
): WindowSurface {
  // `new BrowserWindow(...)` by that name: electronegativity (npm run security:electron) looks for it.
  const { BrowserWindow, nativeTheme, shell } = electron;
  const openExternal = (url: string): void => {
    if (isAllowedExternal(url)) void shell.openExternal(url);
  };
  const background = () => (nativeTheme.shouldUseDarkColors ? BACKGROUND.dark : BACKGROUND.light);
  const win = new BrowserWindow({
    width: 960,
    height: 640,
    minWidth: 800,
    minHeight: 600,
    show: false,
    title: 'Veil',
    autoHideMenuBar: true,
    backgroundColor: background(),
    webPreferences: {
      preload: o.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      // Middle-click would open links in new windows; the window-open handler denies them anyway.
      disableBlinkFeatures: 'Auxclick',
      devTools: !o.packaged,
      additionalArguments: o.preloadArgs,
    },
  });
  const contents = win.webContents;
  // The UI is one page: any navigation is a link the user clicked, which belongs in their browser.
  contents.on('will-navigate', (event) => {
    event.preventDefault();
    openExternal(event.url);
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  // A crashed or killed renderer leaves a blank window; the service is untouched, so reloading the page is enough.
  const crashes: number[] = [];
  contents.on('render-process-gone', (_event, details) => {
    if (details.reason === 'clean-exit' || win.isDestroyed()) return;
    const t = now();
    crashes.push(t);
    while (crashes.length > 0 && t - crashes[0]! > CRASH_WINDOW_MS) crashes.shift();
    if (crashes.length > CRASH_LIMIT) {
      // Reloading a page that crashes at once would spin; closing lets "Open Veil" start afresh.
      win.destroy();
      o.onCrashLoop(details.reason);
      return;
    }
    contents.reload();
  });
  const followTheme = () => win.setBackgroundColor(background());
  nativeTheme.on('updated', followTheme);
  win.once('closed', () => nativeTheme.off('updated', followTheme));
  // Closing the window keeps Veil running in the tray.
  win.on('close', (event) => {
    if (o.quitting()) return;
    event.preventDefault();
    win.hide();
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(o.url);
  return win;
}

/** Brings an existing window to the front, out of the tray or the taskbar. */
export function focusWindow(win: WindowSurface): void {
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}
