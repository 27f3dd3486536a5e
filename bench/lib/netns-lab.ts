import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';

/**
 * Three test hosts in network namespaces this test creates: a client on a private LAN, a
 * gateway routing it (where Veil runs) and an origin on a documentation range (203.0.113.0/24,
 * TEST-NET-3) so that the rules, which leave private destinations alone, redirect it. No
 * traffic leaves the namespaces.
 */
export interface Lab {
  client: string;
  gateway: string;
  origin: string;
  clientIp: string;
  /** The gateway's LAN address: where Veil listens. */
  gatewayLanIp: string;
  gatewayLanIf: string;
  originIp: string;
  /** Runs a command in a namespace, returns stdout; throws with stderr on failure. */
  exec(ns: string, file: string, args: string[], input?: string): string;
  /** Starts a long-running process in a namespace. */
  spawn(ns: string, file: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess;
  destroy(): void;
}

/** Why namespaces cannot be made here, or null when they can. */
export function namespaceProblem(): string | null {
  if (process.getuid?.() !== 0) return 'network namespaces need root (run the suite as root, as CI does)';
  for (const tool of ['ip', 'nft']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
      return `${tool} is missing (apt-get install iproute2 nftables conntrack)`;
    }
  }
  const probe = `veilprobe${process.pid}`;
  const made = spawnSync('ip', ['netns', 'add', probe]);
  if (made.status !== 0) return `ip netns add failed: ${String(made.stderr).trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return null;
}

/** Creates the three namespaces with `hosts` entries for the gateway (names resolved by Veil). */
export function createLab(hosts: Record<string, string> = {}): Lab {
  const id = `${process.pid % 10000}${Math.floor(Math.random() * 90 + 10)}`;
  const client = `vc${id}`;
  const gateway = `vg${id}`;
  const origin = `vo${id}`;
  const net = (process.pid % 200) + 20;
  const clientIp = `10.77.${net}.2`;
  const gatewayLanIp = `10.77.${net}.1`;
  const originIp = `203.0.113.${(process.pid % 200) + 20}`;
  const gatewayWanIp = '203.0.113.1';
  const run = (args: string[]): void => {
    execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  };
  const inNs = (ns: string, args: string[]): void => run(['-n', ns, ...args]);
  const destroy = (): void => {
    for (const ns of [client, gateway, origin]) spawnSync('ip', ['netns', 'del', ns]);
    rmSync(`/etc/netns/${gateway}`, { recursive: true, force: true });
  };
  try {
    for (const ns of [client, gateway, origin]) run(['netns', 'add', ns]);
    // `ip netns exec` mounts /etc/netns/NS/hosts over /etc/hosts: the gateway's own name table
    mkdirSync(`/etc/netns/${gateway}`, { recursive: true });
    const lines = Object.entries(hosts).map(([name, ip]) => `${ip} ${name}`);
    writeFileSync(`/etc/netns/${gateway}/hosts`, `127.0.0.1 localhost\n${lines.join('\n')}\n`);
    run(['link', 'add', `${client}a`, 'netns', client, 'type', 'veth', 'peer', `${gateway}a`, 'netns', gateway]);
    run(['link', 'add', `${gateway}b`, 'netns', gateway, 'type', 'veth', 'peer', `${origin}b`, 'netns', origin]);
    inNs(client, ['addr', 'add', `${clientIp}/24`, 'dev', `${client}a`]);
    inNs(gateway, ['addr', 'add', `${gatewayLanIp}/24`, 'dev', `${gateway}a`]);
    inNs(gateway, ['addr', 'add', `${gatewayWanIp}/24`, 'dev', `${gateway}b`]);
    inNs(origin, ['addr', 'add', `${originIp}/24`, 'dev', `${origin}b`]);
    for (const [ns, dev] of [
      [client, `${client}a`],
      [gateway, `${gateway}a`],
      [gateway, `${gateway}b`],
      [origin, `${origin}b`],
    ] as const) {
      inNs(ns, ['link', 'set', dev, 'up']);
      inNs(ns, ['link', 'set', 'lo', 'up']);
    }
    inNs(client, ['route', 'add', 'default', 'via', gatewayLanIp]);
    inNs(origin, ['route', 'add', 'default', 'via', gatewayWanIp]);
    execFileSync('ip', ['netns', 'exec', gateway, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  } catch (err) {
    destroy();
    throw err;
  }
  return {
    client,
    gateway,
    origin,
    clientIp,
    gatewayLanIp,
    gatewayLanIf: `${gateway}a`,
    originIp,
    exec(ns, file, args, input) {
      return execFileSync('ip', ['netns', 'exec', ns, file, ...args], {
        encoding: 'utf8',
        input,
        stdio: ['pipe', 'pipe', 'pipe'],
        timeout: 20_000,
      });
    },
    spawn(ns, file, args, env) {
      return spawn('ip', ['netns', 'exec', ns, file, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...env },
      });
    },
    destroy,
  };
}

/** Resolves with the first stdout match of `pattern`; rejects if the process exits first or time runs out. */
export async function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs = 15_000): Promise<RegExpExecArray> {
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no line ${pattern} within ${timeoutMs} ms: ${out}${err}`)),
      timeoutMs,
    );
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    void once(child, 'exit').then(([code]) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ${pattern}: ${out}${err}`));
    });
  });
}
