import { randomInt } from 'node:crypto';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { withTimeout } from './doh-transport.js';
import { type DnsTransport, type ResolverEndpoint, tlsOptions } from './resolver-endpoint.js';

// RFC 7858 §3.4: keep the connection for reuse, close it when idle
const IDLE_MS = 30_000;

/** The connection went away with queries on it (an idle close by the server, usually). */
class ConnectionClosed extends Error {}

interface Pending {
  resolve: (wire: Buffer) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * DNS over TLS (RFC 7858): one connection per server, queries pipelined on it (each framed with
 * its two-byte length, answers matched by id, in whatever order they come back).
 */
export function createDotTransport(ep: ResolverEndpoint): DnsTransport {
  let socket: Promise<TLSSocket> | null = null;
  let attempt = 0;
  const pending = new Map<number, Pending>();

  function failAll(err: Error): void {
    for (const [id, p] of pending) {
      clearTimeout(p.timer);
      pending.delete(id);
      p.reject(err);
    }
  }

  function open(): Promise<TLSSocket> {
    const p = (async () => {
      const opts = await tlsOptions(ep, attempt, ['dot']);
      return new Promise<TLSSocket>((resolve, reject) => {
        const s = tlsConnect(opts);
        let buf: Buffer = Buffer.alloc(0);
        const drop = (err: Error): void => {
          if (socket === p) socket = null;
          failAll(err instanceof ConnectionClosed ? err : new ConnectionClosed(`${ep.url.href}: ${err.message}`));
        };
        s.once('secureConnect', () => {
          s.off('error', fail);
          s.on('error', drop);
          s.setTimeout(IDLE_MS, () => s.end());
          s.unref();
          resolve(s);
        });
        const fail = (err: Error): void => {
          if (socket === p) socket = null;
          attempt++;
          reject(err);
        };
        s.once('error', fail);
        s.once('close', () => drop(new ConnectionClosed(`${ep.url.href} closed the connection`)));
        // a half-closed connection takes no new queries
        s.once('end', () => {
          if (socket === p) socket = null;
        });
        s.on('data', (chunk: Buffer) => {
          buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
          while (buf.length >= 2) {
            const len = buf.readUInt16BE(0);
            if (buf.length < 2 + len) break;
            const msg = buf.subarray(2, 2 + len);
            buf = buf.subarray(2 + len);
            if (msg.length < 2) continue;
            const waiter = pending.get(msg.readUInt16BE(0));
            if (!waiter) continue;
            pending.delete(msg.readUInt16BE(0));
            clearTimeout(waiter.timer);
            waiter.resolve(Buffer.from(msg));
          }
          if (pending.size > 0) s.ref();
          else s.unref();
        });
      });
    })();
    p.catch(() => {
      if (socket === p) socket = null;
    });
    socket = p;
    return p;
  }

  async function send(wire: Buffer, timeoutMs: number): Promise<Buffer> {
    const s = await withTimeout(socket ?? open(), timeoutMs, `${ep.url.href} did not accept a connection in time`);
    let id = randomInt(0, 0x10000);
    while (pending.has(id)) id = (id + 1) & 0xffff;
    const framed = Buffer.alloc(2 + wire.length);
    framed.writeUInt16BE(wire.length, 0);
    wire.copy(framed, 2);
    framed.writeUInt16BE(id, 2);
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${ep.url.href} did not answer in time`));
      }, timeoutMs);
      pending.set(id, { resolve, reject, timer });
      s.ref();
      s.write(framed);
    });
  }

  return {
    async query(wire, timeoutMs) {
      const reused = socket !== null;
      try {
        return await send(wire, timeoutMs);
      } catch (err) {
        // servers close idle connections when they like (RFC 7766 §6.2.3): one retry on a fresh one
        if (reused && err instanceof ConnectionClosed) return send(wire, timeoutMs);
        throw err;
      }
    },
    close() {
      const p = socket;
      socket = null;
      failAll(new Error('resolver closed'));
      p?.then(
        (s) => s.destroy(),
        () => {},
      );
    },
  };
}
