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
  server: Http2SecureServer | HttpsServer;
  close(): Promise<void>;
}

/**
 * An HTTPS echo origin on 127.0.0.1: answers every request with its method, URL, protocol and
 * headers as JSON. h2 and http/1.1 unless `h1Only`.
 */
export async function startTlsOrigin(opts: { cert: string; key: string; h1Only?: boolean }): Promise<TlsOrigin> {
  const server = opts.h1Only
    ? createHttpsServer({ cert: opts.cert, key: opts.key, ALPNProtocols: ['http/1.1'] })
    : createSecureServer({ cert: opts.cert, key: opts.key, allowHTTP1: true });
  server.on('request', (req: Http2ServerRequest | IncomingMessage, res: Http2ServerResponse | ServerResponse) => {
    const body = JSON.stringify({
      method: req.method,
      url: req.url,
      httpVersion: req.httpVersion,
      headers: req.headers,
    });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
  // tests connect and hang up at every stage of the handshake
  server.on('tlsClientError', () => undefined);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    server,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // h2 sessions keep the server open; tests end them explicitly
        setTimeout(resolve, 200).unref();
      }),
  };
}
