import { isIP } from 'node:net';
import { type ConnectionOptions, rootCertificates } from 'node:tls';
import type { ResolverUrl } from './resolver-url.js';
import { systemLookupAll } from './system-lookup.js';

/** Where and how to open the TLS connection to one private resolver. */
export interface ResolverEndpoint {
  url: ResolverUrl;
  /** The server's own addresses (`--dns-bootstrap`); empty: its literal host, or one system lookup. */
  bootstrap: string[];
  /** Extra trusted CA (PEM) on top of the system's roots. */
  ca: string | null;
}

/** Transport to one resolver: sends one DNS message, resolves with the answer's bytes. */
export interface DnsTransport {
  query(wire: Buffer, timeoutMs: number): Promise<Buffer>;
  close(): void;
}

/**
 * TLS options for the endpoint's `attempt`-th address. The certificate is always checked
 * against the URL's host name (SNI too), never against the bootstrap address Veil dials.
 */
export async function tlsOptions(ep: ResolverEndpoint, attempt: number, alpn: string[]): Promise<ConnectionOptions> {
  const literal = isIP(ep.url.host) !== 0;
  let address = ep.url.host;
  if (ep.bootstrap.length > 0) address = ep.bootstrap[attempt % ep.bootstrap.length] as string;
  else if (!literal) {
    // no bootstrap given: the resolver's own name is the one name asked of the system resolver
    const all = await systemLookupAll(ep.url.host);
    address = all[attempt % all.length] as string;
  }
  return {
    host: address,
    port: ep.url.port,
    ...(literal ? {} : { servername: ep.url.host }),
    // with `ca`, Node trusts only what is given: keep the system's roots and add this one
    ...(ep.ca ? { ca: [...rootCertificates, ep.ca] } : {}),
    ALPNProtocols: alpn,
  };
}
