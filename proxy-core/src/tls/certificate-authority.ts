import { webcrypto } from 'node:crypto';
import {
  type CryptoKey,
  EC_SIGN,
  importPrivateKey,
  newKeyPair,
  privateKeyPem,
  randomSerial,
  x509,
} from './x509-provider.js';

/** The CA's subject: generic on purpose, naming neither the user nor the machine. */
export const CA_SUBJECT = 'CN=Veil local inspection CA, O=Veil';
/** The name trust stores list the CA under. */
export const CA_NICKNAME = 'Veil local inspection CA';

const DAY = 86_400_000;
/** About two years. */
export const CA_VALIDITY_DAYS = 730;
/** Renewal is offered this long before the CA expires. */
export const CA_RENEW_DAYS = 30;

/** Veil's local CA as the engine uses it: the certificate (PEM and parsed) and its signing key. */
export interface CertificateAuthority {
  certPem: string;
  cert: x509.X509Certificate;
  signingKey: CryptoKey;
}

/** A newly generated CA: what the store writes (the key PEM never leaves the store otherwise). */
export interface GeneratedCa {
  certPem: string;
  keyPem: string;
}

/** Generates a fresh CA: ECDSA P-256, CA:TRUE pathLen 0, keyCertSign + cRLSign, EKU serverAuth, SKI. */
export async function generateCa(now = new Date()): Promise<GeneratedCa> {
  const keys = await newKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: CA_SUBJECT,
    // backdated a day so a client whose clock runs behind still accepts it
    notBefore: new Date(now.getTime() - DAY),
    notAfter: new Date(now.getTime() + CA_VALIDITY_DAYS * DAY),
    signingAlgorithm: EC_SIGN,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: `${cert.toString('pem')}\n`, keyPem: `${await privateKeyPem(keys.privateKey)}\n` };
}

/** Loads a CA from its PEM files' contents; throws a plain message when they do not belong together. */
export async function loadCa(certPem: string, keyPem: string): Promise<CertificateAuthority> {
  const cert = new x509.X509Certificate(certPem);
  const signingKey = await importPrivateKey(keyPem);
  // a key that does not match the certificate would mint leaves no client can verify
  const probe = new Uint8Array([1, 2, 3]);
  const sig = await webcrypto.subtle.sign(EC_SIGN, signingKey, probe);
  const pub = await cert.publicKey.export();
  if (!(await webcrypto.subtle.verify(EC_SIGN, pub as unknown as CryptoKey, sig, probe))) {
    throw new Error('the CA key does not match the CA certificate');
  }
  return { certPem, cert, signingKey };
}

/** Days until the CA expires (negative once expired) and whether renewal should be offered. */
export function caExpiry(cert: x509.X509Certificate, now = new Date()): { daysLeft: number; renewSoon: boolean } {
  const daysLeft = Math.floor((cert.notAfter.getTime() - now.getTime()) / DAY);
  return { daysLeft, renewSoon: daysLeft <= CA_RENEW_DAYS };
}
