import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';

/** Where a redirected connection was going before the firewall sent it to Veil. */
export interface OriginalDestination {
  address: string;
  port: number;
}

/** The four numbers that identify one redirected TCP connection, as Veil's socket sees them. */
export interface ConnectionTuple {
  /** The client's address and port (socket.remoteAddress / remotePort). */
  clientAddress: string;
  clientPort: number;
  /** Veil's side (socket.localAddress / localPort): the reply tuple's source after the redirect. */
  localAddress: string;
  localPort: number;
}

/** Finds a connection's original destination; null when the machine cannot tell. */
export type OriginalDestinationLookup = (tuple: ConnectionTuple) => Promise<OriginalDestination | null>;

const PROC_CONNTRACK = '/proc/net/nf_conntrack';

/**
 * Reads the conntrack table: /proc/net/nf_conntrack where the kernel offers it, the `conntrack`
 * tool otherwise. Node has no SO_ORIGINAL_DST and Veil ships no native addon, so this is the way
 * a plain Node process learns where a REDIRECTed connection was going.
 */
export function conntrackLookup(procPath = PROC_CONNTRACK, tool = 'conntrack'): OriginalDestinationLookup {
  return async (tuple) => {
    const fromProc = await readFile(procPath, 'latin1').then(
      (text) => findOriginal(text, tuple),
      () => undefined,
    );
    if (fromProc !== undefined) return fromProc;
    const listed = await runTool(tool, tuple);
    return listed === null ? null : findOriginal(listed, tuple);
  };
}

/** True when this machine can look up original destinations at all (for the start-up notice). */
export async function conntrackAvailable(procPath = PROC_CONNTRACK, tool = 'conntrack'): Promise<boolean> {
  const proc = await readFile(procPath, 'latin1').then(
    () => true,
    () => false,
  );
  if (proc) return true;
  return (await runTool(tool, null)) !== null;
}

function runTool(tool: string, tuple: ConnectionTuple | null): Promise<string | null> {
  const args = ['-L', '-p', 'tcp'];
  if (tuple) args.push('--orig-src', bare(tuple.clientAddress), '--orig-port-src', String(tuple.clientPort));
  return new Promise((resolve) => {
    execFile(tool, args, { timeout: 2000 }, (err, stdout) => resolve(err ? null : String(stdout)));
  });
}

/**
 * Finds the entry whose original tuple starts at the client's address and port and whose reply
 * comes from Veil's port; returns that entry's original destination. Lines look like
 * `ipv4 2 tcp 6 431999 ESTABLISHED src=C dst=D sport=CP dport=DP src=V dst=C sport=VP dport=CP …`
 * (the `conntrack` tool prints the same without the first two fields).
 */
export function findOriginal(table: string, tuple: ConnectionTuple): OriginalDestination | null {
  const client = normalize(tuple.clientAddress);
  for (const line of table.split('\n')) {
    if (!/(^|\s)tcp\s/.test(line)) continue;
    const src = [...line.matchAll(/\bsrc=(\S+)/g)].map((m) => m[1]!);
    const dst = [...line.matchAll(/\bdst=(\S+)/g)].map((m) => m[1]!);
    const sport = [...line.matchAll(/\bsport=(\d+)/g)].map((m) => Number(m[1]));
    const dport = [...line.matchAll(/\bdport=(\d+)/g)].map((m) => Number(m[1]));
    if (src.length < 2 || dst.length < 1 || sport.length < 2 || dport.length < 1) continue;
    if (normalize(src[0]!) !== client || sport[0] !== tuple.clientPort) continue;
    if (sport[1] !== tuple.localPort) continue;
    return { address: normalize(dst[0]!), port: dport[0]! };
  }
  return null;
}

function bare(address: string): string {
  return address.replace(/^::ffff:(?=\d+\.)/, '');
}

/** One spelling per address, so /proc's compressed IPv6 and Node's agree. */
function normalize(address: string): string {
  const a = bare(address).toLowerCase();
  if (isIP(a) !== 6) return a;
  try {
    return new URL(`http://[${a}]/`).hostname.slice(1, -1);
  } catch {
    return a;
  }
}
