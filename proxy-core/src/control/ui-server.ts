import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve, sep } from 'node:path';
import { checkHost, checkToken, type GuardConfig } from './request-guard.js';
import type { VeilService } from './service.js';
import { mimeFor, uiContentSecurityPolicy } from './ui-policy.js';
import { attachWsTransport } from './ws-transport.js';

export interface UiServerOptions {
  service: VeilService;
  /** The built renderer (dist/renderer). */
  staticDir: string;
  /** 0 picks a free port. Always bound to 127.0.0.1. */
  port?: number;
  /** Default: 32 random bytes, base64url. A function is asked on every check (a token rotated on disk). */
  token?: string | (() => string);
  /** Origins besides the server's own that may open the WebSocket (a Vite dev server). */
  extraOrigins?: string[];
}

export interface UiServer {
  /** `http://127.0.0.1:PORT/#token=…`: what the user opens (with the token in force now). */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

/** `GET /token-check?token=…`: 200 when the token is the current one, 401 with the reason when not. */
export const TOKEN_CHECK_PATH = '/token-check';

/**
 * The headless UI: serves the built renderer and the contract (WebSocket at /ws) on its own loopback port,
 * never on the proxy's. Static files need no token (they hold no secrets); the API does.
 */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const given = options.token ?? randomBytes(32).toString('base64url');
  const token = typeof given === 'function' ? given : () => given;
  const root = resolve(options.staticDir);
  let port = 0;
  const guard = (): GuardConfig => ({ port, token: token(), extraOrigins: options.extraOrigins ?? [] });

  const server = createServer((req, res) => {
    void serveStatic(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'Internal error\n');
      else res.destroy();
    });
  });

  function headers(type: string): Record<string, string> {
    // CSP source lists cannot name IPv6 literals; a page opened at [::1] connects through 'self'
    const ws = [`ws://127.0.0.1:${port}`, `ws://localhost:${port}`];
    return {
      'Content-Type': type,
      'Content-Security-Policy': uiContentSecurityPolicy(ws),
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Resource-Policy': 'same-origin',
    };
  }

  function send(res: ServerResponse, status: number, type: string, body: string): void {
    res.writeHead(status, { ...headers(type), 'Content-Length': String(Buffer.byteLength(body)) });
    res.end(body);
  }

  async function serveStatic(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = checkHost(req, guard());
    if (!host.ok) return send(res, host.status, 'text/plain; charset=utf-8', `${host.reason}\n`);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, 405, 'text/plain; charset=utf-8', 'Only GET and HEAD.\n');
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      return send(res, 400, 'text/plain; charset=utf-8', 'Bad path.\n');
    }
    // the page asks here after a refused WebSocket, to tell a stale link from a Veil that is not running
    if (pathname === TOKEN_CHECK_PATH) {
      const verdict = checkToken(req, guard());
      res.setHeader('Cache-Control', 'no-store');
      if (verdict.ok) return send(res, 200, 'text/plain; charset=utf-8', 'ok\n');
      return send(res, verdict.status, 'text/plain; charset=utf-8', `${verdict.reason}\n`);
    }
    if (pathname.endsWith('/')) pathname += 'index.html';
    const file = resolve(join(root, pathname));
    if (!file.startsWith(root + sep) || pathname.includes('\0')) {
      return send(res, 404, 'text/plain; charset=utf-8', 'Not found.\n');
    }
    const st = await stat(file).catch(() => null);
    if (!st?.isFile()) {
      if (pathname === '/index.html') {
        return send(res, 503, 'text/plain; charset=utf-8', 'The UI is not built. Run `npm run build`, then restart.\n');
      }
      return send(res, 404, 'text/plain; charset=utf-8', 'Not found.\n');
    }
    const type = mimeFor(file);
    res.writeHead(200, {
      ...headers(type),
      'Content-Length': String(st.size),
      // index.html names hashed assets; it must never be stale
      'Cache-Control': file.endsWith('.html') ? 'no-store' : 'no-cache',
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  }

  const transport = attachWsTransport(server, options.service, guard);
  server.listen(options.port ?? 0, '127.0.0.1');
  try {
    await once(server, 'listening');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      const taken = new Error(`UI port ${options.port} on 127.0.0.1 is already in use; pick another with --ui-port.`);
      throw Object.assign(taken, { code });
    }
    throw err;
  }
  port = (server.address() as AddressInfo).port;
  return {
    get url() {
      return `http://127.0.0.1:${port}/#token=${token()}`;
    },
    port,
    get token() {
      return token();
    },
    async close() {
      await transport.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
