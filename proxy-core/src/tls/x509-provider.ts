import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// @peculiar/x509 signs through WebCrypto; Node's own implementation, set once for the process.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export type CryptoKey = webcrypto.CryptoKey;

export { x509 };

/** ECDSA P-256 with SHA-256: the CA's and every leaf's key and signature algorithm. */
export const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;
export const EC_SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** A fresh P-256 key pair, extractable so the private key can be written as PKCS#8 PEM. */
export async function newKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

/** A private key as PKCS#8 PEM (what node:tls takes). */
export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/** Reads a PKCS#8 PEM P-256 key back as a signing key. */
export async function importPrivateKey(pem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decodeFirst(pem);
  return webcrypto.subtle.importKey('pkcs8', der, EC_KEY, false, ['sign']);
}

/**
 * A positive 128-bit random serial as hex. A leading 00 keeps the DER INTEGER positive when
 * the top bit is set, so all 128 bits stay random (RFC 5280 allows up to 20 octets).
 */
export function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  const hex = Buffer.from(bytes).toString('hex');
  return bytes[0]! & 0x80 ? `00${hex}` : hex;
}
