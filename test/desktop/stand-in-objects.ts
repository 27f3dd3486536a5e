import { existsSync } from 'node:fs';
import type * as E from 'electron';
import type {
  AppSurface,
  MenuItemSurface,
  MenuSurface,
  TraySurface,
  WebContentsSurface,
  WindowSurface,
} from '../../electron/electron-surface.js';

/*
 * The objects of the in-memory Electron that electron-stand-in.ts puts together. Each implements one of the
 * shell's surface types (electron/electron-surface.ts, written against electron.d.ts).
 */

type Listener = (...args: never[]) => unknown;

/** Listeners by event name; `emit` returns how many ran. */
export class Emitter {
  private readonly listeners = new Map<string, Array<{ fn: Listener; once: boolean }>>();

  on(event: string, fn: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), { fn, once: false }]);
    return this;
  }

  once(event: string, fn: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), { fn, once: true }]);
    return this;
  }

  off(event: string, fn: Listener): this {
    this.listeners.set(
      event,
      (this.listeners.get(event) ?? []).filter((l) => l.fn !== fn),
    );
    return this;
  }

  removeAllListeners(event: string): this {
    this.listeners.delete(event);
    return this;
  }

  listenerCount(event: string): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  emit(event: string, ...args: unknown[]): number {
    const list = this.listeners.get(event) ?? [];
    this.listeners.set(
      event,
      list.filter((l) => !l.once),
    );
    for (const l of list) (l.fn as (...a: unknown[]) => unknown)(...args);
    return list.length;
  }
}

/** An Electron event object: `preventDefault` and the event's own fields. */
export function electronEvent<P extends object>(params: P = {} as P): E.Event<P> {
  const event = {
    defaultPrevented: false,
    preventDefault() {
      event.defaultPrevented = true;
    },
    ...params,
  };
  return event;
}

/** The single-instance lock, shared by the stand-ins that play two launches of the same app. */
export class InstanceLock {
  holder: StandInApp | null = null;
}

export class StandInApp extends Emitter implements AppSurface {
  readonly calls: string[] = [];
  exitCode: number | null = null;
  private readonly exitHooks: Array<(code: number) => void> = [];

  constructor(
    readonly isPackaged: boolean,
    private readonly appPath: string,
    private readonly lock: InstanceLock,
    private readonly windows: () => StandInWindow[],
    readonly dock: { hide(): void } | undefined,
  ) {
    super();
  }

  requestSingleInstanceLock(): boolean {
    this.calls.push('requestSingleInstanceLock');
    const holder = this.lock.holder;
    if (holder && holder !== this && holder.exitCode === null) {
      // As Electron does: the running instance hears of the launch (with its argv); this one is refused.
      holder.emit('second-instance', electronEvent(), ['veil', '--from-second-launch'], '/');
      return false;
    }
    this.lock.holder = this;
    return true;
  }

  whenReady(): Promise<void> {
    return Promise.resolve();
  }

  getAppPath(): string {
    return this.appPath;
  }

  setLoginItemSettings(settings: E.Settings): void {
    this.calls.push(`setLoginItemSettings ${JSON.stringify(settings)}`);
  }

  /** Electron's order: before-quit (cancellable), then every window's close (cancellable), then exit. */
  quit(): void {
    this.calls.push('quit');
    if (this.exitCode !== null) return;
    const before = electronEvent();
    this.emit('before-quit', before);
    if (before.defaultPrevented) return;
    for (const win of this.windows()) {
      if (win.isDestroyed()) continue;
      const close = electronEvent();
      win.emit('close', close);
      if (close.defaultPrevented) return;
      win.destroy();
    }
    this.emit('will-quit', electronEvent());
    this.finish(0);
  }

  exit(exitCode = 0): void {
    this.calls.push(`exit ${exitCode}`);
    this.finish(exitCode);
  }

  /** Runs `hook` the moment the app exits (a test reads the OS state there). */
  onExit(hook: (code: number) => void): void {
    this.exitHooks.push(hook);
  }

  private finish(code: number): void {
    if (this.exitCode !== null) return;
    this.exitCode = code;
    for (const hook of this.exitHooks) hook(code);
  }
}

