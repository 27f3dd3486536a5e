import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WATCHDOG_FLAG } from '../../electron/watchdog-mode.js';
import { JOURNAL_FILE } from '../../proxy-core/src/system/journal.js';
import { createGsettingsEnv, type GsettingsEnv, useInProcess } from '../system/gsettings-env.js';
import { cleanupShells, eventually, launchShell, ROOT, type ShellRun } from './shell-harness.js';

const MODE = 'org.gnome.system.proxy mode';
const HTTP_HOST = 'org.gnome.system.proxy.http host';
const HTTP_PORT = 'org.gnome.system.proxy.http port';

let g: GsettingsEnv;
let undoEnv: () => void;
const saved = { path: process.env.PATH, forced: process.env.VEIL_SYSTEM_PROXY };

/** The user's own settings, which Veil must give back exactly. */
function userSettings(): string[] {
  return [g.get(MODE), g.get(HTTP_HOST), g.get(HTTP_PORT)];
}
const USER = ["'manual'", "'corp.example'", '3128'];

/**
 * The quit deadline for tests that expect the restore to finish: a restore is a handful of gsettings runs,
 * which on these shared cores can take longer than the app's 5 s (the deadline itself has its own test).
 */
const SLOW_MACHINE_DEADLINE_MS = 30_000;

beforeEach(() => {
  g = createGsettingsEnv();
  undoEnv = useInProcess(g);
  process.env.VEIL_SYSTEM_PROXY = 'gnome';
  g.set(HTTP_HOST, "'corp.example'");
  g.set(HTTP_PORT, '3128');
  g.set(MODE, "'manual'");
});

afterEach(async () => {
  await cleanupShells();
  process.env.PATH = saved.path;
  process.env.VEIL_SYSTEM_PROXY = saved.forced;
  undoEnv();
  g.cleanup();
});

/** Starts the shell with Veil's data next to the private GSettings store and turns the system proxy on from the tray. */
async function startWithSystemProxy(o: Parameters<typeof launchShell>[0] = {}): Promise<ShellRun> {
  const run = launchShell(o);
  await run.started;
  await eventually(() => expect(run.tray().menu?.item('Use as system proxy').enabled).toBe(true));
  run.tray().menu!.item('Use as system proxy').click();
  await eventually(() => expect(g.get(MODE)).toBe("'auto'"));
  await eventually(() => expect(run.tray().menu!.item('Use as system proxy').checked).toBe(true));
  // system.state answers once the change has settled (the checkbox turns on as soon as the journal exists).
  expect((await run.command('system.state')).active).toBe(true);
  expect(existsSync(join(run.dir, JOURNAL_FILE))).toBe(true);
  return run;
}

