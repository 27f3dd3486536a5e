import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import type { CertificateAuthority } from './certificate-authority.js';
import { EC_SIGN, newKeyPair, privateKeyPem, randomSerial, x509 } from './x509-provider.js';

const DAY = 86_400_000;
/** CA/Browser Forum's coming ceiling, backdate included. */
export const LEAF_VALIDITY_DAYS = 47;

/** A minted leaf: what a TLS server needs to answer as `host`. */
export interface LeafCredentials {
  host: string;
  certPem: string;
  keyPem: string;
}

/**
 * The name a leaf is minted for, from a CONNECT authority's host: an address literal as is
 * (brackets dropped), a DNS name lowercased in A-labels. Null for what no certificate can name.
 */
export function leafName(host: string): string | null {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare)) return bare.toLowerCase();
  // domainToASCII parses like a URL host and would turn `a/b` into `a`: refuse delimiters first
  if (!bare || /[\s/\\?#@:[\]%]/.test(bare)) return null;
  const ascii = domainToASCII(bare.replace(/\.$/, '')).toLowerCase();
  return ascii && /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(ascii) ? ascii : null;
}

/** Mints a leaf for `host` (already a `leafName`): its own P-256 key, SAN exactly the host, CA:FALSE, serverAuth, AKI. */
export async function mintLeaf(ca: CertificateAuthority, host: string, now = new Date()): Promise<LeafCredentials> {
  const keys = await newKeyPair();
  const ip = isIP(host) !== 0;
  const notBefore = new Date(now.getTime() - DAY);
  // never outlive the CA: a chain with a leaf valid past its issuer fails on strict clients
  const notAfter = new Date(Math.min(notBefore.getTime() + LEAF_VALIDITY_DAYS * DAY, ca.cert.notAfter.getTime()));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${host}`,
    issuer: ca.cert.subject,
    notBefore,
    notAfter,
    signingAlgorithm: EC_SIGN,
    publicKey: keys.publicKey,
    signingKey: ca.signingKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: ip ? 'ip' : 'dns', value: host }]),
      authorityKeyId(ca),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { host, certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}

/** The AKI of every leaf: the CA's own SKI, copied (not recomputed) so chains always link. */
function authorityKeyId(ca: CertificateAuthority): x509.AuthorityKeyIdentifierExtension {
  const ski = ca.cert.getExtension(x509.SubjectKeyIdentifierExtension);
  if (!ski) throw new Error('the CA certificate has no subject key identifier');
  return new x509.AuthorityKeyIdentifierExtension(ski.keyId, false);
}
