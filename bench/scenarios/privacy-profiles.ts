/**
 * Requests per second through Veil with the transparent, standard and strict profiles, on
 * small responses where header work weighs most. The request carries what a browser sends
 * (cookies, Referer, client hints) plus forwarding headers; the origin sets cookies, so both
 * directions are rewritten. Runs under `npm run bench` (exports `scenario`) or on its own:
 * `node dist/bench/scenarios/privacy-profiles.js [SECONDS]`.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { settingsSchema } from '../../proxy-core/src/control/settings-schema.js';
import { compilePrivacy } from '../../proxy-core/src/privacy/privacy-policy.js';
import type { RequestFacts } from '../../proxy-core/src/proxy/exchange-policy.js';

const PROFILES = ['transparent', 'standard', 'strict'] as const;
const CONNECTIONS = 32;

const RESPONSE = Buffer.from(
  'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n' +
    'Set-Cookie: track=abc; Max-Age=31536000; Path=/\r\nSet-Cookie: sess=1; Path=/\r\nETag: "v1"\r\n' +
    'Connection: keep-alive\r\n\r\nhello, world\n',
);

/** A canned keep-alive origin: the proxy is what is measured, not the origin. */
async function startOrigin(): Promise<{ server: Server; port: number }> {
  const server = createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => socket.destroy());
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        pending = pending.slice(end + 4);
        socket.write(RESPONSE);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port };
}

async function startVeil(profile: string): Promise<{ child: ChildProcess; port: number }> {
  const script = fileURLToPath(new URL('../lib/privacy-veil-server.js', import.meta.url));
  const child = spawn(process.execPath, [script, profile], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  for await (const chunk of child.stdout!) {
    out += String(chunk);
    const m = /veil listening on (\d+)/.exec(out);
    if (m) return { child, port: Number(m[1]) };
  }
  throw new Error(`the Veil bench process for ${profile} exited before listening`);
}

function wrk(args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('wrk', args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`wrk failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

export interface ProfileFigure {
  profile: string;
  rps: number;
  /** Requests/s relative to transparent (1 = same). */
  relative: number;
  non2xx: number;
}

/** Measures each profile for `durationSec` with wrk; returns req/s per profile. */
export async function runPrivacyProfiles(
  durationSec: number,
  log: (line: string) => void = () => {},
): Promise<ProfileFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'veil-bench-privacy-'));
  const origin = await startOrigin();
  const target = `127.0.0.1:${origin.port}`;
  const script = join(dir, 'browser-like.lua');
  writeFileSync(
    script,
    [
      `wrk.path = "http://${target}/small"`,
      `wrk.headers["Host"] = "${target}"`,
      'wrk.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"',
      'wrk.headers["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"',
      'wrk.headers["Accept-Language"] = "de-CH,de;q=0.9,en;q=0.5"',
      'wrk.headers["Accept-Encoding"] = "gzip, deflate"',
      'wrk.headers["Cookie"] = "uid=42; session=0123456789abcdef; prefs=dark"',
      'wrk.headers["Referer"] = "https://www.news-site.com/article?id=7"',
      'wrk.headers["Sec-CH-UA"] = "\\"Chromium\\";v=\\"142\\""',
      'wrk.headers["Sec-CH-UA-Platform"] = "\\"Linux\\""',
      'wrk.headers["X-Forwarded-For"] = "10.1.2.3"',
      'wrk.headers["DNT"] = "1"',
      'wrk.headers["If-None-Match"] = "\\"v0\\""',
      '',
    ].join('\n'),
  );
  const figures: ProfileFigure[] = [];
  try {
    for (const profile of PROFILES) {
      const veil = await startVeil(profile);
      try {
        // a short warm-up so the JIT and the origin pool are settled before measuring
        await wrk(
          ['-t', '1', '-c', String(CONNECTIONS), '-d', '1s', '-s', script, `http://127.0.0.1:${veil.port}`],
          30_000,
        );
        const out = await wrk(
          [
            '-t',
            '2',
            '-c',
            String(CONNECTIONS),
            '-d',
            `${durationSec}s`,
            '-s',
            script,
            `http://127.0.0.1:${veil.port}`,
          ],
          (durationSec + 60) * 1000,
        );
        const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
        const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
        figures.push({ profile, rps, relative: 0, non2xx });
        log(`${profile}: ${rps.toFixed(0)} req/s`);
      } finally {
        veil.child.kill('SIGTERM');
        await once(veil.child, 'exit');
      }
    }
  } finally {
    origin.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const base = figures.find((f) => f.profile === 'transparent')?.rps || 1;
  for (const f of figures) f.relative = Math.round((f.rps / base) * 1000) / 1000;
  return figures;
}

