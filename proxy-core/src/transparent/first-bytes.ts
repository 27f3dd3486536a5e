import type { Socket } from 'node:net';
import { peekClientHello } from '../tls/client-hello.js';

/** What a redirected connection's first bytes say, read without consuming them. */
export type FirstBytes =
  | { kind: 'tls'; serverName: string | null; first: Buffer }
  | { kind: 'http'; host: string | null; first: Buffer }
  | { kind: 'other'; first: Buffer }
  /** Nothing within the deadline, the size limit passed without a complete head, or the client left. */
  | { kind: 'silent' | 'too-large' | 'closed' };

// a request line starts with a method token and a space (RFC 9112 §3)
const REQUEST_START = /^[A-Z]{3,10} [^\s]/;
const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * Reads a transparently redirected connection's first bytes within `deadlineMs` and `maxBytes`:
 * a TLS ClientHello (whole, however the client split it into segments) for its SNI name, or an
 * HTTP request head for its Host. Every byte read is put back, so what handles the connection
 * next sees it from the start.
 */
export function peekFirstBytes(socket: Socket, deadlineMs: number, maxBytes: number): Promise<FirstBytes> {
  const started = Date.now();
  return new Promise((resolve) => {
    let buf: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => finish(buf.length === 0 ? { kind: 'silent' } : { kind: 'too-large' }), deadlineMs);
    function finish(result: FirstBytes): void {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.pause();
      if (buf.length > 0 && result.kind !== 'closed') socket.unshift(buf);
      resolve(result);
    }
    function onClose(): void {
      finish({ kind: 'closed' });
    }
    function onData(chunk: Buffer): void {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      if (buf[0] === 0x16) {
        // TLS: the ClientHello reader waits for the whole message across segments
        clearTimeout(timer);
        socket.off('data', onData);
        socket.off('close', onClose);
        socket.pause();
        socket.unshift(buf);
        const first = buf;
        const left = Math.max(1, deadlineMs - (Date.now() - started));
        void peekClientHello(socket, left).then((hello) => {
          if (hello.kind === 'tls') resolve({ kind: 'tls', serverName: hello.serverName, first });
          else if (hello.kind === 'closed') resolve({ kind: socket.destroyed ? 'closed' : 'silent' });
          else resolve({ kind: 'other', first });
        });
        return;
      }
      if (!REQUEST_START.test(buf.subarray(0, 12).toString('latin1'))) {
        if (buf.length >= 12 || !/^[A-Z]*$/.test(buf.toString('latin1'))) finish({ kind: 'other', first: buf });
        return;
      }
      const end = buf.indexOf(HEAD_END);
      if (end >= 0) {
        finish({ kind: 'http', host: hostOf(buf.subarray(0, end).toString('latin1')), first: buf });
      } else if (buf.length > maxBytes) {
        finish({ kind: 'too-large' });
      }
    }
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.resume();
  });
}

/** The Host of a request head, lower-cased and without its port; null when it has none. */
function hostOf(head: string): string | null {
  const m = /\r\nhost:[ \t]*([^\r\n]*)/i.exec(head);
  if (!m) return null;
  const value = m[1]!.trim().toLowerCase();
  const bracket = /^\[([^\]]+)\]/.exec(value);
  if (bracket) return bracket[1]!;
  return value.replace(/:\d*$/, '') || null;
}
