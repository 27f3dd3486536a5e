import { homedir } from 'node:os';
import { join } from 'node:path';
import { setLinuxAutostart } from './autostart.js';
import type { AppSurface } from './electron-surface.js';

/** The flag the login item passes: start to the tray without showing the window. */
export const HIDDEN_FLAG = '--hidden';

/** The process facts the login item depends on. */
export interface LoginHost {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  execPath: string;
}

/** Applies the launch-at-login setting: the OS login item on macOS and Windows, XDG autostart on Linux. */
export async function applyLaunchAtLogin(app: AppSurface, host: LoginHost, enabled: boolean): Promise<void> {
  if (host.platform === 'darwin' || host.platform === 'win32') {
    app.setLoginItemSettings({ openAtLogin: enabled, args: [HIDDEN_FLAG] });
    return;
  }
  // An AppImage moves with its file: APPIMAGE names it; a deb installs a fixed binary.
  const exec = app.isPackaged
    ? [host.env.APPIMAGE ?? host.execPath, HIDDEN_FLAG]
    : [host.execPath, app.getAppPath(), HIDDEN_FLAG];
  await setLinuxAutostart(enabled, host.env.XDG_CONFIG_HOME || join(homedir(), '.config'), exec);
}