const BROWSER_HEADERS = [
  'Host',
  'www.example.com',
  'User-Agent',
  'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  'Accept',
  'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'Accept-Language',
  'de-CH,de;q=0.9,en;q=0.5',
  'Accept-Encoding',
  'gzip, deflate',
  'Cookie',
  'uid=42; session=0123456789abcdef',
  'Referer',
  'https://www.news-site.com/article?id=7',
  'Sec-CH-UA',
  '"Chromium";v="142"',
  'Sec-CH-UA-Platform',
  '"Linux"',
  'X-Forwarded-For',
  '10.1.2.3',
  'DNT',
  '1',
  'If-None-Match',
  '"v0"',
];
const RESPONSE_HEADERS = ['Content-Type', 'text/plain', 'Set-Cookie', 'track=abc; Max-Age=31536000', 'ETag', '"v1"'];

/**
 * CPU cost of the policy alone per exchange (request and response rewrite), in microseconds:
 * a figure the shared machine's load disturbs far less than req/s.
 */
export function policyMicros(profile: string, iterations = 200_000): number {
  const policy = compilePrivacy(settingsSchema.parse({ privacy: { profile } }).privacy);
  const url = new URL('http://www.example.com/small');
  const run = (n: number): void => {
    for (let i = 0; i < n; i++) {
      const headers = BROWSER_HEADERS.slice();
      const facts: RequestFacts = {
        kind: 'http',
        method: 'GET',
        url,
        host: 'www.example.com',
        port: 80,
        clientAddress: '127.0.0.1',
        headers: BROWSER_HEADERS,
      };
      policy.profileFor(facts);
      policy.rewriteRequest(facts, headers);
      policy.rewriteResponse(facts, 200, RESPONSE_HEADERS.slice());
    }
  };
  run(20_000);
  const t0 = performance.now();
  run(iterations);
  return ((performance.now() - t0) * 1000) / iterations;
}

/** The bench runner's entry: a table of req/s per profile and the ratio to transparent. */
export const scenario = {
  name: 'privacy-profiles',
  description: `req/s with header rewriting: transparent vs standard vs strict (wrk, ${CONNECTIONS} connections, small responses)`,
  async run(ctx: { durationSec: number; log(line: string): void }) {
    if (!hasWrk()) {
      return { tables: [], data: null, notes: ['skipped: wrk is not installed (apt-get install -y wrk)'] };
    }
    const figures = await runPrivacyProfiles(ctx.durationSec, ctx.log);
    const micros = PROFILES.map((p) => ({ profile: p, microsPerExchange: policyMicros(p) }));
    return {
      tables: [
        {
          title: 'Privacy policy CPU per exchange (request + response rewrite, in-process)',
          columns: ['profile', 'µs/exchange'],
          rows: micros.map((m) => [m.profile, m.microsPerExchange.toFixed(2)]),
        },
        {
          title: 'Privacy profiles (req/s, small responses, browser-like headers)',
          columns: ['profile', 'req/s', 'vs transparent', 'non-2xx'],
          rows: figures.map((f) => [
            f.profile,
            f.rps.toFixed(0),
            `${(f.relative * 100).toFixed(1)}%`,
            String(f.non2xx),
          ]),
        },
      ],
      data: { throughput: figures, policy: micros },
      notes: ['goal: standard and strict within 10% of transparent; 2 shared cores make single runs noisy'],
    };
  },
};

function hasWrk(): boolean {
  return ['/usr/bin/wrk', '/usr/local/bin/wrk'].some((p) => existsSync(p));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const seconds = Number(process.argv[2] ?? 5);
  for (const p of PROFILES)
    process.stdout.write(`${p.padEnd(12)} ${policyMicros(p).toFixed(2)} µs of policy work per exchange\n`);
  const figures = await runPrivacyProfiles(seconds, (l) => process.stderr.write(`${l}\n`));
  for (const f of figures) {
    process.stdout.write(
      `${f.profile.padEnd(12)} ${f.rps.toFixed(0).padStart(8)} req/s  ${(f.relative * 100).toFixed(1)}%\n`,
    );
  }
}
