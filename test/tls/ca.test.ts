import { X509Certificate } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CaStoreError, caCertPath, caDir, createCaStore } from '../../proxy-core/src/tls/ca-store.js';
import { CA_VALIDITY_DAYS, caExpiry, generateCa, loadCa } from '../../proxy-core/src/tls/certificate-authority.js';
import { x509 } from '../../proxy-core/src/tls/x509-provider.js';

const DAY = 86_400_000;
const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'veil-ca-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the certificate authority', () => {
  it('is ECDSA P-256, self-signed, with the extensions the issue names, and verifies with crypto.X509Certificate', async () => {
    const { certPem, keyPem } = await generateCa();
    const node = new X509Certificate(certPem);
    expect(node.ca).toBe(true);
    expect(node.verify(node.publicKey)).toBe(true);
    expect(node.checkIssued(node)).toBe(true);
    expect(node.publicKey.asymmetricKeyType).toBe('ec');
    expect(node.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(node.subject).toBe('CN=Veil local inspection CA\nO=Veil');
    expect(node.subject).not.toMatch(new RegExp(hostname(), 'i'));
    const days = (Date.parse(node.validTo) - Date.parse(node.validFrom)) / DAY;
    expect(days).toBeGreaterThanOrEqual(CA_VALIDITY_DAYS);
    expect(days).toBeLessThanOrEqual(CA_VALIDITY_DAYS + 1);
    // 128 random bits: 16 octets, or 17 with the leading zero that keeps it positive
    expect([32, 34]).toContain(node.serialNumber.length);

    const cert = new x509.X509Certificate(certPem);
    const bc = cert.getExtension(x509.BasicConstraintsExtension)!;
    expect([bc.critical, bc.ca, bc.pathLength]).toEqual([true, true, 0]);
    const ku = cert.getExtension(x509.KeyUsagesExtension)!;
    expect(ku.critical).toBe(true);
    expect(ku.usages).toBe(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
    expect(cert.getExtension(x509.ExtendedKeyUsageExtension)!.usages).toEqual([x509.ExtendedKeyUsage.serverAuth]);
    expect(cert.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId).toMatch(/^[0-9a-f]{40}$/);
    expect(keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(certPem).not.toContain('PRIVATE KEY');
  });

  it('is unique to each generation (serial and key)', async () => {
    const [a, b] = await Promise.all([generateCa(), generateCa()]);
    const na = new X509Certificate(a.certPem);
    const nb = new X509Certificate(b.certPem);
    expect(na.serialNumber).not.toBe(nb.serialNumber);
    expect(na.publicKey.export({ format: 'der', type: 'spki' })).not.toEqual(
      nb.publicKey.export({ format: 'der', type: 'spki' }),
    );
  });

  it('refuses a key that does not belong to the certificate', async () => {
    const [a, b] = await Promise.all([generateCa(), generateCa()]);
    await expect(loadCa(a.certPem, b.keyPem)).rejects.toThrow(/does not match/);
    await expect(loadCa(a.certPem, a.keyPem)).resolves.toBeTruthy();
  });

  it('offers renewal 30 days before expiry', async () => {
    const ca = await loadCa(...(Object.values(await generateCa()) as [string, string]));
    expect(caExpiry(ca.cert).renewSoon).toBe(false);
    expect(caExpiry(ca.cert, new Date(ca.cert.notAfter.getTime() - 29 * DAY)).renewSoon).toBe(true);
    expect(caExpiry(ca.cert, new Date(ca.cert.notAfter.getTime() - 40 * DAY)).renewSoon).toBe(false);
  });
});

describe('the CA store', () => {
  it('creates the CA on first need, in a 0700 ca/ folder with a 0600 key, and keeps it across loads', async () => {
    const dir = tempDir();
    const store = createCaStore(dir);
    expect(await store.existing()).toBeNull();
    const first = await store.load();
    expect(statSync(caDir(dir)).mode & 0o777).toBe(0o700);
    expect(statSync(join(caDir(dir), 'ca-key.pem')).mode & 0o777).toBe(0o600);
    expect(readFileSync(caCertPath(dir), 'utf8')).toBe(first.certPem);
    const again = await createCaStore(dir).load();
    expect(again.cert.serialNumber).toBe(first.cert.serialNumber);
  });

  it('generates once when many callers ask at the same time', async () => {
    const store = createCaStore(tempDir());
    const all = await Promise.all(Array.from({ length: 10 }, () => store.load()));
    expect(new Set(all.map((c) => c.cert.serialNumber)).size).toBe(1);
  });

  it('refuses a key file readable by group or others, naming the fix', async () => {
    const dir = tempDir();
    await createCaStore(dir).load();
    const key = join(caDir(dir), 'ca-key.pem');
    for (const mode of [0o640, 0o604]) {
      chmodSync(key, mode);
      const err = await createCaStore(dir)
        .load()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CaStoreError);
      expect((err as Error).message).toContain(`chmod 600 ${key}`);
    }
  });

  it('regenerates a different CA in place', async () => {
    const store = createCaStore(tempDir());
    const old = await store.load();
    const next = await store.regenerate();
    expect(next.cert.serialNumber).not.toBe(old.cert.serialNumber);
    expect((await store.load()).cert.serialNumber).toBe(next.cert.serialNumber);
  });
});
