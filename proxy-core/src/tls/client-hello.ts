import type { Duplex } from 'node:stream';
import { getExtensionData, NonTlsError, readTlsClientHello } from 'read-tls-client-hello';

/** What a client's first bytes in a tunnel say. */
export type PeekedHello =
  | { kind: 'tls'; serverName: string | null; alpn: string[] }
  | { kind: 'not-tls' }
  | { kind: 'closed' };

/**
 * Reads the ClientHello record without consuming it: the bytes are put back on the socket, so
 * the TLS server (or a blind splice, or the cleartext pipeline) still sees them from the start.
 * It waits for the whole record however the client split it into TCP segments.
 */
export async function peekClientHello(socket: Duplex, timeoutMs: number): Promise<PeekedHello> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<PeekedHello>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'closed' }), timeoutMs);
  });
  const read = readTlsClientHello(socket).then(
    (hello): PeekedHello => {
      const sni = getExtensionData(hello, 'sni');
      const alpn = getExtensionData(hello, 'alpn');
      return {
        kind: 'tls',
        serverName: sni?.serverName ?? null,
        alpn: alpn?.protocols ?? [],
      };
    },
    (err: unknown): PeekedHello => {
      if (err instanceof NonTlsError && !/closed/i.test(err.message)) return { kind: 'not-tls' };
      return socket.readableLength > 0 ? { kind: 'not-tls' } : { kind: 'closed' };
    },
  );
  try {
    return await Promise.race([read, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
