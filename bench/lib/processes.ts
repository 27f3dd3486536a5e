import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

/** A process the bench started and must stop. */
export interface Service {
  name: string;
  port: number;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

/** True once something accepts on 127.0.0.1:port. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * Starts `command` with a high file-descriptor limit (500 clients plus their upstream
 * sockets exceed the usual 1024) and waits until it accepts on `port`.
 */
export async function startService(name: string, command: string, args: string[], port: number): Promise<Service> {
  const quoted = [command, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const child = spawn('bash', ['-c', `ulimit -n 65536 2>/dev/null || ulimit -n 16384; exec ${quoted}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const deadline = Date.now() + 20_000;
  while (!(await accepts(port))) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not start: ${out.trim().split('\n').slice(-3).join(' | ') || 'no output'}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name,
    port,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await once(child, 'exit');
      clearTimeout(timer);
    },
  };
}

/** Peak resident memory (VmHWM) of a process, in MB; null if it is gone. */
export function peakRssMb(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * CPU time (user + system, ms) used so far by a process and its descendants; null if it is gone.
 * Under a loaded machine wall-clock rates swing, CPU per request much less: it is the figure
 * to compare when the machine is shared.
 */
export function cpuMs(pid: number | undefined): number | null {
  if (!pid) return null;
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // fields after the parenthesised command name: state ppid … utime(14) stime(15)
      const text = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // the process ended while we looked
    }
  }
  if (!stats.has(pid)) return null;
  let ticks = 0;
  const tree = new Set([pid]);
  // parents have lower pids almost always; two passes catch the rest
  for (let pass = 0; pass < 2; pass++) {
    for (const [p, st] of stats) if (tree.has(st.ppid)) tree.add(p);
  }
  for (const p of tree) ticks += stats.get(p)?.ticks ?? 0;
  return ticks * 10; // USER_HZ is 100 on Linux
}

/** Runs a command to completion and returns its stdout; rejects with its stderr on failure. */
export async function runCommand(command: string, args: string[], timeoutMs = 120_000): Promise<string> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = await once(child, 'exit');
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${command} exited ${code}: ${err.trim() || out.trim()}`);
  return out;
}

/** True when `command` is on PATH. */
export async function have(command: string): Promise<boolean> {
  try {
    await runCommand('bash', ['-c', `command -v ${command}`]);
    return true;
  } catch {
    return false;
  }
}
