import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect as h2connect } from 'node:http2';
import { type AddressInfo, connect as netConnect, type Socket } from 'node:net';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateAuthority } from '../../proxy-core/src/tls/certificate-authority.js';
import { type Inspector, runTunnel } from '../../proxy-core/src/tls/inspected-tunnel.js';
import { InspectionScope } from '../../proxy-core/src/tls/inspection-scope.js';
import { type InspectionSettings, inspectionSettings } from '../../proxy-core/src/tls/inspection-settings.js';
import { createLeafIssuer } from '../../proxy-core/src/tls/leaf-issuer.js';
import { originTrustAnchors } from '../../proxy-core/src/tls/origin-trust.js';
import { RefusalTracker } from '../../proxy-core/src/tls/refusal-tracker.js';
import type { TunnelOutcome } from '../../proxy-core/src/tls/tunnel-outcome.js';
import { getOver, openConnect, tlsThrough } from './helpers/connect-client.js';
import { selfSigned, serverCert, testCa } from './helpers/test-pki.js';
import { startTlsOrigin, type TlsOrigin } from './helpers/tls-origin.js';

/**
 * A CONNECT front that runs each tunnel through the inspector, relaying the decrypted streams
 * as they are: it tests the TLS termination alone, apart from the engine's HTTP pipeline.
 */
async function startFront(inspector: Inspector): Promise<{ port: number; outcomes: TunnelOutcome[]; server: Server }> {
  const outcomes: TunnelOutcome[] = [];
  const server = createServer();
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const [host, port] = [req.url!.replace(/:\d+$/, '').replace(/^\[|\]$/g, ''), Number(req.url!.split(':').at(-1))];
    const dial = async (): Promise<Socket> => {
      const s = netConnect(port, host);
      await once(s, 'connect');
      return s;
    };
    client.on('error', () => client.destroy());
    void dial().then((origin) => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) client.unshift(head);
      const relay = (
        a: NodeJS.ReadWriteStream & { destroy(): void },
        b: NodeJS.ReadWriteStream & { destroy(): void },
      ) => {
        a.pipe(b).pipe(a);
        a.on('error', () => b.destroy());
        b.on('error', () => a.destroy());
      };
      return runTunnel(inspector, {
        host,
        port,
        client,
        origin,
        redial: dial,
        blind: (c, o) => relay(c as Socket, o as Socket),
        cleartext: (c, o) => relay(c as Socket, o as Socket),
        serve: (c, o, accepted) => {
          c.once('data', accepted);
          relay(c, o.socket);
        },
        h2: true,
        outcome: (o) => outcomes.push(o),
        fail: () => {
          client.destroy();
        },
      });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, outcomes, server };
}

let veil: CertificateAuthority;
let pki: CertificateAuthority;
const origins: TlsOrigin[] = [];
const servers: Server[] = [];

function inspectorWith(patch: Partial<InspectionSettings> = {}, refusals = new RefusalTracker(3)): Inspector {
  const settings = inspectionSettings.parse({ enabled: true, exclude: [], excludePrivateAddresses: false, ...patch });
  return {
    scope: new InspectionScope(settings, (h) => refusals.isPassedThrough(h)),
    issuer: createLeafIssuer(veil),
    anchors: originTrustAnchors([pki.certPem], veil.certPem),
    refusals,
    onOriginCertError: settings.onOriginCertError,
    handshakeTimeoutMs: 5000,
  };
}

async function front(inspector: Inspector) {
  const f = await startFront(inspector);
  servers.push(f.server);
  return f;
}

async function origin(cert: { cert: string; key: string }): Promise<number> {
  const o = await startTlsOrigin(cert);
  origins.push(o);
  return o.port;
}

let goodPort: number;
beforeAll(async () => {
  [veil, pki] = await Promise.all([testCa(), testCa()]);
  goodPort = await origin(await serverCert(pki, '127.0.0.1'));
});
afterAll(async () => {
  for (const s of servers) s.close();
  await Promise.all(origins.map((o) => o.close()));
});

const issuerCn = (s: TLSSocket): string => String(s.getPeerCertificate().issuer.CN);

