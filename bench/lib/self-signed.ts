import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A self-signed P-256 certificate made with Debian's openssl, written as `key.pem` and `cert.pem` in
 * `dir` (which the caller owns). `subjectAltName` is openssl's form, e.g. `DNS:localhost,IP:127.0.0.1`.
 * Shared by the bench's servers and the tests' origins and resolvers.
 */
export function selfSignedInto(
  dir: string,
  o: { commonName: string; subjectAltName: string; days?: number },
): { key: string; cert: string; keyFile: string; certFile: string } {
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      String(o.days ?? 2),
      '-subj',
      `/CN=${o.commonName}`,
      '-addext',
      `subjectAltName=${o.subjectAltName}`,
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), keyFile, certFile };
}
