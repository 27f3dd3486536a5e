import { ownerAlive, readJournal, removeJournal } from './journal.js';
import { describeChange, type SystemProxyPlatform, stillApplied } from './platform.js';

export type ReplayOutcome =
  | { kind: 'none' }
  | { kind: 'restored' }
  /** Someone changed the settings after Veil: left alone. */
  | { kind: 'foreign'; change: string }
  /** Another running Veil owns the change. */
  | { kind: 'owned'; pid: number };

/**
 * Undoes what a Veil process that died left behind: restores the previous settings if the
 * current ones are still Veil's (or Veil died half-way through applying), else leaves them.
 * Used at start-up and by the watchdog. `ownerPid` limits it to one owner's journal.
 */
export async function replayJournal(
  platform: SystemProxyPlatform,
  path: string,
  ownerPid?: number,
): Promise<ReplayOutcome> {
  const journal = await readJournal(path);
  if (!journal) return { kind: 'none' };
  if (ownerPid !== undefined && journal.ownerPid !== ownerPid) return { kind: 'owned', pid: journal.ownerPid };
  if (ownerPid === undefined && journal.ownerPid !== process.pid && ownerAlive(journal)) {
    return { kind: 'owned', pid: journal.ownerPid };
  }
  if (journal.platform !== platform.name) {
    throw new Error(`${path} was written for ${journal.platform}, this is ${platform.name}; move it away to continue.`);
  }
  const current = await platform.read();
  if (journal.applied && !stillApplied(current, journal.applied)) {
    await removeJournal(path);
    return { kind: 'foreign', change: describeChange(current, journal.applied) };
  }
  await platform.restore(journal.previous);
  await removeJournal(path);
  return { kind: 'restored' };
}