describe('an inspected tunnel (TLS termination)', () => {
  it('answers with a Veil leaf for the CONNECT host after verifying the origin, and relays inside', async () => {
    const inspector = inspectorWith();
    const f = await front(inspector);
    const s = await tlsThrough(f.port, `127.0.0.1:${goodPort}`, { ca: veil.certPem, ALPNProtocols: ['http/1.1'] });
    expect(s.authorized).toBe(true);
    expect(issuerCn(s)).toBe('Veil local inspection CA');
    expect(s.getPeerCertificate().subjectaltname).toBe('IP Address:127.0.0.1');
    expect(s.alpnProtocol).toBe('http/1.1');
    const answer = await getOver(s, '127.0.0.1');
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(answer).toContain('"httpVersion":"1.1"');
    expect(f.outcomes).toEqual([{ mode: 'inspected', protocol: 'http/1.1' }]);
  });

  it('finishes the client’s handshake with the protocol the origin chose (h2)', async () => {
    const f = await front(inspectorWith());
    const raw = await openConnect(f.port, `127.0.0.1:${goodPort}`);
    const session = h2connect(`https://127.0.0.1:${goodPort}`, {
      createConnection: () => tlsWrap(raw),
      ca: veil.certPem,
    });
    const req = session.request({ ':path': '/h2' });
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    await once(req, 'end');
    session.close();
    expect(JSON.parse(body)).toMatchObject({ url: '/h2', httpVersion: '2.0' });
    expect(f.outcomes).toEqual([{ mode: 'inspected', protocol: 'h2' }]);
  });

  const faults: Array<[string, () => Promise<{ cert: string; key: string }>, string]> = [
    ['expired', () => serverCert(pki, '127.0.0.1', 100), 'expired'],
    ['for another host', () => serverCert(pki, 'other.test'), 'wrong-host'],
    ['self-signed', () => selfSigned(), 'self-signed'],
    ['from an unknown CA', async () => serverCert(await testCa(), '127.0.0.1'), 'unknown-authority'],
    ['signed by Veil’s own CA', () => serverCert(veil, '127.0.0.1'), 'unknown-authority'],
  ];
  for (const [what, make, fault] of faults) {
    it(`passes a client through untouched when the origin certificate is ${what}: it sees the origin’s own`, async () => {
      const cert = await make();
      const port = await origin(cert);
      const f = await front(inspectorWith());
      const s = await tlsThrough(f.port, `127.0.0.1:${port}`, { rejectUnauthorized: false });
      const seen = s.getPeerCertificate().raw;
      expect(new X509Certificate(cert.cert).raw.equals(seen)).toBe(true);
      s.destroy();
      expect(f.outcomes).toEqual([
        { mode: 'passed-through', reason: 'origin-certificate', fault, answer: 'origin-certificate' },
      ]);
    });
  }

  it('with onOriginCertError: error-page, answers 502 with a page naming the problem', async () => {
    const port = await origin(await serverCert(pki, '127.0.0.1', 100));
    const f = await front(inspectorWith({ onOriginCertError: 'error-page' }));
    const s = await tlsThrough(f.port, `127.0.0.1:${port}`, { ca: veil.certPem });
    const answer = await getOver(s, '127.0.0.1');
    expect(answer).toMatch(/^HTTP\/1\.1 502/);
    expect(answer).toContain('127.0.0.1 could not be verified: its certificate has expired.');
    expect(f.outcomes).toEqual([
      { mode: 'passed-through', reason: 'origin-certificate', fault: 'expired', answer: 'error-page' },
    ]);
  });

  it('tunnels an excluded host blind: the client sees the origin’s own certificate', async () => {
    const f = await front(inspectorWith({ exclude: ['127.0.0.1'] }));
    const s = await tlsThrough(f.port, `127.0.0.1:${goodPort}`, { ca: pki.certPem });
    expect(issuerCn(s)).toBe('Veil local inspection CA'); // the test PKI's CA has the same generic name…
    expect(s.getPeerCertificate().fingerprint256).not.toBe(
      (
        await tlsThrough((await front(inspectorWith())).port, `127.0.0.1:${goodPort}`, { ca: veil.certPem })
      ).getPeerCertificate().fingerprint256,
    );
    s.destroy();
    expect(f.outcomes).toEqual([{ mode: 'excluded', reason: '127.0.0.1' }]);
  });

  it('never mints for an SNI that disagrees with the CONNECT host', async () => {
    const inspector = inspectorWith();
    const f = await front(inspector);
    const s = await tlsThrough(f.port, `127.0.0.1:${goodPort}`, { servername: 'b.test', rejectUnauthorized: false });
    expect(s.getPeerCertificate().subjectaltname).toBe('IP Address:127.0.0.1');
    expect(s.getPeerCertificate().fingerprint256).not.toBe('');
    s.destroy();
    expect(inspector.issuer.minted).toBe(0);
    expect(f.outcomes).toEqual([{ mode: 'passed-through', reason: 'sni-mismatch' }]);
  });

  it('mints once for 50 concurrent first connections to a host', async () => {
    const inspector = inspectorWith();
    const f = await front(inspector);
    const sockets = await Promise.all(
      Array.from({ length: 50 }, () => tlsThrough(f.port, `127.0.0.1:${goodPort}`, { ca: veil.certPem })),
    );
    expect(sockets.every((s) => s.authorized)).toBe(true);
    expect(inspector.issuer.minted).toBe(1);
    for (const s of sockets) s.destroy();
  });

  it('passes a host through after its client refused Veil’s certificate three times', async () => {
    const refusals = new RefusalTracker(3);
    const f = await front(inspectorWith({}, refusals));
    for (let i = 0; i < 3; i++) {
      // trusts only the origin's PKI, as a pinned app would: it refuses Veil's leaf with an alert
      const err = await tlsThrough(f.port, `127.0.0.1:${goodPort}`, { ca: pki.certPem }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(refusals.list().map((h) => h.host)).toEqual(['127.0.0.1']);
    const s = await tlsThrough(f.port, `127.0.0.1:${goodPort}`, { ca: pki.certPem });
    expect(s.authorized).toBe(true);
    s.destroy();
    expect(f.outcomes.at(-1)).toEqual({ mode: 'passed-through', reason: 'refused-certificate' });
  });
});

function tlsWrap(raw: Socket) {
  return tlsConnect({ socket: raw, host: '127.0.0.1', ALPNProtocols: ['h2'], ca: veil.certPem });
}
