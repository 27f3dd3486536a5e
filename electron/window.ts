import { app, BrowserWindow, shell } from 'electron';
import { isAllowedExternal } from './security-policy.js';

export interface WindowOptions {
  preload: string;
  url: string;
  /** Extra argv for the preload (the contract's names). */
  preloadArgs: string[];
  /** True while the app is quitting: then closing the window really closes it. */
  quitting(): boolean;
}

function openExternal(url: string): void {
  if (isAllowedExternal(url)) void shell.openExternal(url);
}

/** The main window: isolated, sandboxed, no Node, no navigation, no new windows. */
export function createMainWindow(o: WindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 960,
    height: 640,
    minWidth: 800,
    minHeight: 600,
    show: false,
    title: 'Veil',
    autoHideMenuBar: true,
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
      devTools: !app.isPackaged,
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
