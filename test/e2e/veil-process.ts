import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface VeilProcess {
  /** `http://127.0.0.1:PORT` of the proxy as first printed. */
  proxyUrl: string;
  /** The UI address with its `#token=…`. */
  uiUrl: string;
  /** Everything the process printed, for failure messages. */
  output(): string;
  /** The config directory (holds config.json and the UI token). */
  dir: string;
  configPath: string;
  stop(): Promise<void>;
}

const ROOT = new URL('../../', import.meta.url);

export interface StartOptions {
  /** Reuse this config directory (a restart): its config.json and UI token are kept. */
  dir?: string;
  /** The UI's port; default 0 (a free one: suites run side by side, the default 8898 would collide). */
  uiPort?: number;
  /** Keep the directory on stop (the caller restarts in it, then removes it). */
  keepDir?: boolean;
  /** Extra `veil serve` flags. */
  args?: string[];
}

/** Starts `veil serve --port 0 --ui` with a fresh config file and waits for both addresses it prints. */
export async function startVeil(
  config: Record<string, unknown> | null = {},
  options: StartOptions = {},
): Promise<VeilProcess> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'veil-e2e-')));
  const configPath = join(dir, 'config.json');
  if (config !== null) await writeFile(configPath, JSON.stringify(config));
  const child: ChildProcess = spawn(
    process.execPath,
    [
      'bin/veil.js',
      'serve',
      '--port',
      '0',
      '--ui-port',
      String(options.uiPort ?? 0),
      '--config',
      configPath,
      ...(options.args ?? []),
    ],
    { cwd: ROOT, env: { ...process.env, XDG_CONFIG_HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const addresses = await new Promise<{ proxyUrl: string; uiUrl: string }>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const proxy = /Veil listening on (http:\/\/\S+)/.exec(out);
      const ui = /Veil UI at (http:\/\/\S+)/.exec(out);
      if (proxy && ui) resolve({ proxyUrl: proxy[1]!, uiUrl: ui[1]! });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`veil serve exited (${code}) before printing its addresses:\n${out}`)));
  });
  return {
    ...addresses,
    dir,
    configPath,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      if (!options.keepDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface EchoOrigin {
  url: string;
  /** Request headers of every request received, in order (lower-case names). */
  received: Array<Record<string, string | string[] | undefined>>;
  close(): Promise<void>;
}

/** A plain HTTP origin on loopback that answers each request with the headers it received, as JSON. */
export async function startEchoOrigin(): Promise<EchoOrigin> {
  const received: EchoOrigin['received'] = [];
  const server: Server = createServer((req, res) => {
    received.push(req.headers);
    const body = JSON.stringify({ method: req.method, url: req.url, headers: req.headers });
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface CurlResult {
  /** 0 when curl could not connect at all. */
  status: number;
  body: string;
  /** curl's exit code: 7 is "could not connect". */
  exitCode: number;
}

/** Sends one request through the proxy with the real curl binary. */
export function curlVia(proxyUrl: string, url: string, headers: Record<string, string> = {}): Promise<CurlResult> {
  const args = ['-s', '--max-time', '20', '-x', proxyUrl, '-o', '-', '-w', '\n%{http_code}'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  args.push(url);
  return new Promise((resolve) => {
    execFile('curl', args, { encoding: 'utf8' }, (err, stdout) => {
      const exitCode = err ? Number((err as { code?: unknown }).code ?? 1) : 0;
      const cut = stdout.lastIndexOf('\n');
      resolve({ status: Number(stdout.slice(cut + 1)) || 0, body: stdout.slice(0, Math.max(0, cut)), exitCode });
    });
  });
}

/** Sends `count` GET requests through the proxy over a few kept-alive connections (Node's HTTP client). */
export async function sendMany(proxyUrl: string, baseUrl: string, count: number): Promise<number[]> {
  const { Agent, request } = await import('node:http');
  const proxy = new URL(proxyUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const one = (i: number) =>
    new Promise<number>((resolve, reject) => {
      const req = request({ host: proxy.hostname, port: proxy.port, path: `${baseUrl}/many/${i}`, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
  try {
    return await Promise.all(Array.from({ length: count }, (_, i) => one(i + 1)));
  } finally {
    agent.destroy();
  }
}

/** A port that was free a moment ago (for a UI port that must stay the same across a restart). */
export async function freePort(): Promise<number> {
  const { createServer: createNet } = await import('node:net');
  const s = createNet().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}
