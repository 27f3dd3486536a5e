import type { WatchdogLauncher } from '../proxy-core/src/system/watchdog-launcher.js';
import type { AppSurface } from './electron-surface.js';

/** The flag that makes Veil's executable run as the system proxy watchdog instead of the app. */
export const WATCHDOG_FLAG = '--veil-watchdog';

/** Starts a detached process; the shape of `child_process.spawn` the launcher needs. */
export type Spawn = (
  file: string,
  args: string[],
  options: { detached: true; stdio: 'ignore'; windowsHide: true },
) => { pid?: number | undefined; unref(): void };

/**
 * The watchdog runs as this same executable in a windowless mode: Electron's RunAsNode fuse is off in
 * release builds, so it cannot run a plain node script the way `veil serve` does. Unpackaged, the
 * executable is Electron itself and needs the app's folder first; packaged, the app is built in.
 */
export function electronWatchdogLauncher(app: AppSurface, execPath: string, spawn: Spawn): WatchdogLauncher {
  return (journalPath, parentPid) => {
    const args = [...(app.isPackaged ? [] : [app.getAppPath()]), WATCHDOG_FLAG, journalPath, String(parentPid)];
    const child = spawn(execPath, args, { detached: true, stdio: 'ignore', windowsHide: true });
    child.unref();
    return child.pid;
  };
}

/** The arguments after the flag, wherever Electron put the flag in argv (after the app path when unpackaged). */
export function watchdogArgv(argv: readonly string[]): string[] | null {
  const at = argv.indexOf(WATCHDOG_FLAG);
  return at < 0 ? null : argv.slice(at + 1);
}
