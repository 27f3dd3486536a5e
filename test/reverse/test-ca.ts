import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A test CA made with Debian's openssl, and leaf certificates it signs; files live in `dir`. */
export interface TestCa {
  dir: string;
  caFile: string;
  caPem: string;
  /** Signs a leaf for `names` (DNS names or IPs); returns its cert and key file paths. */
  leaf(label: string, names: string[]): { cert: string; key: string };
}

export function makeTestCa(): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'veil-reverse-ca-'));
  const ossl = (args: string[]): void => {
    execFileSync('openssl', args, { stdio: 'ignore', cwd: dir });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ossl(['req', '-x509', ...ec, '-days', '2', '-subj', '/CN=Veil test CA', '-keyout', 'ca.key', '-out', 'ca.pem']);
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    leaf(label, names) {
      const san = names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
      writeFileSync(join(dir, `${label}.ext`), `subjectAltName=${san}\n`);
      ossl(['req', ...ec, '-subj', `/CN=${names[0]}`, '-keyout', `${label}.key`, '-out', `${label}.csr`]);
      ossl([
        'x509',
        '-req',
        '-in',
        `${label}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '2',
        '-extfile',
        `${label}.ext`,
        '-out',
        `${label}.pem`,
      ]);
      return { cert: join(dir, `${label}.pem`), key: join(dir, `${label}.key`) };
    },
  };
}
