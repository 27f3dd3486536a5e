import { readFile, rm } from 'node:fs/promises';
import { uptime } from 'node:os';
import { writePrivateFile } from '../private-files.js';
import type { PlatformName, ProxySnapshot } from './platform.js';

/**
 * What Veil must undo: the user's settings from before Veil changed them (`previous`) and
 * what Veil set (`applied`, null while the change is in progress). Written atomically before
 * anything changes, removed once the settings are back.
 */
export interface Journal {
  version: 1;
  platform: PlatformName;
  /** The process that made the change; a journal whose owner still runs is not replayed. */
  ownerPid: number;
  /** When the machine booted (ms since epoch), so a pid reused after a reboot is not taken for the owner. */
  bootTime?: number;
  watchdogPid?: number;
  previous: ProxySnapshot;
  applied: ProxySnapshot | null;
  at: number;
}

/** The journal's file name inside Veil's data directory. */
export const JOURNAL_FILE = 'system-proxy.journal.json';

/** Reads the journal; null when there is none. A damaged journal throws with its path. */
export async function readJournal(path: string): Promise<Journal | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const j = JSON.parse(text) as Journal;
  if (j.version !== 1 || typeof j.previous !== 'object' || !j.previous) {
    throw new Error(`${path} is not a Veil system proxy journal; move it away to continue.`);
  }
  return j;
}

/** Writes the journal atomically (fsync, rename) so a crash leaves the old or the new one, never half. */
export async function writeJournal(path: string, journal: Journal): Promise<void> {
  await writePrivateFile(path, `${JSON.stringify(journal, null, 2)}\n`);
}

export async function removeJournal(path: string): Promise<void> {
  await rm(path, { force: true });
}

/** When this machine booted, in ms since the epoch (to within the clock's drift). */
export function bootTime(): number {
  return Date.now() - Math.round(uptime() * 1000);
}

/** Whether the journal's owner is still running: same boot, and its pid alive. */
export function ownerAlive(journal: Journal): boolean {
  if (journal.ownerPid === process.pid) return true;
  // A minute of slack: boot time derived from uptime wobbles with clock adjustments.
  if (journal.bootTime !== undefined && Math.abs(journal.bootTime - bootTime()) > 60_000) return false;
  return processAlive(journal.ownerPid);
}

/** Whether a process with this id is running. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
