import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  createReverseProxy,
  type ReverseProxy,
  type ReverseProxyOptions,
} from '../../proxy-core/src/reverse/reverse-proxy.js';
import { reverseSettings } from '../../proxy-core/src/reverse/reverse-settings.js';

export interface RunningReverse {
  proxy: ReverseProxy;
  port: number;
  close(): Promise<void>;
}

/** Starts a reverse proxy on 127.0.0.1:0 with `settings` (the reverse section, defaults filled). */
export async function startReverse(
  settings: Record<string, unknown>,
  extra: Omit<ReverseProxyOptions, 'settings'> = {},
): Promise<RunningReverse> {
  const parsed = reverseSettings.parse({ listeners: [{ address: '127.0.0.1', port: 0 }], ...settings });
  const proxy = createReverseProxy({ settings: parsed, ...extra, timeouts: { drainMs: 500, ...extra.timeouts } });
  const [first] = await proxy.listen();
  return { proxy, port: first!.port, close: () => proxy.close() };
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request to the reverse proxy, a fresh connection each time (no client-side pooling). */
export function fetchVia(
  port: number,
  path: string,
  opts: {
    host?: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    tls?: { ca: string; servername: string };
  } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const make = opts.tls ? httpsRequest : httpRequest;
    const req = make(
      {
        host: '127.0.0.1',
        port,
        path,
        method: opts.method ?? 'GET',
        agent: false,
        headers: { Host: opts.host ?? 'app.test', ...opts.headers },
        ...(opts.tls ? { ca: opts.tls.ca, servername: opts.tls.servername } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** The backend name in an answer from a test backend's default handler. */
export function nameOf(a: Answer): string {
  return (JSON.parse(a.body) as { name: string }).name;
}

/** Waits until `check` is true, or fails after `ms`. */
export async function waitFor(check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
