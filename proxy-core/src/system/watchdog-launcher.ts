import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Starts a watchdog for `parentPid` that replays `journalPath` if the parent dies; returns its pid. */
export type WatchdogLauncher = (journalPath: string, parentPid: number) => number | undefined;

/** Under Node (`veil serve`): runs watchdog.js with the same node binary, detached from the terminal. */
export const nodeWatchdogLauncher: WatchdogLauncher = (journalPath, parentPid) => {
  const script = fileURLToPath(new URL('./watchdog.js', import.meta.url));
  const child = spawn(process.execPath, [script, journalPath, String(parentPid)], {
    detached: true,
    stdio: 'ignore',
    windowsHide: true,
  });
  child.unref();
  return child.pid;
};

/** Stops a watchdog the parent no longer needs (the settings are back). */
export function stopWatchdog(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // Already gone: nothing to stop.
  }
}
