import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The loopback server that hands the PAC file to the operating system. */
export interface PacServer {
  /** Binds 127.0.0.1 (port 0 picks a free one) and resolves with the PAC URL. */
  listen(port?: number): Promise<string>;
  /** `http://127.0.0.1:PORT/<token>/proxy.pac`, once listening. */
  readonly url: string | null;
  /** Replaces the script served from now on. */
  setScript(script: string): void;
  close(): Promise<void>;
}

const PAC_MIME = 'application/x-ns-proxy-autoconfig';

/**
 * Serves the PAC script over http on loopback, never file:// (browsers ignore file PACs or
 * cache them badly). The path carries a random token: without it every request gets 404, so
 * a web page cannot probe it; the Host header must name loopback (DNS rebinding).
 */
export function createPacServer(initialScript: string): PacServer {
  const token = randomBytes(18).toString('base64url');
  const expected = Buffer.from(`/${token}/proxy.pac`);
  let script = initialScript;
  let url: string | null = null;

  function pathMatches(path: string): boolean {
    const got = Buffer.from(path);
    return got.length === expected.length && timingSafeEqual(got, expected);
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const hostOk = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/i.test(req.headers.host ?? '');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-store');
    if (!hostOk || !pathMatches(path) || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found\n');
      return;
    }
    const body = Buffer.from(script);
    res.writeHead(200, { 'Content-Type': PAC_MIME, 'Content-Length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  const server = createServer(onRequest);
  server.keepAliveTimeout = 2000;

  return {
    get url() {
      return url;
    },
    setScript(next) {
      script = next;
    },
    async listen(port = 0) {
      if (url) return url;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${token}/proxy.pac`;
      return url;
    },
    async close() {
      if (!server.listening) return;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      url = null;
    },
  };
}
