import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from './processes.js';

export interface LoadResult {
  rps: number;
  /** Requests completed in the run. */
  requests?: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

function toMs(value: string, unit: string): number {
  const n = Number(value);
  if (unit === 'us') return n / 1000;
  if (unit === 's') return n * 1000;
  if (unit === 'm') return n * 60_000;
  return n;
}

/** Parses wrk's --latency report. */
export function parseWrk(out: string): LoadResult {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const pct = (p: string): number => {
    const m = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s|m)`).exec(out);
    return m ? toMs(m[1]!, m[2]!) : Number.NaN;
  };
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  return { rps, requests, p50Ms: pct('50'), p99Ms: pct('99'), errors, non2xx };
}

/**
 * Small-response load with keep-alive at concurrency `c`. Through a proxy, wrk sends
 * absolute-form request lines (set by a Lua script); direct, plain origin-form.
 */
export async function wrkLoad(opts: {
  dir: string;
  origin: string;
  proxyPort: number | null;
  connections: number;
  durationSec: number;
  /** The proxy's address (default 127.0.0.1). */
  proxyHost?: string;
  /** Runs wrk under this command, e.g. `ip netns exec NS` for a client in a network namespace. */
  prefix?: string[];
  /** The path to load (default /small). */
  path?: string;
}): Promise<LoadResult> {
  const threads = opts.connections >= 50 ? 2 : 1;
  const args = ['-t', String(threads), '-c', String(opts.connections), '-d', `${opts.durationSec}s`, '--latency'];
  if (opts.proxyPort === null) {
    args.push(`http://${opts.origin}${opts.path ?? '/small'}`);
  } else {
    const script = join(opts.dir, `absolute-${opts.origin.replace(/[^0-9]/g, '')}.lua`);
    writeFileSync(
      script,
      `wrk.path = "http://${opts.origin}${opts.path ?? '/small'}"\nwrk.headers["Host"] = "${opts.origin}"\n`,
    );
    args.push('-s', script, `http://${opts.proxyHost ?? '127.0.0.1'}:${opts.proxyPort}`);
  }
  const [command, ...rest] = [...(opts.prefix ?? []), 'wrk', ...args];
  return parseWrk(await runCommand(command!, rest, (opts.durationSec + 60) * 1000));
}
