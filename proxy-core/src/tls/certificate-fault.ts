/** What was wrong with an origin's certificate, in the words a record and an error page use. */
export type CertificateFault =
  | 'expired'
  | 'not-yet-valid'
  | 'self-signed'
  | 'wrong-host'
  | 'unknown-authority'
  | 'incomplete-chain'
  | 'revoked'
  | 'weak'
  | 'invalid';

const BY_CODE: Record<string, CertificateFault> = {
  CERT_HAS_EXPIRED: 'expired',
  CERT_NOT_YET_VALID: 'not-yet-valid',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'unknown-authority',
  ERR_TLS_CERT_ALTNAME_INVALID: 'wrong-host',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unknown-authority',
  UNABLE_TO_GET_ISSUER_CERT: 'incomplete-chain',
  // a lone leaf from an unknown issuer: OpenSSL cannot tell a foreign CA from a missing intermediate
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unknown-authority',
  CERT_REVOKED: 'revoked',
  CERT_SIGNATURE_FAILURE: 'invalid',
  CERT_UNTRUSTED: 'unknown-authority',
  CERT_REJECTED: 'unknown-authority',
  INVALID_CA: 'unknown-authority',
  PATH_LENGTH_EXCEEDED: 'invalid',
  INVALID_PURPOSE: 'invalid',
  EE_KEY_TOO_SMALL: 'weak',
  CA_KEY_TOO_SMALL: 'weak',
  CA_MD_TOO_WEAK: 'weak',
};

/** The fault behind a TLS client error's code, or null when the error is not about the certificate. */
export function certificateFault(code: string | undefined): CertificateFault | null {
  return (code && BY_CODE[code]) || null;
}

const EXPLAIN: Record<CertificateFault, string> = {
  expired: 'its certificate has expired',
  'not-yet-valid': 'its certificate is not valid yet (check the clock)',
  'self-signed': 'its certificate is self-signed, so nobody vouches for it',
  'wrong-host': 'its certificate is for a different host name',
  'unknown-authority':
    'its certificate comes from an authority Veil does not trust (or the site left out an intermediate certificate)',
  'incomplete-chain': 'it did not send the intermediate certificates needed to check it',
  revoked: 'its certificate has been revoked',
  weak: 'its certificate uses a key or signature too weak to trust',
  invalid: 'its certificate is not valid for a web server',
};

/** A sentence for the error page: "example.test could not be verified: its certificate has expired." */
export function explainFault(host: string, fault: CertificateFault): string {
  return `${host} could not be verified: ${EXPLAIN[fault]}.`;
}
