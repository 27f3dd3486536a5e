import { execFile } from 'node:child_process';

/** The OS proxy settings Veil touches, exactly as the OS reports them (raw text per key). */
export type ProxySnapshot = Record<string, string>;

/** What Veil asks the OS to use. */
export interface ProxyTarget {
  mode: 'pac' | 'manual';
  /** The PAC URL (PAC mode). */
  pacUrl: string;
  /** Where Veil listens (manual mode). */
  host: string;
  port: number;
  /** The user's extra bypass entries (manual mode; the PAC carries its own). */
  bypass: readonly string[];
}

export type PlatformName = 'gnome' | 'kde' | 'macos' | 'windows';

/** One operating system's proxy settings, behind one interface. */
export interface SystemProxyPlatform {
  readonly name: PlatformName;
  /** Reads the current settings; the result can be handed back to `restore` unchanged. */
  read(): Promise<ProxySnapshot>;
  /** Points the OS at Veil. */
  apply(target: ProxyTarget): Promise<void>;
  /** Puts back exactly what `read` returned earlier. */
  restore(previous: ProxySnapshot): Promise<void>;
}

/** One external command: the unit of the plans the OS modules produce. */
export interface Command {
  file: string;
  args: string[];
}

/** Runs a command and resolves with its stdout; rejects (with stderr) on a non-zero exit. */
export type CommandRunner = (command: Command) => Promise<string>;

/** Runs commands for real, with a timeout so a hung tool cannot hold quit forever. */
export const execRunner: CommandRunner = (command) =>
  new Promise((resolve, reject) => {
    execFile(command.file, command.args, { timeout: 10_000, windowsHide: true }, (err, stdout, stderr) => {
      if (err) {
        const detail = String(stderr).trim() || err.message;
        reject(new Error(`${command.file} ${command.args.join(' ')} failed: ${detail}`));
      } else resolve(String(stdout));
    });
  });

/** Runs a plan in order. */
export async function runPlan(runner: CommandRunner, plan: readonly Command[]): Promise<void> {
  for (const c of plan) await runner(c);
}

/** True when every key Veil set still holds the value Veil set (extra keys are ignored). */
export function stillApplied(current: ProxySnapshot, applied: ProxySnapshot): boolean {
  return Object.entries(applied).every(([k, v]) => current[k] === v);
}

/** The keys whose values differ, for a report a person can read. */
export function describeChange(current: ProxySnapshot, applied: ProxySnapshot): string {
  const changed = Object.entries(applied)
    .filter(([k, v]) => current[k] !== v)
    .map(([k]) => `${k}: ${applied[k]} → ${current[k] ?? '(absent)'}`);
  return changed.join('; ');
}
