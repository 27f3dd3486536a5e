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
 * a plain Node process learns where a REDIRECTed connection was going. A burst of connections
 * shares reads: the table is read once for every lookup waiting on it, and indexed.
 */
export function conntrackLookup(procPath = PROC_CONNTRACK, tool = 'conntrack'): OriginalDestinationLookup {
  let reading: { startedAt: number; table: Promise<Map<string, OriginalDestination>> } | null = null;
  let last: { startedAt: number; table: Map<string, OriginalDestination> } | null = null;
  const read = (): { startedAt: number; table: Promise<Map<string, OriginalDestination>> } => {
    if (reading) return reading;
    const startedAt = performance.now();
    const table = readTable(procPath, tool).then((t) => {
      last = { startedAt, table: t };
      reading = null;
      return t;
    });
    reading = { startedAt, table };
    return reading;
  };
  return async (tuple) => {
    const key = tupleKey(tuple.clientAddress, tuple.clientPort, tuple.localPort);
    const asked = performance.now();
    // the entry exists from the SYN on, before Veil accepted: a read started after that holds it
    const known = last?.table.get(key);
    if (known) return known;
    const pending = reading;
    if (pending) {
      const found = (await pending.table).get(key);
      if (found || pending.startedAt >= asked) return found ?? null;
    }
    return (await read().table).get(key) ?? null;
  };
}

async function readTable(procPath: string, tool: string): Promise<Map<string, OriginalDestination>> {
  const text = await readFile(procPath, 'latin1').catch(() => runTool(tool));
  return text === null ? new Map() : indexTable(text);
}

/** True when this machine can look up original destinations at all (for the start-up notice). */
export async function conntrackAvailable(procPath = PROC_CONNTRACK, tool = 'conntrack'): Promise<boolean> {
  const proc = await readFile(procPath, 'latin1').then(
    () => true,
    () => false,
  );
  if (proc) return true;
  return (await runTool(tool)) !== null;
}

function runTool(tool: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(tool, ['-L', '-p', 'tcp'], { timeout: 2000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout) =>
      resolve(err ? null : String(stdout)),
    );
  });
}

// original tuple, then reply tuple: `src=C dst=D sport=CP dport=DP … src=V dst=C sport=VP dport=CP`
const ENTRY =
  /(?:^|\s)tcp\s.*?\ssrc=(\S+) dst=(\S+) sport=(\d+) dport=(\d+)\s.*?src=(\S+) dst=(\S+) sport=(\d+) dport=(\d+)/;

/**
 * Indexes TCP entries by (client address, client port, reply source port): the connection as
 * Veil's socket sees it after the redirect. Lines look like
 * `ipv4 2 tcp 6 431999 ESTABLISHED src=C dst=D sport=CP dport=DP src=V dst=C sport=VP dport=CP …`
 * (the `conntrack` tool prints the same without the first two fields).
 */
export function indexTable(table: string): Map<string, OriginalDestination> {
  const out = new Map<string, OriginalDestination>();
  for (const line of table.split('\n')) {
    const m = ENTRY.exec(line);
    if (!m) continue;
    out.set(tupleKey(m[1]!, Number(m[3]), Number(m[7])), { address: normalize(m[2]!), port: Number(m[4]) });
  }
  return out;
}

/** The entry for one connection in a conntrack listing, or null. */
export function findOriginal(table: string, tuple: ConnectionTuple): OriginalDestination | null {
  return indexTable(table).get(tupleKey(tuple.clientAddress, tuple.clientPort, tuple.localPort)) ?? null;
}

function tupleKey(clientAddress: string, clientPort: number, localPort: number): string {
  return `${normalize(clientAddress)} ${clientPort} ${localPort}`;
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
