import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';

/** A file in `inspection.extraCa` that cannot be used; the message names it and the fix. */
export class ExtraCaError extends Error {
  override name = 'ExtraCaError';
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Reads the `--upstream-ca` / `inspection.extraCa` files: every certificate in each PEM file. */
export async function readExtraCa(files: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new ExtraCaError(
        `Cannot read the CA file ${file} (${(err as NodeJS.ErrnoException).code}): fix the path in inspection.extraCa or --upstream-ca.`,
      );
    }
    const blocks = text.match(PEM_BLOCK) ?? [];
    for (const pem of blocks) {
      try {
        new X509Certificate(pem);
      } catch {
        throw new ExtraCaError(`${file} holds a certificate that does not parse: give a PEM file of CA certificates.`);
      }
    }
    if (blocks.length === 0) throw new ExtraCaError(`${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----).`);
    out.push(...blocks);
  }
  return out;
}

/**
 * The authorities origins are verified against: Node's bundled roots plus the extra ones,
 * never Veil's own CA (an origin presenting a Veil-signed certificate must fail, or a
 * second Veil, or an attacker with the key, could vouch for any site).
 */
export function originTrustAnchors(extraCa: readonly string[], veilCaPem: string | null): string[] {
  const veil = veilCaPem ? new X509Certificate(veilCaPem).fingerprint256 : null;
  const anchors = [...rootCertificates, ...extraCa];
  return veil ? anchors.filter((pem) => new X509Certificate(pem).fingerprint256 !== veil) : anchors;
}
