import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

/** Everything a raw request got back, and how the connection ended. */
export interface RawResult {
  text: string;
  bytes: Buffer;
  /** 'end' for a clean FIN, 'reset' for an error/reset, 'open' if still open at the deadline. */
  ending: 'end' | 'reset' | 'open';
}

/**
 * Writes raw bytes to `port` and collects the answer until the server closes the
 * connection (or `waitMs` passes, or `until` matches the text so far).
 */
export function rawExchange(
  port: number,
  payload: string | Buffer | Array<string | Buffer>,
  opts: { waitMs?: number; until?: (text: string) => boolean } = {},
): Promise<RawResult> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (ending: RawResult['ending']): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const bytes = Buffer.concat(chunks);
      socket.destroy();
      resolve({ text: bytes.toString('latin1'), bytes, ending });
    };
    const timer = setTimeout(() => finish('open'), opts.waitMs ?? 10_000);
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      if (opts.until?.(Buffer.concat(chunks).toString('latin1'))) finish('open');
    });
    socket.on('end', () => finish('end'));
    socket.on('error', () => finish('reset'));
    socket.on('close', () => finish('reset'));
    socket.on('connect', () => {
      const parts = Array.isArray(payload) ? payload : [payload];
      for (const p of parts) socket.write(p);
    });
  });
}

/** The status code of the first response in a raw answer, or 0. */
export function statusOf(text: string): number {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  return m ? Number(m[1]) : 0;
}

/** Reads from a raw socket until the end of an HTTP head; returns the head and the bytes after it. */
export function readHead(socket: Socket): Promise<{ head: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.off('error', reject);
      socket.pause();
      resolve({ head: buf.subarray(0, end).toString('latin1'), rest: buf.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('end', () => reject(new Error(`connection closed before a full head: ${buf.toString('latin1')}`)));
  });
}

/** Opens a raw connection to the proxy and writes `text` (a request head). */
export async function rawRequest(proxyPort: number, text: string): Promise<Socket> {
  const socket = connect(proxyPort, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(text);
  return socket;
}

/** Sends CONNECT with the given extra header lines; resolves with the status line and the open socket. */
export async function openTunnel(
  proxyPort: number,
  authority: string,
  headerLines: string[] = [],
): Promise<{ status: number; head: string; socket: Socket }> {
  const socket = await rawRequest(
    proxyPort,
    `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${headerLines.map((l) => `${l}\r\n`).join('')}\r\n`,
  );
  const { head } = await readHead(socket);
  socket.resume();
  return { status: Number(head.split(' ')[1]), head, socket };
}

/** Sends a plain HTTP/1.1 GET over an open socket (e.g. a tunnel) and collects the whole answer until close. */
export async function getOver(socket: Socket, host: string, path = '/'): Promise<string> {
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  await once(socket, 'end');
  return Buffer.concat(chunks).toString();
}

/** A masked WebSocket text frame (clients must mask). */
export function wsTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = Buffer.from([1, 2, 3, 4]);
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
}