export class StandInMenu implements MenuSurface {
  readonly items: MenuItemSurface[];

  constructor(template: E.MenuItemConstructorOptions[]) {
    this.items = template.map((t) => ({
      label: t.label ?? '',
      type: t.type ?? (t.submenu ? 'submenu' : 'normal'),
      checked: t.checked ?? false,
      enabled: t.enabled ?? true,
      // Electron passes (menuItem, window, event); the shell's items use none of them.
      click: () => (t.click as (() => void) | undefined)?.(),
      submenu: Array.isArray(t.submenu) ? new StandInMenu(t.submenu) : undefined,
    }));
  }

  /** The item with this label (throws when there is none, naming the labels there are). */
  item(label: string): MenuItemSurface {
    const found = this.items.find((i) => i.label === label);
    if (!found) throw new Error(`No menu item "${label}" in ${this.items.map((i) => i.label).join(', ')}`);
    return found;
  }
}

export class StandInTray extends Emitter implements TraySurface {
  readonly images: string[] = [];
  tooltip = '';
  menu: StandInMenu | null = null;
  private destroyed = false;

  constructor(image: string) {
    super();
    this.setImage(image);
  }

  setToolTip(toolTip: string): void {
    this.tooltip = toolTip;
  }

  setImage(image: E.NativeImage | string): void {
    if (typeof image !== 'string') throw new Error('The shell hands the tray icon paths');
    // Electron shows an empty icon for a missing file; here it fails the test.
    if (!existsSync(image)) throw new Error(`No tray icon at ${image}`);
    this.images.push(image);
  }

  setContextMenu(menu: MenuSurface | null): void {
    this.menu = menu as StandInMenu | null;
  }

  destroy(): void {
    this.destroyed = true;
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  /** The icon file shown now. */
  get image(): string {
    return this.images.at(-1)!;
  }
}

export class StandInWebContents extends Emitter implements WebContentsSurface {
  private static nextId = 1;
  readonly id = StandInWebContents.nextId++;
  reloads = 0;
  readonly sent: unknown[][] = [];
  windowOpenHandler: Parameters<E.WebContents['setWindowOpenHandler']>[0] | null = null;
  destroyed = false;

  isDestroyed(): boolean {
    return this.destroyed;
  }

  send(channel: string, ...args: unknown[]): void {
    this.sent.push([channel, ...args]);
  }

  setWindowOpenHandler(handler: Parameters<E.WebContents['setWindowOpenHandler']>[0]): void {
    this.windowOpenHandler = handler;
  }

  reload(): void {
    this.reloads++;
  }
}

export class StandInWindow extends Emitter implements WindowSurface {
  readonly webContents = new StandInWebContents();
  readonly urls: string[] = [];
  readonly backgrounds: string[] = [];
  visible = false;
  minimized = false;
  focused = 0;
  private destroyed = false;

  constructor(readonly options: E.BrowserWindowConstructorOptions) {
    super();
    if (options.backgroundColor) this.backgrounds.push(options.backgroundColor);
  }

  show(): void {
    this.visible = true;
  }

  hide(): void {
    this.visible = false;
  }

  focus(): void {
    this.focused++;
  }

  restore(): void {
    this.minimized = false;
  }

  isMinimized(): boolean {
    return this.minimized;
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  destroy(): void {
    this.destroyed = true;
    this.visible = false;
    this.webContents.destroyed = true;
    this.webContents.emit('destroyed');
    this.emit('closed');
  }

  setBackgroundColor(backgroundColor: string): void {
    this.backgrounds.push(backgroundColor);
  }

  /** The page "loads" on the next tick, as a real one would after the call returns. */
  loadURL(url: string): Promise<void> {
    this.urls.push(url);
    setImmediate(() => this.emit('ready-to-show'));
    return Promise.resolve();
  }

  /** What a user's click on the window's close button does. */
  userCloses(): E.Event {
    const event = electronEvent();
    this.emit('close', event);
    if (!event.defaultPrevented) this.destroy();
    return event;
  }
}
