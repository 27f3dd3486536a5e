import { bootTime, type Journal, removeJournal, writeJournal } from './journal.js';
import {
  describeChange,
  type ProxySnapshot,
  type ProxyTarget,
  type SystemProxyPlatform,
  stillApplied,
} from './platform.js';
import { stopWatchdog, type WatchdogLauncher } from './watchdog-launcher.js';

export interface ControllerOptions {
  platform: SystemProxyPlatform;
  journalPath: string;
  /** Starts the crash watchdog; null runs without one (tests of the in-process paths). */
  watchdog: WatchdogLauncher | null;
  /** How often the guard re-reads the OS settings. */
  guardIntervalMs: number;
  /** Another program rewrote the settings while Veil held them. */
  onForeignChange(change: string): void;
}

export type ReleaseOutcome = { kind: 'none' } | { kind: 'restored' } | { kind: 'foreign'; change: string };

/** Applies and gives back the OS proxy settings, journaled, watched and guarded. Callers serialize calls. */
export interface SystemProxyController {
  /** Points the OS at `target`; saves the previous settings to the journal first. */
  apply(target: ProxyTarget, guard: boolean): Promise<void>;
  /** Gives the settings back, unless someone else changed them since (then reports, never clobbers). */
  release(): Promise<ReleaseOutcome>;
  readonly active: boolean;
  /** Set when the guard saw another program change the settings. */
  readonly foreignChange: string | undefined;
  /** Stops the guard timer (the journal and watchdog stay: they are the crash path). */
  dispose(): void;
}

function sameTarget(a: ProxyTarget | null, b: ProxyTarget): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Creates the controller for one platform and journal file. */
export function createSystemProxyController(o: ControllerOptions): SystemProxyController {
  let journal: Journal | null = null;
  let target: ProxyTarget | null = null;
  let foreignChange: string | undefined;
  let guardTimer: NodeJS.Timeout | undefined;
  let busy = false;

  function stopGuard(): void {
    clearInterval(guardTimer);
    guardTimer = undefined;
  }

  function startGuard(applied: ProxySnapshot): void {
    stopGuard();
    guardTimer = setInterval(() => {
      if (busy) return;
      busy = true;
      o.platform
        .read()
        .then((current) => {
          if (guardTimer && journal && !stillApplied(current, applied)) {
            stopGuard();
            foreignChange = describeChange(current, applied);
            o.onForeignChange(foreignChange);
          }
        })
        .catch(() => undefined)
        .finally(() => {
          busy = false;
        });
    }, o.guardIntervalMs);
    guardTimer.unref();
  }

  async function finish(): Promise<void> {
    await removeJournal(o.journalPath);
    stopWatchdog(journal?.watchdogPid);
    journal = null;
    target = null;
  }

  return {
    get active() {
      return journal !== null && foreignChange === undefined;
    },
    get foreignChange() {
      return foreignChange;
    },
    async apply(next, guard) {
      if (journal && !foreignChange && sameTarget(target, next)) {
        if (guard && !guardTimer && journal.applied) startGuard(journal.applied);
        if (!guard) stopGuard();
        return;
      }
      stopGuard();
      busy = true;
      try {
        // Re-targeting keeps the user's original settings; after a foreign change, that change is the new "previous".
        const previous = journal && !foreignChange ? journal.previous : await o.platform.read();
        const entry: Journal = {
          version: 1,
          platform: o.platform.name,
          ownerPid: process.pid,
          bootTime: bootTime(),
          previous,
          applied: null,
          at: Date.now(),
          ...(journal?.watchdogPid ? { watchdogPid: journal.watchdogPid } : {}),
        };
        await writeJournal(o.journalPath, entry);
        journal = entry;
        try {
          await o.platform.apply(next);
        } catch (err) {
          await o.platform.restore(previous).catch(() => undefined);
          await finish();
          throw err;
        }
        entry.applied = await o.platform.read();
        if (!entry.watchdogPid && o.watchdog) {
          const pid = o.watchdog(o.journalPath, process.pid);
          if (pid) entry.watchdogPid = pid;
        }
        await writeJournal(o.journalPath, entry);
        target = next;
        foreignChange = undefined;
        if (guard) startGuard(entry.applied);
      } finally {
        busy = false;
      }
    },
    async release() {
      stopGuard();
      if (!journal) return { kind: 'none' };
      busy = true;
      try {
        const current = await o.platform.read();
        if (journal.applied && !stillApplied(current, journal.applied)) {
          const change = describeChange(current, journal.applied);
          await finish();
          foreignChange = undefined;
          return { kind: 'foreign', change };
        }
        await o.platform.restore(journal.previous);
        await finish();
        foreignChange = undefined;
        return { kind: 'restored' };
      } finally {
        busy = false;
      }
    },
    dispose: stopGuard,
  };
}
