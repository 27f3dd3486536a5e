import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/net.js';

export { freePort };

/** Waits until something accepts TCP connections on the port, or the child exits. */
async function waitForPort(port: number, child: ChildProcess, what: string, deadlineMs = 10_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  let exited: string | null = null;
  child.once('exit', (code) => {
    exited = `${what} exited with code ${code}`;
  });
  while (Date.now() < until) {
    if (exited) throw new Error(exited);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not listen on ${port} in time`);
}

export interface ChildServer {
  port: number;
  /** What the child printed (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

async function run(
  cmd: string,
  args: string[],
  port: number,
  what: string,
  cleanup?: () => Promise<void>,
): Promise<ChildServer> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  try {
    await waitForPort(port, child, what);
  } catch (err) {
    child.kill('SIGKILL');
    await cleanup?.();
    throw new Error(`${(err as Error).message}\n${out}`);
  }
  return {
    port,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      await cleanup?.();
    },
  };
}

/** Absent binaries make the test say why it skips, instead of failing obscurely. */
export function missing(binary: string): string | null {
  return existsSync(binary) ? null : `${binary} is not installed (apt-get install -y ${PACKAGES[binary]})`;
}
const PACKAGES: Record<string, string> = {
  '/usr/bin/microsocks': 'microsocks',
  '/usr/sbin/danted': 'dante-server',
  '/usr/bin/tinyproxy': 'tinyproxy',
};

/** Debian's microsocks on a loopback port, optionally with user/password. */
export async function startMicrosocks(auth?: { user: string; pass: string }): Promise<ChildServer> {
  const port = await freePort();
  const args = ['-i', '127.0.0.1', '-p', String(port)];
  if (auth) args.push('-u', auth.user, '-P', auth.pass);
  return run('/usr/bin/microsocks', args, port, 'microsocks');
}

export const DANTE_USER = 'veil-socks-test';
export const DANTE_PASS = 'veil-test-secret';

/**
 * Dante checks user/password against the system's password database, so the test needs a
 * system account: a locked-shell one is created once (root only). Returns why it cannot, or null.
 */
export function ensureDanteUser(): string | null {
  if (process.getuid?.() !== 0) return 'dante user/password tests need root to create a system account';
  try {
    execFileSync('id', [DANTE_USER], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', DANTE_USER]);
  }
  execFileSync('chpasswd', { input: `${DANTE_USER}:${DANTE_PASS}\n` });
  return null;
}

/** Dante (danted) in the foreground on a loopback port, requiring username/password. */
export async function startDante(): Promise<ChildServer> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'veil-dante-'));
  const conf = join(dir, 'danted.conf');
  await writeFile(
    conf,
    [
      'logoutput: stderr',
      `internal: 127.0.0.1 port = ${port}`,
      'external: 127.0.0.1',
      'clientmethod: none',
      'socksmethod: username',
      'user.privileged: root',
      'user.unprivileged: nobody',
      'client pass {',
      '  from: 127.0.0.0/8 to: 0.0.0.0/0',
      '}',
      'socks pass {',
      '  from: 127.0.0.0/8 to: 127.0.0.0/8',
      '  command: connect',
      '  socksmethod: username',
      '}',
      '',
    ].join('\n'),
  );
  return run('/usr/sbin/danted', ['-f', conf, '-N', '1'], port, 'danted', () =>
    rm(dir, { recursive: true, force: true }),
  );
}

/** tinyproxy in the foreground on a loopback port (an HTTP upstream that is not Veil). */
export async function startTinyproxy(): Promise<ChildServer> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'veil-tinyproxy-'));
  const conf = join(dir, 'tinyproxy.conf');
  await writeFile(
    conf,
    [
      `Port ${port}`,
      'Listen 127.0.0.1',
      'Timeout 30',
      'MaxClients 20',
      'Allow 127.0.0.1',
      'DisableViaHeader Yes',
      'LogLevel Error',
      '',
    ].join('\n'),
  );
  return run('/usr/bin/tinyproxy', ['-d', '-c', conf], port, 'tinyproxy', () =>
    rm(dir, { recursive: true, force: true }),
  );
}

/** One CONNECT a recording SOCKS5 server received: the address type and the address as sent. */
export interface SocksRequest {
  /** 1 = IPv4, 3 = domain name, 4 = IPv6. */
  atyp: number;
  address: string;
  port: number;
}

/**
 * A minimal SOCKS5 server (no auth) that records what it is asked for and maps names only
 * it knows (e.g. `secret-origin.veil-test`) to real loopback ports: a client that resolved
 * such a name itself would fail, so a successful exchange proves the name was sent, not resolved.
 */
export async function startRecordingSocks(names: Record<string, number>): Promise<{
  port: number;
  requests: SocksRequest[];
  stop(): Promise<void>;
}> {
  const requests: SocksRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    let buf = Buffer.alloc(0);
    let stage: 'greeting' | 'request' | 'done' = 'greeting';
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      if (stage === 'greeting') {
        if (buf.length < 2 || buf.length < 2 + buf[1]!) return;
        buf = buf.subarray(2 + buf[1]!);
        client.write(Buffer.from([5, 0]));
        stage = 'request';
      }
      if (stage !== 'request' || buf.length < 5) return;
      const atyp = buf[3]!;
      let address: string;
      let end: number;
      if (atyp === 1) {
        end = 4 + 4;
        address = [...buf.subarray(4, 8)].join('.');
      } else if (atyp === 3) {
        end = 5 + buf[4]!;
        address = buf.subarray(5, end).toString();
      } else {
        client.end(Buffer.from([5, 8, 0, 1, 0, 0, 0, 0, 0, 0]));
        return;
      }
      if (buf.length < end + 2) return;
      const port = buf.readUInt16BE(end);
      const rest = buf.subarray(end + 2);
      stage = 'done';
      client.off('data', onData);
      requests.push({ atyp, address, port });
      const mapped = atyp === 3 ? names[address] : address === '127.0.0.1' ? port : undefined;
      if (mapped === undefined) {
        client.end(Buffer.from([5, 4, 0, 1, 0, 0, 0, 0, 0, 0])); // host unreachable
        return;
      }
      const upstream = connect(mapped, '127.0.0.1');
      sockets.add(upstream);
      upstream.once('close', () => sockets.delete(upstream));
      upstream.once('connect', () => {
        client.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]));
        if (rest.length) upstream.write(rest);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      upstream.on('error', () => client.destroy());
    };
    client.on('data', onData);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    requests,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
