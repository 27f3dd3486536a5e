import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect as netConnect, createServer as netServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext, TLSSocket, connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateAuthority } from '../../proxy-core/src/tls/certificate-authority.js';
import { certificateFault, explainFault } from '../../proxy-core/src/tls/certificate-fault.js';
import { peekClientHello } from '../../proxy-core/src/tls/client-hello.js';
import { connectOriginTls, OriginTlsError, originContext } from '../../proxy-core/src/tls/origin-tls.js';
import { ExtraCaError, originTrustAnchors, readExtraCa } from '../../proxy-core/src/tls/origin-trust.js';
import { selfSigned, serverCert, testCa } from './helpers/test-pki.js';
import { startTlsOrigin, type TlsOrigin } from './helpers/tls-origin.js';

/** A TCP server that hands each accepted socket to `onSocket`. */
async function tcpServer(onSocket: (s: Socket) => void): Promise<{ port: number; close(): void }> {
  const server = netServer(onSocket);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

/** The first TLS record a real Node client sends (its ClientHello), captured over loopback. */
async function captureHello(opts: { servername: string; ALPNProtocols: string[] }): Promise<Buffer> {
  let resolveHello!: (b: Buffer) => void;
  const got = new Promise<Buffer>((r) => {
    resolveHello = r;
  });
  const srv = await tcpServer((s) => {
    let buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 5 && buf.length >= 5 + buf.readUInt16BE(3)) {
        resolveHello(buf.subarray(0, 5 + buf.readUInt16BE(3)));
        s.destroy();
      }
    });
  });
  const c = tlsConnect({ port: srv.port, host: '127.0.0.1', ...opts, rejectUnauthorized: false });
  c.on('error', () => undefined);
  const hello = await got;
  c.destroy();
  srv.close();
  return hello;
}

/** Connects and writes `bytes` in `chunk`-sized TCP segments with a pause between, then peeks on the server. */
async function peekSplit(bytes: Buffer, chunk: number) {
  let peeked!: Promise<Awaited<ReturnType<typeof peekClientHello>>>;
  let serverSocket!: Socket;
  const ready = new Promise<void>((resolve) => {
    void tcpServer((s) => {
      serverSocket = s;
      peeked = peekClientHello(s, 5000);
      resolve();
    }).then((srv) => {
      const c = netConnect(srv.port, '127.0.0.1', async () => {
        c.setNoDelay(true);
        for (let i = 0; i < bytes.length; i += chunk) {
          c.write(bytes.subarray(i, i + chunk));
          await new Promise((r) => setTimeout(r, 5));
        }
      });
      c.on('error', () => undefined);
    });
  });
  await ready;
  const result = await peeked;
  return { result, serverSocket };
}

describe('peeking the ClientHello', () => {
  it('reads SNI and ALPN, and leaves the bytes for the TLS server that follows', async () => {
    const pki = await testCa();
    const leaf = await serverCert(pki, 'peek.test');
    let peeked: unknown;
    const srv = await tcpServer(async (s) => {
      peeked = await peekClientHello(s, 5000);
      const server = new TLSSocket(s, {
        isServer: true,
        secureContext: createSecureContext(leaf),
        ALPNProtocols: ['http/1.1'],
      });
      server.on('secure', () => server.end('ok'));
    });
    const c = tlsConnect({
      port: srv.port,
      host: '127.0.0.1',
      servername: 'peek.test',
      ALPNProtocols: ['h2', 'http/1.1'],
      ca: pki.certPem,
    });
    await once(c, 'secureConnect');
    expect(c.authorized).toBe(true);
    expect(peeked).toEqual({ kind: 'tls', serverName: 'peek.test', alpn: ['h2', 'http/1.1'] });
    c.destroy();
    srv.close();
  });

  it('survives a ClientHello split into 7-byte segments, and one larger than an MTU', async () => {
    const small = await captureHello({ servername: 'split.test', ALPNProtocols: ['h2', 'http/1.1'] });
    const split = await peekSplit(small, 7);
    expect(split.result).toEqual({ kind: 'tls', serverName: 'split.test', alpn: ['h2', 'http/1.1'] });
    // every byte is still there for whoever reads next
    expect(split.serverSocket.read(small.length)).toEqual(small);
    split.serverSocket.destroy();

    const protocols = Array.from({ length: 24 }, (_, i) => `p${i}-${'x'.repeat(90)}`);
    const large = await captureHello({ servername: 'large.test', ALPNProtocols: protocols });
    expect(large.length).toBeGreaterThan(2000);
    const big = await peekSplit(large, 600);
    expect(big.result).toMatchObject({ kind: 'tls', serverName: 'large.test' });
    expect((big.result as { alpn: string[] }).alpn).toHaveLength(24);
    big.serverSocket.destroy();
  });

  it('says not-tls for plain HTTP and puts the bytes back', async () => {
    const request = Buffer.from('GET / HTTP/1.1\r\nHost: x.test\r\n\r\n');
    const { result, serverSocket } = await peekSplit(request, request.length);
    expect(result).toEqual({ kind: 'not-tls' });
    expect(serverSocket.read()?.toString()).toBe(request.toString());
    serverSocket.destroy();
  });
});

