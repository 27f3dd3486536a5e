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
