import type * as E from 'electron';
import type { IpcSurface } from './ipc.js';

/*
 * The part of Electron's API the shell uses, written against electron.d.ts: methods are picked from
 * Electron's own interfaces, and each `on` lists only the events the shell listens to (Electron's `on`
 * returns `this`, which no stand-in can be). main.ts hands the real module to `runShell`, so a method or
 * an event renamed or removed in Electron fails the type check there; the test stand-in implements the
 * same types, so it cannot drift from Electron either.
 */

/** A menu as the shell reads it back (the E2E probe lists its labels). */
export interface MenuSurface {
  readonly items: MenuItemSurface[];
}

export type MenuItemSurface = Pick<E.MenuItem, 'label' | 'type' | 'checked' | 'enabled' | 'click'> & {
  submenu?: MenuSurface | undefined;
};

export interface MenuStatic {
  buildFromTemplate(template: E.MenuItemConstructorOptions[]): MenuSurface;
}

export type TraySurface = Pick<E.Tray, 'setToolTip' | 'setImage' | 'destroy' | 'isDestroyed'> & {
  setContextMenu(menu: MenuSurface | null): void;
  on(event: 'click', listener: () => void): unknown;
};

/** Icons are passed as paths: Electron loads them itself and treats `*Template.png` as macOS template images. */
export type TrayConstructor = new (image: string) => TraySurface;

export type WebContentsSurface = Pick<
  E.WebContents,
  'id' | 'isDestroyed' | 'send' | 'setWindowOpenHandler' | 'reload'
> & {
  on(event: 'will-navigate', listener: (event: E.Event<E.WebContentsWillNavigateEventParams>) => void): unknown;
  on(event: 'will-redirect', listener: (event: E.Event<E.WebContentsWillRedirectEventParams>) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: E.Event) => void): unknown;
  on(event: 'render-process-gone', listener: (event: E.Event, details: E.RenderProcessGoneDetails) => void): unknown;
  on(
    event: 'did-start-navigation',
    listener: (event: E.Event<E.WebContentsDidStartNavigationEventParams>) => void,
  ): unknown;
  off(
    event: 'did-start-navigation',
    listener: (event: E.Event<E.WebContentsDidStartNavigationEventParams>) => void,
  ): unknown;
  once(event: 'destroyed', listener: () => void): unknown;
};

export type WindowSurface = Pick<
  E.BrowserWindow,
  'show' | 'hide' | 'focus' | 'restore' | 'isMinimized' | 'isDestroyed' | 'destroy' | 'loadURL' | 'setBackgroundColor'
> & {
  readonly webContents: WebContentsSurface;
  on(event: 'close', listener: (event: E.Event) => void): unknown;
  once(event: 'ready-to-show', listener: () => void): unknown;
  once(event: 'closed', listener: () => void): unknown;
};

export type BrowserWindowConstructor = new (options: E.BrowserWindowConstructorOptions) => WindowSurface;

export type NotificationConstructor = (new (
  options: E.NotificationConstructorOptions,
) => Pick<E.Notification, 'show'>) &
  Pick<typeof E.Notification, 'isSupported'>;

export type AppSurface = Pick<
  E.App,
  'requestSingleInstanceLock' | 'quit' | 'exit' | 'whenReady' | 'isPackaged' | 'getAppPath' | 'setLoginItemSettings'
> & {
  readonly dock?: Pick<E.Dock, 'hide'> | undefined;
  on(event: 'second-instance', listener: (event: E.Event, argv: string[]) => void): unknown;
  on(event: 'window-all-closed', listener: () => void): unknown;
  on(event: 'activate', listener: (event: E.Event) => void): unknown;
  on(event: 'before-quit', listener: (event: E.Event) => void): unknown;
  on(event: 'web-contents-created', listener: (event: E.Event, contents: WebContentsSurface) => void): unknown;
};

export type NativeThemeSurface = Pick<E.NativeTheme, 'shouldUseDarkColors'> & {
  on(event: 'updated', listener: () => void): unknown;
  off(event: 'updated', listener: () => void): unknown;
};

export interface PowerMonitorSurface {
  on(event: 'resume', listener: () => void): unknown;
  on(event: 'shutdown', listener: () => void): unknown;
}

export type SessionSurface = Pick<E.Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler'> & {
  readonly webRequest: Pick<E.WebRequest, 'onHeadersReceived'>;
};

/** What `runShell` needs of the `electron` module. */
export type ShellElectron = IpcSurface & {
  app: AppSurface;
  BrowserWindow: BrowserWindowConstructor;
  Menu: MenuStatic;
  Tray: TrayConstructor;
  Notification: NotificationConstructor;
  nativeTheme: NativeThemeSurface;
  powerMonitor: PowerMonitorSurface;
  shell: Pick<E.Shell, 'openExternal'>;
  dialog: Pick<E.Dialog, 'showErrorBox'>;
  session: { readonly defaultSession: SessionSurface };
  protocol: Pick<E.Protocol, 'registerSchemesAsPrivileged' | 'handle'>;
};
