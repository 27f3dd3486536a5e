import type * as E from 'electron';
import type { ShellElectron } from '../../electron/electron-surface.js';
import {
  Emitter,
  electronEvent,
  InstanceLock,
  StandInApp,
  StandInMenu,
  StandInTray,
  StandInWebContents,
  StandInWindow,
} from './stand-in-objects.js';

export { electronEvent, InstanceLock, StandInApp, StandInMenu, StandInTray, StandInWebContents, StandInWindow };

/*
 * An in-memory Electron for the shell's wiring tests: every object implements the shell's surface types,
 * which are written against electron.d.ts, so the stand-in cannot offer an API Electron does not have.
 * It records what the shell does and lets a test fire what the OS or the user would (a quit, a second
 * launch, a renderer crash, waking up). Never shipped: it lives under test/.
 */

export interface StandInOptions {
  packaged?: boolean;
  appPath?: string;
  lock?: InstanceLock;
  notificationsSupported?: boolean;
  dark?: boolean;
  /** macOS has a dock; the others do not. */
  dock?: boolean;
}

/** A fresh stand-in: `electron` goes to runShell, the rest is what the test reads and fires. */
export function createElectronStandIn(o: StandInOptions = {}) {
  const trays: StandInTray[] = [];
  const windows: StandInWindow[] = [];
  const notifications: Array<{ title: string; body: string }> = [];
  const openedExternally: string[] = [];
  const protocolHandlers = new Map<string, (request: Request) => Response | Promise<Response>>();
  const privilegedSchemes: E.CustomScheme[] = [];
  const ipcHandlers = new Map<string, (event: E.IpcMainInvokeEvent, ...args: unknown[]) => unknown>();
  const ipcListeners = new Emitter();
  const dockHidden = { count: 0 };
  const errorBoxes: Array<{ title: string; content: string }> = [];
  const app = new StandInApp(
    o.packaged ?? false,
    o.appPath ?? '/work/veil',
    o.lock ?? new InstanceLock(),
    () => windows,
    o.dock ? { hide: () => void dockHidden.count++ } : undefined,
  );
  const powerMonitor = new Emitter();
  const nativeTheme = Object.assign(new Emitter(), { shouldUseDarkColors: o.dark ?? false });

  class Tray extends StandInTray {
    constructor(image: string) {
      super(image);
      trays.push(this);
    }
  }
  class BrowserWindow extends StandInWindow {
    constructor(options: E.BrowserWindowConstructorOptions) {
      super(options);
      windows.push(this);
    }
  }
  class Notification {
    static isSupported(): boolean {
      return o.notificationsSupported ?? true;
    }
    constructor(private readonly options: E.NotificationConstructorOptions) {}
    show(): void {
      notifications.push({ title: this.options.title ?? '', body: this.options.body ?? '' });
    }
  }

  const electron = {
    app,
    Tray,
    BrowserWindow,
    Notification,
    Menu: { buildFromTemplate: (template: E.MenuItemConstructorOptions[]) => new StandInMenu(template) },
    ipcMain: {
      handle(channel: string, listener: (event: E.IpcMainInvokeEvent, ...args: unknown[]) => unknown) {
        ipcHandlers.set(channel, listener);
      },
      removeHandler(channel: string) {
        ipcHandlers.delete(channel);
      },
      on: (channel: string, listener: (event: E.IpcMainEvent, ...args: unknown[]) => void) =>
        ipcListeners.on(channel, listener),
      removeAllListeners: (channel: string) => ipcListeners.removeAllListeners(channel),
    },
    nativeTheme,
    powerMonitor,
    shell: {
      openExternal: async (url: string) => {
        openedExternally.push(url);
      },
    },
    dialog: {
      showErrorBox: (title: string, content: string) => void errorBoxes.push({ title, content }),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: () => undefined,
        setPermissionCheckHandler: () => undefined,
        webRequest: { onHeadersReceived: () => undefined },
      },
    },
    protocol: {
      registerSchemesAsPrivileged(schemes: E.CustomScheme[]) {
        privilegedSchemes.push(...schemes);
      },
      handle(scheme: string, handler: (request: Request) => Response | Promise<Response>) {
        protocolHandlers.set(scheme, handler);
      },
    },
  } satisfies ShellElectron;
  // Handed out as the surface only: the local classes stay out of the exported type.
  const surface: ShellElectron = electron;

  return {
    electron: surface,
    app,
    trays,
    windows,
    notifications,
    openedExternally,
    protocolHandlers,
    privilegedSchemes,
    ipcHandlers,
    ipcListeners,
    powerMonitor,
    nativeTheme,
    dockHidden,
    errorBoxes,
    /** The only tray (throws when there is none or several). */
    tray(): StandInTray {
      if (trays.length !== 1) throw new Error(`${trays.length} trays`);
      return trays[0]!;
    },
    /**
     * Calls the `ipcMain.handle` handler for `channel` as a page at `frameUrl` would. The event carries only
     * what electron/ipc.ts reads of it (the sending frame and its web contents), hence the one cast.
     */
    invokeFromPage(channel: string, frameUrl: string, ...args: unknown[]): Promise<unknown> {
      const handler = ipcHandlers.get(channel);
      if (!handler) return Promise.reject(new Error(`nothing handles ${channel}`));
      const sender = new StandInWebContents();
      const event = { senderFrame: { url: frameUrl, parent: null }, sender, ...electronEvent() };
      return Promise.resolve(handler(event as unknown as E.IpcMainInvokeEvent, ...args));
    },
  };
}

export type ElectronStandIn = ReturnType<typeof createElectronStandIn>;
