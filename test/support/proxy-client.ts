import { type Agent, type IncomingHttpHeaders, request } from 'node:http';
import type { Readable } from 'node:stream';

export interface ProxiedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  trailers: string[];
  body: Buffer;
  /** True when the request went on a kept-alive socket of `agent`. */
  reused: boolean;
}

/** Sends `method url` (absolute-form) to the proxy on `proxyPort` with Node's client and reads the whole answer. */
export function viaProxy(
  proxyPort: number,
  url: string,
  opts: {
    method?: string;
    headers?: Record<string, string> | string[];
    body?: string | Buffer | Readable;
    agent?: Agent;
  } = {},
): Promise<ProxiedResponse> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port: proxyPort,
      method: opts.method ?? 'GET',
      path: url,
      headers: opts.headers ?? {},
      setHost: !Array.isArray(opts.headers),
      agent: opts.agent ?? false,
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          trailers: res.rawTrailers,
          body: Buffer.concat(chunks),
          reused: req.reusedSocket,
        }),
      );
    });
    const body = opts.body;
    if (body && typeof body !== 'string' && !Buffer.isBuffer(body)) body.pipe(req);
    else req.end(body);
  });
}

/** Reads a request body fully. */
export async function readBody(stream: Readable): Promise<Buffer> {
  stream.on('error', () => {});
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
