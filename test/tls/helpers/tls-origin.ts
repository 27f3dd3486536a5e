import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createSecureServer,
  type Http2SecureServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
} from 'node:http2';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface TlsOrigin {
  port: number;
  /** Every request the origin received: its path and raw headers. */
  seen: Array<{ url: string; headers: Array<[string, string]> }>;
  server: Http2SecureServer | HttpsServer;
  close(): Promise<void>;
}

/**
 * An HTTPS echo origin on 127.0.0.1: answers every request with its method, URL, protocol and
 * headers as JSON. h2 and http/1.1 unless `h1Only`.
 */
export async function startTlsOrigin(opts: { cert: string; key: string; h1Only?: boolean }): Promise<TlsOrigin> {
  const seen: TlsOrigin['seen'] = [];
  const server = opts.h1Only
    ? createHttpsServer({ cert: opts.cert, key: opts.key, ALPNProtocols: ['http/1.1'] })
    : createSecureServer({ cert: opts.cert, key: opts.key, allowHTTP1: true });
  server.on('request', (req: Http2ServerRequest | IncomingMessage, res: Http2ServerResponse | ServerResponse) => {
    const rawHeaders: Array<[string, string]> = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) rawHeaders.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
    seen.push({ url: req.url ?? '', headers: rawHeaders });
    const body = JSON.stringify({
      method: req.method,
      url: req.url,
      httpVersion: req.httpVersion,
      headers: req.headers,
      rawHeaders,
    });
    if (req.url?.startsWith('/private')) {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'private, max-age=600' });
    } else if (req.url?.startsWith('/public')) {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=600' });
    } else {
      res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'track=abc; Max-Age=31536000' });
    }
    res.end(body);
  });
  // tests connect and hang up at every stage of the handshake
  server.on('tlsClientError', () => undefined);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    server,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // h2 sessions keep the server open; tests end them explicitly
        setTimeout(resolve, 200).unref();
      }),
  };
}