describe('TLS to the origin', () => {
  let pki: CertificateAuthority;
  let veilCa: CertificateAuthority;
  const origins: TlsOrigin[] = [];
  let anchors: string[];

  beforeAll(async () => {
    [pki, veilCa] = await Promise.all([testCa(), testCa()]);
    anchors = originTrustAnchors([pki.certPem, veilCa.certPem], veilCa.certPem);
  });
  afterAll(async () => {
    await Promise.all(origins.map((o) => o.close()));
  });

  async function origin(cert: { cert: string; key: string }, h1Only = false): Promise<number> {
    const o = await startTlsOrigin({ ...cert, h1Only });
    origins.push(o);
    return o.port;
  }

  async function dial(port: number, host: string, alpn = ['h2', 'http/1.1']) {
    const raw = netConnect(port, '127.0.0.1');
    await once(raw, 'connect');
    return connectOriginTls(raw, host, alpn, originContext(anchors), 5000);
  }

  it('verifies a good origin and reports the protocol it chose from the client’s list', async () => {
    const port = await origin(await serverCert(pki, '127.0.0.1'));
    const h2 = await dial(port, '127.0.0.1');
    expect(h2.protocol).toBe('h2');
    expect(h2.socket.authorized).toBe(true);
    h2.socket.destroy();
    const h1 = await dial(port, '127.0.0.1', ['http/1.1']);
    expect(h1.protocol).toBe('http/1.1');
    h1.socket.destroy();
    const h1only = await dial(await origin(await serverCert(pki, '127.0.0.1'), true), '127.0.0.1');
    expect(h1only.protocol).toBe('http/1.1');
    h1only.socket.destroy();
  });

  const faults: Array<[string, () => Promise<{ cert: string; key: string }>, string]> = [
    ['expired', () => serverCert(pki, '127.0.0.1', 100), 'expired'],
    ['for another host', () => serverCert(pki, 'other.test'), 'wrong-host'],
    ['self-signed', () => selfSigned(), 'self-signed'],
    ['from an unknown CA', async () => serverCert(await testCa(), '127.0.0.1'), 'unknown-authority'],
    ['signed by Veil’s own CA (even when listed as extra)', () => serverCert(veilCa, '127.0.0.1'), 'unknown-authority'],
  ];
  for (const [what, make, fault] of faults) {
    it(`fails an origin certificate ${what} as ${fault}`, async () => {
      const port = await origin(await make());
      const err = await dial(port, '127.0.0.1').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OriginTlsError);
      expect((err as OriginTlsError).fault).toBe(fault);
      expect((err as OriginTlsError).code).toBe('E_ORIGIN_CERT');
    });
  }

  it('names the problem in plain words', () => {
    expect(explainFault('a.test', 'expired')).toBe('a.test could not be verified: its certificate has expired.');
    expect(certificateFault('UNABLE_TO_GET_ISSUER_CERT')).toBe('incomplete-chain');
    expect(certificateFault('UNABLE_TO_VERIFY_LEAF_SIGNATURE')).toBe('unknown-authority');
    expect(certificateFault('ECONNRESET')).toBeNull();
  });
});

describe('extra origin CAs (--upstream-ca)', () => {
  it('reads every certificate of a PEM file and refuses a missing or empty one with the fix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'veil-extra-ca-'));
    const [a, b] = await Promise.all([testCa(), testCa()]);
    writeFileSync(join(dir, 'two.pem'), a.certPem + b.certPem);
    writeFileSync(join(dir, 'empty.pem'), 'nothing here');
    expect(await readExtraCa([join(dir, 'two.pem')])).toHaveLength(2);
    await expect(readExtraCa([join(dir, 'missing.pem')])).rejects.toThrow(ExtraCaError);
    await expect(readExtraCa([join(dir, 'missing.pem')])).rejects.toThrow(/inspection\.extraCa or --upstream-ca/);
    await expect(readExtraCa([join(dir, 'empty.pem')])).rejects.toThrow(/no PEM certificate/);
    rmSync(dir, { recursive: true });
  });
});
