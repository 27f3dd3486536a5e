import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGsettingsEnv, type GsettingsEnv, waitFor } from './gsettings-env.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'proxy-core', 'src', 'cli.js');
const MODE = 'org.gnome.system.proxy mode';
const URL_KEY = 'org.gnome.system.proxy autoconfig-url';
const HTTP_HOST = 'org.gnome.system.proxy.http host';
const HTTP_PORT = 'org.gnome.system.proxy.http port';

let g: GsettingsEnv;
const children: ChildProcess[] = [];

function journalPath(): string {
  return join(g.dir, 'veil', 'system-proxy.journal.json');
}

/** Starts `veil serve` (the built CLI, as users run it) and resolves once it reports `until`. */
async function serve(args: string[], until: RegExp): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'veil.js'), 'serve', '--port', '0', ...args], {
    env: g.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  await waitFor(`veil serve to print ${until}`, () => until.test(out) || child.exitCode !== null, 60_000).catch(
    (err: Error) => {
      throw new Error(`${err.message}; its output so far: ${out}`);
    },
  );
  if (!until.test(out)) throw new Error(`veil serve exited early: ${out}`);
  return { child, output: () => out };
}

function killHard(pid: number | undefined): void {
  if (pid) process.kill(pid, 'SIGKILL');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npx tsc -b\` before these tests.`);
});

beforeEach(() => {
  g = createGsettingsEnv();
  g.set(HTTP_HOST, "'corp.example'");
  g.set(HTTP_PORT, '3128');
  g.set(MODE, "'manual'");
});

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  g.cleanup();
});

// Each test starts `veil serve` once or twice as a real process: slow on two shared cores, hence the budget.
describe('crash safety of veil serve --system-proxy (real gsettings)', { timeout: 120_000 }, () => {
  it('a clean exit (SIGTERM) restores and stops the watchdog', async () => {
    const { child } = await serve(['--system-proxy'], /System proxy: on, gnome/);
    expect(g.get(MODE)).toBe("'auto'");
    const watchdog = JSON.parse(readFileSync(journalPath(), 'utf8')).watchdogPid as number;
    expect(alive(watchdog)).toBe(true);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    expect(g.get(MODE)).toBe("'manual'");
    expect(existsSync(journalPath())).toBe(false);
    await waitFor('the watchdog to stop', () => !alive(watchdog));
  });

  it('after kill -9 (watchdog gone too), the next start replays the journal and restores', async () => {
    const { child } = await serve(['--system-proxy'], /System proxy: on, gnome/);
    expect(g.get(MODE)).toBe("'auto'");
    killHard(JSON.parse(readFileSync(journalPath(), 'utf8')).watchdogPid);
    killHard(child.pid);
    await new Promise((r) => child.once('exit', r));
    expect(g.get(MODE)).toBe("'auto'");
    await serve([], /Veil listening/);
    expect(g.get(MODE)).toBe("'manual'");
    expect(g.get(HTTP_HOST)).toBe("'corp.example'");
    expect(g.get(HTTP_PORT)).toBe('3128');
    expect(g.get(URL_KEY)).toBe("''");
    expect(existsSync(journalPath())).toBe(false);
  });

  it('the watchdog restores after kill -9 without a restart', async () => {
    const { child } = await serve(['--system-proxy'], /System proxy: on, gnome/);
    expect(g.get(MODE)).toBe("'auto'");
    const watchdog = JSON.parse(readFileSync(journalPath(), 'utf8')).watchdogPid as number;
    killHard(child.pid);
    await waitFor('the watchdog to restore mode', () => g.get(MODE) === "'manual'", 60_000);
    expect(g.get(HTTP_HOST)).toBe("'corp.example'");
    expect(g.get(URL_KEY)).toBe("''");
    await waitFor('the watchdog to exit', () => !alive(watchdog));
    expect(existsSync(journalPath())).toBe(false);
  });

  it('a change another program made after the crash is not clobbered by the next start', async () => {
    const { child } = await serve(['--system-proxy'], /System proxy: on, gnome/);
    killHard(JSON.parse(readFileSync(journalPath(), 'utf8')).watchdogPid);
    killHard(child.pid);
    await new Promise((r) => child.once('exit', r));
    g.set(MODE, "'none'");
    await serve([], /Veil listening/);
    expect(g.get(MODE)).toBe("'none'");
    expect(g.get(URL_KEY)).not.toBe("''");
    expect(existsSync(journalPath())).toBe(false);
  });

  it('the watchdog also leaves a foreign change alone', async () => {
    const { child } = await serve(['--system-proxy'], /System proxy: on, gnome/);
    const watchdog = JSON.parse(readFileSync(journalPath(), 'utf8')).watchdogPid as number;
    g.set(MODE, "'none'");
    killHard(child.pid);
    await waitFor('the watchdog to exit', () => !alive(watchdog));
    expect(g.get(MODE)).toBe("'none'");
  });
});
