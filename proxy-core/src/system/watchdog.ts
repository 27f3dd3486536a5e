import { pathToFileURL } from 'node:url';
import { detectPlatform } from './detect-platform.js';
import { processAlive } from './journal.js';
import { replayJournal } from './replay-journal.js';

/**
 * The watchdog: a tiny detached process started next to Veil while it holds the system
 * proxy. It waits for its parent to go away; if the parent died without restoring the
 * settings (crash, kill -9, power button on the tray icon's process), it replays the journal.
 * The parent stops it once it has restored the settings itself.
 */
export async function runWatchdog(journalPath: string, parentPid: number, intervalMs = 250): Promise<void> {
  // A terminal closing or a Ctrl-C aimed at Veil must not take the watchdog with it.
  for (const sig of ['SIGINT', 'SIGHUP'] as const) process.on(sig, () => undefined);
  while (processAlive(parentPid)) await new Promise((r) => setTimeout(r, intervalMs));
  const platform = detectPlatform();
  if (!platform) return;
  await replayJournal(platform, journalPath, parentPid);
}

/** Parses `watchdog.js <journal> <parent-pid>` (also used by the Electron app's watchdog mode). */
export function watchdogArgs(argv: readonly string[]): { journalPath: string; parentPid: number } | null {
  const [journalPath, pid] = argv;
  const parentPid = Number(pid);
  if (!journalPath || !Number.isInteger(parentPid) || parentPid <= 0) return null;
  return { journalPath, parentPid };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = watchdogArgs(process.argv.slice(2));
  if (!args) {
    process.stderr.write('usage: watchdog.js <journal-path> <parent-pid>\n');
    process.exit(2);
  }
  runWatchdog(args.journalPath, args.parentPid).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`veil watchdog: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
