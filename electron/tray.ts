import { join } from 'node:path';
import type { Status } from '../proxy-core/src/control/contract.js';
import type { VeilService } from '../proxy-core/src/control/service.js';
import type { MenuSurface, ShellElectron, TraySurface } from './electron-surface.js';
import {
  type TrayAction,
  type TrayIconState,
  trayIconState,
  trayMenuKey,
  trayMenuTemplate,
  trayTooltip,
} from './tray-menu.js';

export interface TrayOptions {
  electron: Pick<ShellElectron, 'Tray' | 'Menu'>;
  service: VeilService;
  /** Folder with tray-{on,off,error}.png (and @2x, and *Template.png for macOS). */
  iconDir: string;
  openWindow(): void;
  quit(): void;
  /** A tray action failed (e.g. the system proxy could not be set). */
  onError(message: string): void;
  /** macOS: template icons, which the OS tints for the menu bar. */
  mac: boolean;
}

/** Runs one menu action against the contract. */
async function perform(service: VeilService, action: TrayAction): Promise<void> {
  switch (action.kind) {
    case 'veil':
      await service.invoke(action.on ? 'proxy.start' : 'proxy.stop');
      return;
    case 'system-proxy':
      await service.invoke(action.on ? 'system.enable' : 'system.disable');
      return;
    case 'profile':
      await service.invoke('privacy.setProfile', { profile: action.profile });
      return;
    case 'pause-traffic':
      await service.invoke(action.paused ? 'traffic.pause' : 'traffic.resume');
      return;
    default:
      return;
  }
}

/** The tray icon: state icon, live tooltip, the menu. Returns a handle to refresh and destroy it. */
export function createVeilTray(o: TrayOptions): {
  refresh(): Promise<void>;
  destroy(): void;
  readonly tray: TraySurface;
  /** The menu shown now (null before the first status). */
  menu(): MenuSurface | null;
} {
  const { Tray, Menu } = o.electron;
  // A path, not a NativeImage: Electron picks the @2x file itself and marks `*Template.png` as a template image.
  const icon = (state: TrayIconState) => join(o.iconDir, o.mac ? `tray-${state}Template.png` : `tray-${state}.png`);
  const tray = new Tray(icon('off'));
  tray.setToolTip('Veil');
  let shownState: TrayIconState = 'off';
  let menuKey = '';
  let menu: MenuSurface | null = null;

  const act = (action: TrayAction) => {
    if (action.kind === 'open') return o.openWindow();
    if (action.kind === 'quit') return o.quit();
    perform(o.service, action)
      .then(() => refresh())
      .catch((err: unknown) => o.onError((err as Error).message));
  };

  function render(status: Status): void {
    if (tray.isDestroyed()) return;
    tray.setToolTip(trayTooltip(status));
    const state = trayIconState(status);
    if (state !== shownState) {
      tray.setImage(icon(state));
      shownState = state;
    }
    const key = trayMenuKey(status);
    if (key !== menuKey) {
      menu = Menu.buildFromTemplate(trayMenuTemplate(status, act));
      tray.setContextMenu(menu);
      menuKey = key;
    }
  }

  async function refresh(): Promise<void> {
    render(await o.service.invoke('status.get'));
  }

  // Clicking the icon opens the window where the platform reports clicks (Windows, most Linux trays).
  tray.on('click', () => o.openWindow());
  const off = o.service.on('status', render);
  // Counts change with every request; the tooltip follows them without an event per request.
  const timer = setInterval(() => void refresh().catch(() => undefined), 2000);
  void refresh().catch(() => undefined);

  return {
    tray,
    refresh,
    menu: () => menu,
    destroy() {
      clearInterval(timer);
      off();
      if (!tray.isDestroyed()) tray.destroy();
    },
  };
}
