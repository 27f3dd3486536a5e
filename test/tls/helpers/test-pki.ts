import { type CertificateAuthority, generateCa, loadCa } from '../../../proxy-core/src/tls/certificate-authority.js';
import { mintLeaf } from '../../../proxy-core/src/tls/leaf-certificate.js';
import { EC_SIGN, newKeyPair, privateKeyPem, x509 } from '../../../proxy-core/src/tls/x509-provider.js';

/** A throwaway CA for test origins, distinct from any Veil CA. */
export async function testCa(): Promise<CertificateAuthority> {
  const g = await generateCa();
  return loadCa(g.certPem, g.keyPem);
}

/** A server certificate for `host` signed by `ca`; `daysAgo` mints it in the past (100 makes it expired). */
export async function serverCert(
  ca: CertificateAuthority,
  host: string,
  daysAgo = 0,
): Promise<{ cert: string; key: string }> {
  const leaf = await mintLeaf(ca, host, new Date(Date.now() - daysAgo * 86_400_000));
  return { cert: leaf.certPem, key: leaf.keyPem };
}

/** A self-signed certificate used directly as a server certificate. */
export async function selfSigned(host = '127.0.0.1'): Promise<{ cert: string; key: string }> {
  const keys = await newKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${host}`,
    keys,
    signingAlgorithm: EC_SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: host }]),
    ],
  });
  return { cert: cert.toString('pem'), key: await privateKeyPem(keys.privateKey) };
}
