import { type ClientHttp2Session, constants, connect as h2connect } from 'node:http2';
import { connect as tlsConnect } from 'node:tls';
import { type DnsTransport, type ResolverEndpoint, tlsOptions } from './resolver-endpoint.js';

// idle sessions close after this; the next query opens a new one
const IDLE_MS = 30_000;

/**
 * DNS over HTTPS (RFC 8484) on one HTTP/2 session per server, reused for every query. Requests
 * carry the method, path and media types only: no User-Agent, no cookies, nothing that names
 * Veil or the user.
 */
export function createDohTransport(ep: ResolverEndpoint): DnsTransport {
  let session: Promise<ClientHttp2Session> | null = null;
  let attempt = 0;

  function open(): Promise<ClientHttp2Session> {
    const p = (async () => {
      const opts = await tlsOptions(ep, attempt, ['h2']);
      return new Promise<ClientHttp2Session>((resolve, reject) => {
        const s = h2connect(`https://${ep.url.host.includes(':') ? `[${ep.url.host}]` : ep.url.host}:${ep.url.port}`, {
          createConnection: () => tlsConnect(opts),
        });
        const drop = (): void => {
          if (session === p) session = null;
        };
        s.once('connect', () => {
          s.off('error', fail);
          s.on('error', drop);
          s.unref();
          resolve(s);
        });
        const fail = (err: Error): void => {
          drop();
          attempt++;
          reject(err);
        };
        s.once('error', fail);
        s.once('close', drop);
        s.once('goaway', drop);
        s.setTimeout(IDLE_MS, () => s.close());
      });
    })();
    p.catch(() => {
      if (session === p) session = null;
    });
    session = p;
    return p;
  }

  async function send(wire: Buffer, timeoutMs: number): Promise<Buffer> {
    const s = await withTimeout(session ?? open(), timeoutMs, `${ep.url.href} did not accept a connection in time`);
    return new Promise<Buffer>((resolve, reject) => {
      const req = s.request({
        [constants.HTTP2_HEADER_METHOD]: 'POST',
        [constants.HTTP2_HEADER_PATH]: ep.url.path,
        [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/dns-message',
        [constants.HTTP2_HEADER_ACCEPT]: 'application/dns-message',
        [constants.HTTP2_HEADER_CONTENT_LENGTH]: wire.length,
      });
      const timer = setTimeout(() => {
        req.close(constants.NGHTTP2_CANCEL);
        reject(new Error(`${ep.url.href} did not answer in time`));
      }, timeoutMs);
      const chunks: Buffer[] = [];
      let status = 0;
      let type = '';
      req.once('response', (headers) => {
        status = Number(headers[constants.HTTP2_HEADER_STATUS]);
        type = String(headers[constants.HTTP2_HEADER_CONTENT_TYPE] ?? '');
      });
      req.on('data', (c: Buffer) => chunks.push(c));
      req.once('end', () => {
        clearTimeout(timer);
        if (status !== 200) reject(new Error(`${ep.url.href} answered HTTP ${status}`));
        else if (!type.startsWith('application/dns-message'))
          reject(new Error(`${ep.url.href} answered ${type || 'no'} content type`));
        else resolve(Buffer.concat(chunks));
      });
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.end(wire);
    });
  }

  return {
    async query(wire, timeoutMs) {
      const reused = session !== null;
      try {
        return await send(wire, timeoutMs);
      } catch (err) {
        // a session the server has just closed (GOAWAY, idle close): one retry on a fresh one
        if (reused && String((err as NodeJS.ErrnoException).code ?? '').startsWith('ERR_HTTP2')) {
          session = null;
          return send(wire, timeoutMs);
        }
        throw err;
      }
    },
    close() {
      const p = session;
      session = null;
      p?.then(
        (s) => s.close(),
        () => {},
      );
    },
  };
}

/** Rejects after `ms` unless `p` settles first. */
export function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(message)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
