import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { type InvokeReply, IPC } from '../../electron/bridge-types.js';
import { APP_ORIGIN } from '../../electron/security-policy.js';
import { runShell, type ShellHost } from '../../electron/shell.js';
import type { Spawn } from '../../electron/watchdog-mode.js';
import type { CommandName, CommandResult } from '../../proxy-core/src/control/contract.js';
import { SETTINGS_VERSION } from '../../proxy-core/src/control/settings-schema.js';
import { createElectronStandIn, type ElectronStandIn, type StandInOptions } from './electron-stand-in.js';

export const ROOT = join(import.meta.dirname, '..', '..');

export interface SpawnCall {
  file: string;
  args: string[];
  options: Parameters<Spawn>[2];
  unrefs: number;
}

export interface ShellRun extends ElectronStandIn {
  host: ShellHost;
  /** Veil's settings folder for this run (config.json, the journal). */
  dir: string;
  spawned: SpawnCall[];
  /** SIGINT / SIGTERM handlers the shell registered. */
  signals: Map<string, () => void>;
  /** Settles when runShell has finished starting. */
  started: Promise<void>;
  /** What the network looks like now; change it and the shell's poll notices. */
  network: { interfaces: ReturnType<typeof networkInterfaces> };
  /** Runs a contract command through ipcMain as Veil's own window would. */
  command<C extends CommandName>(command: C, args?: unknown): Promise<CommandResult<C>>;
  /** Asks the app to quit and waits until it has exited; resolves with the time it took. */
  quitAndWait(timeoutMs?: number): Promise<number>;
}

const runs: ShellRun[] = [];

export interface StartOptions {
  /** The settings document written before start (default: port 0). */
  config?: Record<string, unknown>;
  /** Reuse a folder from an earlier run (the next start after a quit). */
  dir?: string;
  standIn?: StandInOptions;
  host?: Partial<ShellHost>;
}

/** Starts the shell on a stand-in, with its settings in a fresh folder; `cleanupShells` quits it. */
export function launchShell(o: StartOptions = {}): ShellRun {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'veil-shell-'));
  if (!o.dir || o.config) {
    const doc = { version: SETTINGS_VERSION, ...(o.config ?? { proxy: { port: 0 } }) };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(doc));
  }
  const standIn = createElectronStandIn(o.standIn);
  const spawned: SpawnCall[] = [];
  const signals = new Map<string, () => void>();
  const network = { interfaces: networkInterfaces() };
  const host: ShellHost = {
    argv: ['/opt/electron/electron', ROOT],
    env: process.env,
    platform: 'linux',
    execPath: '/opt/electron/electron',
    resourcesPath: join(ROOT, 'build', 'icons'),
    electronDir: join(ROOT, 'dist', 'electron'),
    appRoot: ROOT,
    configPath: join(dir, 'config.json'),
    configDir: dir,
    spawn: (file, args, options) => {
      const call: SpawnCall = { file, args, options, unrefs: 0 };
      spawned.push(call);
      return { pid: undefined, unref: () => void call.unrefs++ };
    },
    networkInterfaces: () => network.interfaces,
    onSignal: (signal, handler) => signals.set(signal, handler),
    networkPollMs: 50,
    upstreamRetryMs: 100,
    ...o.host,
  };
  const run: ShellRun = {
    ...standIn,
    host,
    dir,
    spawned,
    signals,
    network,
    started: runShell(standIn.electron, host),
    async command(command, args) {
      const reply = (await standIn.invokeFromPage(
        IPC.invoke,
        `${APP_ORIGIN}/index.html`,
        command,
        args,
      )) as InvokeReply;
      if (!reply.ok) throw new Error(`${command}: ${reply.code} ${reply.message}`);
      return reply.value as never;
    },
    async quitAndWait(timeoutMs = 10_000) {
      const t0 = performance.now();
      standIn.app.quit();
      await vi.waitFor(
        () => {
          if (standIn.app.exitCode === null) throw new Error('still running');
        },
        { timeout: timeoutMs, interval: 10 },
      );
      return performance.now() - t0;
    },
  };
  runs.push(run);
  return run;
}

/** Quits every shell still running and removes the folders (afterEach). */
export async function cleanupShells(): Promise<void> {
  for (const run of runs.splice(0)) {
    await run.started.catch(() => undefined);
    if (run.app.exitCode === null && run.app.calls.includes('requestSingleInstanceLock')) await run.quitAndWait();
    rmSync(run.dir, { recursive: true, force: true });
  }
}

/** Waits until `check` stops throwing (assertions inside), up to `timeout`. */
export function eventually<T>(check: () => T | Promise<T>, timeout = 10_000): Promise<T> {
  return vi.waitFor(check, { timeout, interval: 20 });
}

/** The file name of the tray icon shown now. */
export function iconName(run: ShellRun): string {
  return run.tray().image.split('/').at(-1)!;
}
