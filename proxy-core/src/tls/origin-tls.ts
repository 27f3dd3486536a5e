import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { checkServerIdentity, connect, createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import { type CertificateFault, certificateFault } from './certificate-fault.js';

/** The origin's side of an inspected tunnel: a verified TLS connection and the protocol it chose. */
export interface OriginTls {
  socket: TLSSocket;
  /** `h2` or `http/1.1` (what the origin picked from the client's list), or null without ALPN. */
  protocol: 'h2' | 'http/1.1' | null;
}

/** The origin's TLS could not be verified or set up. `fault` is set when the certificate is to blame. */
export class OriginTlsError extends Error {
  override name = 'OriginTlsError';
  constructor(
    message: string,
    readonly code: string,
    readonly fault: CertificateFault | null,
  ) {
    super(message);
  }
}

/**
 * The client context origins are verified with: built once per set of anchors, because passing
 * `ca` to every connect would parse every root certificate again for each connection.
 */
export function originContext(anchors: readonly string[]): SecureContext {
  return createSecureContext({ ca: [...anchors], minVersion: 'TLSv1.2' });
}

/** The ALPN protocols Veil can speak inside a tunnel, in the client's order. */
export function supportedAlpn(clientAlpn: readonly string[]): Array<'h2' | 'http/1.1'> {
  return clientAlpn.filter((p): p is 'h2' | 'http/1.1' => p === 'h2' || p === 'http/1.1');
}

/**
 * TLS to the origin over an already-routed socket: strict verification against `trust` (never
 * Veil's own CA: see originTrustAnchors), the CONNECT host checked against the certificate
 * (DNS name or IP), TLS 1.2 at least, offering the ALPN list the client offered.
 */
export function connectOriginTls(
  raw: Duplex,
  host: string,
  alpn: readonly string[],
  trust: SecureContext,
  timeoutMs: number,
): Promise<OriginTls> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      socket: raw,
      ...(isIP(host) ? {} : { servername: host }),
      ALPNProtocols: supportedAlpn(alpn),
      secureContext: trust,
      minVersion: 'TLSv1.2',
      rejectUnauthorized: true,
      // the name the client asked the proxy for, not whatever the socket resolved to
      checkServerIdentity: (_name, cert) => checkServerIdentity(host, cert),
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new OriginTlsError(`${host} did not finish the TLS handshake in time.`, 'E_ORIGIN_TLS_TIMEOUT', null));
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      const chosen = socket.alpnProtocol;
      resolve({ socket, protocol: chosen === 'h2' || chosen === 'http/1.1' ? chosen : null });
    });
    const onError = (err: NodeJS.ErrnoException): void => {
      clearTimeout(timer);
      socket.destroy();
      const fault = certificateFault(err.code);
      reject(
        new OriginTlsError(
          fault
            ? `The certificate of ${host} failed verification (${err.code}).`
            : `TLS to ${host} failed: ${err.message}`,
          fault ? 'E_ORIGIN_CERT' : 'E_ORIGIN_TLS',
          fault,
        ),
      );
    };
    socket.once('error', onError);
  });
}
