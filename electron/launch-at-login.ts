import { homedir } from 'node:os';
import { join } from 'node:path';
import { app } from 'electron';
import { setLinuxAutostart } from './autostart.js';

/** The flag the login item passes: start to the tray without showing the window. */
export const HIDDEN_FLAG = '--hidden';

/** Applies the launch-at-login setting: the OS login item on macOS and Windows, XDG autostart on Linux. */
export async function applyLaunchAtLogin(enabled: boolean): Promise<void> {
  if (process.platform === 'darwin' || process.platform === 'win32') {
    app.setLoginItemSettings({ openAtLogin: enabled, args: [HIDDEN_FLAG] });
    return;
  }
  // An AppImage moves with its file: APPIMAGE names it; a deb installs a fixed binary.
  const exec = app.isPackaged
    ? [process.env.APPIMAGE ?? process.execPath, HIDDEN_FLAG]
    : [process.execPath, app.getAppPath(), HIDDEN_FLAG];
  await setLinuxAutostart(enabled, process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), exec);
}