/** A pid no process has any more. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('quitting with the system proxy set (real gsettings, keyfile backend)', { timeout: 60_000 }, () => {
  it('gives the system proxy back before the app exits', async () => {
    const run = await startWithSystemProxy({ host: { quitDeadlineMs: SLOW_MACHINE_DEADLINE_MS } });
    let atExit: string[] = [];
    let journalAtExit = true;
    run.app.onExit(() => {
      atExit = userSettings();
      journalAtExit = existsSync(join(run.dir, JOURNAL_FILE));
    });
    run.tray().menu!.item('Quit Veil').click();
    await eventually(() => expect(run.app.exitCode).toBe(0), SLOW_MACHINE_DEADLINE_MS);
    expect(atExit, JSON.stringify(run.notifications)).toEqual(USER);
    expect(journalAtExit).toBe(false);
    expect(run.tray().isDestroyed()).toBe(true);
  });

  it('quitting while the system proxy is being set still gives it back, and leaves no engine behind', async () => {
    const run = launchShell({ host: { quitDeadlineMs: SLOW_MACHINE_DEADLINE_MS } });
    await run.started;
    await eventually(() => expect(run.tray().menu?.item('Use as system proxy').enabled).toBe(true));
    const port = (await run.command('status.get')).listening!.port;
    run.tray().menu!.item('Use as system proxy').click();
    // The user quits while Veil is still pointing the system at itself.
    await eventually(() => expect(g.get(MODE)).toBe("'auto'"));
    let atExit: string[] = [];
    run.app.onExit(() => {
      atExit = userSettings();
    });
    run.app.quit();
    await eventually(() => expect(run.app.exitCode).toBe(0), SLOW_MACHINE_DEADLINE_MS);
    expect(atExit).toEqual(USER);
    expect(existsSync(join(run.dir, JOURNAL_FILE))).toBe(false);
    // Nothing the quit interrupted comes back afterwards: no proxy set again, no engine started again.
    await new Promise((r) => setTimeout(r, 1000));
    expect(userSettings()).toEqual(USER);
    const listening = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    expect(listening).toBe(false);
  });

  it('SIGTERM quits the same way', async () => {
    const run = await startWithSystemProxy({ host: { quitDeadlineMs: SLOW_MACHINE_DEADLINE_MS } });
    run.signals.get('SIGTERM')!();
    await eventually(() => expect(run.app.exitCode).toBe(0), SLOW_MACHINE_DEADLINE_MS);
    expect(userSettings(), JSON.stringify(run.notifications)).toEqual(USER);
  });

  it('a restore that hangs still lets the app quit after its deadline, and the next start restores from the journal', async () => {
    // A gsettings that hangs on `set` while the marker exists (a stuck dconf service), deaf to the
    // runner's SIGTERM: the quitting Veil stays stuck in it, as a process that has exited would stay silent.
    const bin = mkdtempSync(join(tmpdir(), 'veil-hang-'));
    const marker = join(bin, 'hang');
    writeFileSync(
      join(bin, 'gsettings'),
      `#!/bin/sh\ntrap '' TERM\nif [ "$1" = set ] && [ -e '${marker}' ]; then\n  while [ -e '${marker}' ]; do sleep 0.05; done\n  touch '${marker}.released'\n  exit 1\nfi\nexec /usr/bin/gsettings "$@"\n`,
    );
    chmodSync(join(bin, 'gsettings'), 0o755);
    const realPath = process.env.PATH;
    process.env.PATH = `${bin}${delimiter}${realPath}`;
    try {
      const deadline = 700;
      const run = await startWithSystemProxy({ host: { quitDeadlineMs: deadline } });
      writeFileSync(marker, '');
      let atExit: string | undefined;
      run.app.onExit(() => {
        atExit = g.get(MODE);
      });
      const took = await run.quitAndWait();
      expect(took).toBeGreaterThanOrEqual(deadline - 20);
      expect(took).toBeLessThan(deadline + 3000);
      // Still Veil's settings, and the journal stays for the next start.
      expect(atExit).toBe("'auto'");
      expect(existsSync(join(run.dir, JOURNAL_FILE))).toBe(true);

      // The next start (with a working gsettings) finds the journal and gives the user's settings back.
      process.env.PATH = realPath;
      const next = launchShell({ dir: run.dir });
      await next.started;
      await eventually(() =>
        expect(next.notifications.map((n) => n.body)).toContain(
          'Veil stopped unexpectedly last time; your previous system proxy settings were restored.',
        ),
      );
      expect(userSettings()).toEqual(USER);
      expect(existsSync(join(run.dir, JOURNAL_FILE))).toBe(false);
    } finally {
      // Lets the stuck call end, so nothing of this test outlives it.
      rmSync(marker, { force: true });
      await eventually(() => expect(existsSync(`${marker}.released`)).toBe(true));
      await new Promise((r) => setTimeout(r, 200));
      rmSync(bin, { recursive: true, force: true });
    }
  });
});

describe('the system proxy watchdog', { timeout: 60_000 }, () => {
  it('is launched as Electron with the app folder, the flag, the journal and the parent pid', async () => {
    const run = await startWithSystemProxy({ standIn: { packaged: false, appPath: '/work/veil' } });
    expect(run.spawned).toHaveLength(1);
    const [call] = run.spawned;
    expect(call!.file).toBe('/opt/electron/electron');
    expect(call!.args).toEqual(['/work/veil', WATCHDOG_FLAG, join(run.dir, JOURNAL_FILE), String(process.pid)]);
    expect(call!.options).toEqual({ detached: true, stdio: 'ignore', windowsHide: true });
    expect(call!.unrefs).toBe(1);
  });

  it('in a packaged layout re-executes the app itself, which replays the journal once its parent is gone', async () => {
    const execPath = '/opt/Veil/veil';
    const run = await startWithSystemProxy({ standIn: { packaged: true }, host: { execPath, argv: [execPath] } });
    expect(run.spawned).toHaveLength(1);
    const [call] = run.spawned;
    expect(call!.file).toBe(execPath);
    const journal = join(run.dir, JOURNAL_FILE);
    expect(call!.args).toEqual([WATCHDOG_FLAG, journal, String(process.pid)]);

    // The Veil that wrote the journal dies (played by handing the journal to a pid that has exited).
    const dead = deadPid();
    const written = JSON.parse(readFileSync(journal, 'utf8')) as { ownerPid: number };
    writeFileSync(journal, JSON.stringify({ ...written, ownerPid: dead }));
    const args = call!.args.map((a) => (a === String(process.pid) ? String(dead) : a));

    // The re-executed process: a packaged app's argv is [executable, ...args].
    const watchdog = launchShell({
      dir: run.dir,
      standIn: { packaged: true, dock: true },
      host: { execPath, argv: [execPath, ...args] },
    });
    await watchdog.started;
    expect(watchdog.app.exitCode).toBe(0);
    expect(watchdog.app.calls).not.toContain('requestSingleInstanceLock');
    expect(watchdog.dockHidden.count).toBe(1);
    expect(watchdog.trays).toHaveLength(0);
    expect(watchdog.ipcHandlers.size).toBe(0);
    expect(userSettings()).toEqual(USER);
    expect(existsSync(journal)).toBe(false);
  });

  it('given bad arguments exits with 2 and touches nothing', async () => {
    const watchdog = launchShell({ host: { argv: [join(ROOT, 'veil'), WATCHDOG_FLAG, 'journal-only'] } });
    await watchdog.started;
    expect(watchdog.app.exitCode).toBe(2);
    expect(watchdog.trays).toHaveLength(0);
    expect(g.get(MODE)).toBe("'manual'");
  });
});
