import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, createServer } from 'node:tls';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CertificateAuthority, generateCa, loadCa } from '../../proxy-core/src/tls/certificate-authority.js';
import { LEAF_VALIDITY_DAYS, leafName, mintLeaf } from '../../proxy-core/src/tls/leaf-certificate.js';
import { createLeafIssuer } from '../../proxy-core/src/tls/leaf-issuer.js';
import { x509 } from '../../proxy-core/src/tls/x509-provider.js';

const DAY = 86_400_000;
let ca: CertificateAuthority;
const newCa = async (): Promise<CertificateAuthority> => {
  const g = await generateCa();
  return loadCa(g.certPem, g.keyPem);
};
beforeAll(async () => {
  ca = await newCa();
});

describe('leaf names', () => {
  it('come from the CONNECT host: A-labels for IDN, address literals bare, nothing for junk', () => {
    expect(leafName('Example.TEST')).toBe('example.test');
    expect(leafName('bücher.test')).toBe('xn--bcher-kva.test');
    expect(leafName('127.0.0.1')).toBe('127.0.0.1');
    expect(leafName('[::1]')).toBe('::1');
    expect(leafName('a.test.')).toBe('a.test');
    expect(leafName('bad host')).toBeNull();
    expect(leafName('a/b')).toBeNull();
  });
});

describe('a minted leaf', () => {
  it('names exactly its host, is CA:FALSE serverAuth, links to the CA, and lives at most 47 days from a day ago', async () => {
    const now = new Date();
    const leaf = await mintLeaf(ca, 'xn--bcher-kva.test', now);
    const node = new X509Certificate(leaf.certPem);
    const caNode = new X509Certificate(ca.certPem);
    expect(node.verify(caNode.publicKey)).toBe(true);
    expect(node.checkIssued(caNode)).toBe(true);
    expect(node.ca).toBe(false);
    expect(node.subjectAltName).toBe('DNS:xn--bcher-kva.test');
    expect(node.checkHost('xn--bcher-kva.test')).toBe('xn--bcher-kva.test');
    expect(node.checkHost('other.test')).toBeUndefined();
    expect(node.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const from = Date.parse(node.validFrom);
    const to = Date.parse(node.validTo);
    expect(now.getTime() - from).toBeGreaterThanOrEqual(DAY - 1000);
    expect(to - from).toBeLessThanOrEqual(LEAF_VALIDITY_DAYS * DAY);
    const cert = new x509.X509Certificate(leaf.certPem);
    expect(cert.getExtension(x509.BasicConstraintsExtension)!.ca).toBe(false);
    expect(cert.getExtension(x509.ExtendedKeyUsageExtension)!.usages).toEqual([x509.ExtendedKeyUsage.serverAuth]);
    expect(cert.getExtension(x509.AuthorityKeyIdentifierExtension)!.keyId).toBe(
      ca.cert.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId,
    );
    expect(leaf.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('for an address literal carries an IP SAN', async () => {
    const node = new X509Certificate((await mintLeaf(ca, '10.1.2.3')).certPem);
    expect(node.subjectAltName).toBe('IP Address:10.1.2.3');
    expect(node.checkIP('10.1.2.3')).toBe('10.1.2.3');
    const v6 = new X509Certificate((await mintLeaf(ca, '::1')).certPem);
    expect(v6.checkIP('::1')).toBe('::1');
  });

  it('has a key of its own per host', async () => {
    const [a, b] = await Promise.all([mintLeaf(ca, 'a.test'), mintLeaf(ca, 'b.test')]);
    expect(a.keyPem).not.toBe(b.keyPem);
  });

  it('completes a strict TLS handshake with only the CA trusted', async () => {
    const issuer = createLeafIssuer(ca);
    const leaf = await issuer.issue('strict.test');
    const server = createServer({ SNICallback: (_n, cb) => cb(null, leaf.context) }, (s) => s.end('hi'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const socket = connect({ host: '127.0.0.1', port, servername: 'strict.test', ca: ca.certPem });
    await once(socket, 'secureConnect');
    expect(socket.authorized).toBe(true);
    socket.destroy();
    const wrong = connect({ host: '127.0.0.1', port, servername: 'wrong.test', ca: ca.certPem });
    const [err] = (await once(wrong, 'error')) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    server.close();
  });
});

describe('the leaf issuer', () => {
  it('mints once for 50 concurrent first requests to one host', async () => {
    const issuer = createLeafIssuer(ca);
    const all = await Promise.all(Array.from({ length: 50 }, () => issuer.issue('burst.test')));
    expect(issuer.minted).toBe(1);
    expect(new Set(all.map((l) => l.certPem)).size).toBe(1);
  });

  it('stays bounded: past its size the least recently used hosts go', async () => {
    const issuer = createLeafIssuer(ca, 40);
    for (let i = 0; i < 120; i += 20) {
      await Promise.all(Array.from({ length: 20 }, (_, j) => issuer.issue(`h${i + j}.test`)));
    }
    expect(issuer.size).toBe(40);
    expect(issuer.minted).toBe(120);
    await issuer.issue('h119.test');
    expect(issuer.minted).toBe(120);
    await issuer.issue('h0.test');
    expect(issuer.minted).toBe(121);
  });

  it('forgets every leaf when the CA rotates, and mints under the new CA', async () => {
    const issuer = createLeafIssuer(ca);
    await issuer.issue('rot.test');
    const next = await newCa();
    issuer.rotate(next);
    expect(issuer.size).toBe(0);
    const leaf = new X509Certificate((await issuer.issue('rot.test')).certPem);
    expect(leaf.verify(new X509Certificate(next.certPem).publicKey)).toBe(true);
    expect(leaf.verify(new X509Certificate(ca.certPem).publicKey)).toBe(false);
  });
});
