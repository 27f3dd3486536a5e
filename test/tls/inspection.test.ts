import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateAuthority } from '../../proxy-core/src/tls/certificate-authority.js';
import { type EchoOrigin, headerValue, startEchoOrigin, viaProxy } from '../privacy/harness.js';
import { getOver, tlsThrough } from './helpers/connect-client.js';
import { type InspectingVeil, startInspectingVeil } from './helpers/inspecting-veil.js';
import { selfSigned, serverCert, testCa } from './helpers/test-pki.js';
import { startTlsOrigin, type TlsOrigin } from './helpers/tls-origin.js';

const run = promisify(execFile);
// a real browser's full string: the standard profile reduces it to the same browser's reduced form
const CLIENT_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/150.0.7312.58 Safari/537.36';
const SENT = {
  'User-Agent': CLIENT_UA,
  Cookie: 'session=secret',
  Referer: 'https://www.news-site.com/article?id=7',
  'Sec-CH-UA': '"Chromium";v="120"',
  'X-Forwarded-For': '10.9.8.7',
  Accept: 'application/json',
};

/** The standard profile's visible effects, asserted the same way for plain HTTP and inside TLS. */
function expectScrubbed(headers: Array<[string, string]>): void {
  expect(headerValue(headers, 'x-forwarded-for')).toBeUndefined();
  expect(headerValue(headers, 'cookie')).toBeUndefined();
  expect(headerValue(headers, 'sec-ch-ua')).toBeUndefined();
  expect(headerValue(headers, 'user-agent')).toBeDefined();
  expect(headerValue(headers, 'user-agent')).not.toBe(CLIENT_UA);
  expect(headerValue(headers, 'user-agent')).toContain('Chrome/150.0.0.0');
  expect(headerValue(headers, 'sec-gpc')).toBe('1');
}

let pki: CertificateAuthority;
let origin: TlsOrigin;
let plain: EchoOrigin;
let veil: InspectingVeil;
const extraOrigins: TlsOrigin[] = [];
const extraVeils: InspectingVeil[] = [];

beforeAll(async () => {
  pki = await testCa();
  [origin, plain] = await Promise.all([
    startTlsOrigin({ ...(await serverCert(pki, '127.0.0.1')), h1Only: true }),
    startEchoOrigin(),
  ]);
  veil = await startInspectingVeil(pki.certPem, {}, { blocklists: { userBlock: ['||127.0.0.1^*/ads/'] } }, [
    origin.port,
  ]);
});
afterAll(async () => {
  await Promise.all([...extraVeils, veil].map((v) => v.stop()));
  await Promise.all([origin, ...extraOrigins].map((o) => o.close()));
  await plain.close();
});

async function curl(url: string, args: string[] = [], headers: Record<string, string> = SENT): Promise<string> {
  const h = Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  const { stdout } = await run('curl', [
    '-sS',
    '--proxy',
    `http://127.0.0.1:${veil.port}`,
    '--cacert',
    veil.caFile,
    ...h,
    ...args,
    url,
  ]);
  return stdout;
}

async function otherOrigin(cert: { cert: string; key: string }): Promise<TlsOrigin> {
  const o = await startTlsOrigin({ ...cert, h1Only: true });
  extraOrigins.push(o);
  await veil.allowPorts(o.port);
  return o;
}

async function otherVeil(inspection: Record<string, unknown>, ports: number[] = []): Promise<InspectingVeil> {
  const v = await startInspectingVeil(pki.certPem, inspection, {}, [origin.port, ...ports]);
  extraVeils.push(v);
  return v;
}

describe('HTTPS inspection through the engine', () => {
  it('scrubs headers inside TLS exactly as for plain HTTP (curl, Veil’s CA trusted)', async () => {
    const plainAnswer = await viaProxy(veil.port, `http://127.0.0.1:${plain.port}/plain`, SENT);
    expectScrubbed(plain.seen.at(-1)!.headers);
    expect(plainAnswer.status).toBe(200);

    const body = JSON.parse(await curl(`https://127.0.0.1:${origin.port}/inside?q=1`));
    expect(body.url).toBe('/inside?q=1');
    expectScrubbed(body.rawHeaders);
    const rec = await veil.record((r) => r.url === `https://127.0.0.1:${origin.port}/inside?q=1`);
    expect(rec.via).toBe('tls');
    expect(rec.status).toBe(200);
    expect(rec.receipt.map((e) => e.header.toLowerCase())).toEqual(expect.arrayContaining(['cookie', 'user-agent']));
    // the response's tracking cookie is handled as for plain HTTP too
    expect(rec.receipt.some((e) => e.direction === 'response' && e.header.toLowerCase() === 'set-cookie')).toBe(
      veil.records
        .find((r) => r.url.endsWith('/plain'))!
        .receipt.some((e) => e.direction === 'response' && e.header.toLowerCase() === 'set-cookie'),
    );
  });

  it('records the CONNECT as inspected, and the client saw Veil’s leaf for exactly the CONNECT host', async () => {
    const s = await tlsThrough(veil.port, `127.0.0.1:${origin.port}`, {
      ca: veil.caPem,
      ALPNProtocols: ['h2', 'http/1.1'],
    });
    expect(s.authorized).toBe(true);
    expect(s.getPeerCertificate().subjectaltname).toBe('IP Address:127.0.0.1');
    expect(s.getPeerCertificate().issuer.CN).toBe('Veil local inspection CA');
    expect(s.alpnProtocol).toBe('http/1.1');
    const answer = await getOver(s, `127.0.0.1:${origin.port}`, '/seen');
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    const connect = await veil.record((r) => r.kind === 'connect' && r.tunnel?.mode === 'inspected');
    expect(connect.tunnel).toEqual({ mode: 'inspected', protocol: 'http/1.1' });
  });

  it('curl --http2 works too (Veil answers with the protocol it speaks to the origin)', async () => {
    const out = await curl(`https://127.0.0.1:${origin.port}/h2-offered`, ['--http2', '-w', '\\n%{http_version}']);
    expect(out.trim().split('\n').at(-1)).toBe('1.1');
  });

  it('answers 421 to a request inside naming another host', async () => {
    const s = await tlsThrough(veil.port, `127.0.0.1:${origin.port}`, { ca: veil.caPem });
    const answer = await getOver(s, 'elsewhere.test', '/x');
    expect(answer).toMatch(/^HTTP\/1\.1 421/);
    expect(origin.seen.some((r) => r.url === '/x')).toBe(false);
  });

  it('blocklists see the full URL inside inspected HTTPS', async () => {
    const out = await curl(`https://127.0.0.1:${origin.port}/ads/banner.js`, ['-w', '\\n%{http_code}']);
    expect(out.trim().split('\n').at(-1)).toBe('403');
    expect(origin.seen.some((r) => r.url === '/ads/banner.js')).toBe(false);
    const rec = await veil.record((r) => r.url.endsWith('/ads/banner.js'));
    expect(rec.blocked?.rule).toBe('||127.0.0.1^*/ads/');
    // the explanation runs the same decision on the full https URL while inspection covers the host
    const explained = await veil.service.invoke('blocklist.test', {
      url: `https://127.0.0.1:${origin.port}/ads/banner.js`,
    });
    expect(explained.decision).toBe('block');
    expect(explained.explanation).toContain(`https://127.0.0.1:${origin.port}/ads/banner.js`);
  });

  it('caches inside TLS keyed by scheme and authority, never a private answer or one to Authorization', async () => {
    const count = (path: string): number => origin.seen.filter((r) => r.url === path).length;
    const plainHeaders = { Accept: 'application/json' };
    await curl(`https://127.0.0.1:${origin.port}/public-1`, [], plainHeaders);
    await curl(`https://127.0.0.1:${origin.port}/public-1`, [], plainHeaders);
    expect(count('/public-1')).toBe(1);
    const hit = await veil.record((r) => r.url === `https://127.0.0.1:${origin.port}/public-1` && r.cache === 'hit');
    expect(hit.via).toBe('tls');
    for (let i = 0; i < 2; i++) await curl(`https://127.0.0.1:${origin.port}/private-1`, [], plainHeaders);
    expect(count('/private-1')).toBe(2);
    const auth = { ...plainHeaders, Authorization: 'Bearer user-token' };
    for (let i = 0; i < 2; i++) await curl(`https://127.0.0.1:${origin.port}/public-auth`, [], auth);
    expect(count('/public-auth')).toBe(2);
  });

  it('relays wss inside an inspected tunnel, upgrade scrubbed and recorded', async () => {
    const { createServer } = await import('node:https');
    const { WebSocketServer, WebSocket } = await import('ws');
    const server = createServer(await serverCert(pki, '127.0.0.1'));
    const wss = new WebSocketServer({ server });
    let upgradeCookie: string | undefined = 'unset';
    wss.on('connection', (ws, req) => {
      upgradeCookie = req.headers.cookie;
      ws.on('message', (m) => ws.send(`echo:${m.toString()}`));
    });
    server.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as import('node:net').AddressInfo).port;
    await veil.allowPorts(port);
    const tls = await tlsThrough(veil.port, `127.0.0.1:${port}`, { ca: veil.caPem, ALPNProtocols: ['http/1.1'] });
    const ws = new WebSocket(`wss://127.0.0.1:${port}/chat`, {
      createConnection: () => tls,
      // a third-party socket, as a tracker's widget on a news page would open: its cookie goes, as for ws://
      headers: { Cookie: 'session=secret' },
      origin: 'https://www.news-site.com',
    });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send('hello');
    const reply = await new Promise<Buffer>((resolve) => ws.once('message', (data) => resolve(data as Buffer)));
    expect(reply.toString()).toBe('echo:hello');
    expect(upgradeCookie).toBeUndefined();
    ws.close();
    const rec = await veil.record((r) => r.kind === 'websocket' && r.url.includes(`:${port}/chat`));
    expect(rec.via).toBe('tls');
    expect(rec.status).toBe(101);
    for (const c of wss.clients) c.terminate();
    server.close();
  });

  const faults: Array<[string, () => Promise<{ cert: string; key: string }>, string]> = [
    ['expired', () => serverCert(pki, '127.0.0.1', 100), 'expired'],
    ['for another host', () => serverCert(pki, 'other.test'), 'wrong-host'],
    ['self-signed', () => selfSigned(), 'self-signed'],
    ['from an unknown CA', async () => serverCert(await testCa(), '127.0.0.1'), 'unknown-authority'],
  ];
  for (const [what, make, fault] of faults) {
    it(`never hides an origin certificate ${what}: the client sees the origin’s own`, async () => {
      const cert = await make();
      const bad = await otherOrigin(cert);
      const s = await tlsThrough(veil.port, `127.0.0.1:${bad.port}`, { rejectUnauthorized: false });
      expect(new X509Certificate(cert.cert).raw.equals(s.getPeerCertificate().raw)).toBe(true);
      s.destroy();
      const rec = await veil.record((r) => r.kind === 'connect' && r.url.endsWith(`:${bad.port}`) && !!r.tunnel);
      expect(rec.tunnel).toEqual({
        mode: 'passed-through',
        reason: 'origin-certificate',
        fault,
        answer: 'origin-certificate',
      });
    });
  }

  it('never accepts an origin certificate signed by Veil’s own CA', async () => {
    const ca = await (await import('../../proxy-core/src/tls/ca-store.js'))
      .createCaStore((await import('node:path')).dirname((await import('node:path')).dirname(veil.caFile)))
      .load();
    const cert = await serverCert(ca, '127.0.0.1');
    const bad = await otherOrigin(cert);
    const s = await tlsThrough(veil.port, `127.0.0.1:${bad.port}`, { rejectUnauthorized: false });
    expect(new X509Certificate(cert.cert).raw.equals(s.getPeerCertificate().raw)).toBe(true);
    s.destroy();
    const rec = await veil.record((r) => r.kind === 'connect' && r.url.endsWith(`:${bad.port}`) && !!r.tunnel);
    expect(rec.tunnel?.mode).toBe('passed-through');
  });

  it('with onOriginCertError: error-page, the client gets a 502 page naming the problem', async () => {
    const bad = await otherOrigin(await serverCert(pki, '127.0.0.1', 100));
    const v = await otherVeil({ onOriginCertError: 'error-page' }, [bad.port]);
    const s = await tlsThrough(v.port, `127.0.0.1:${bad.port}`, { ca: v.caPem });
    const answer = await getOver(s, `127.0.0.1:${bad.port}`);
    expect(answer).toMatch(/^HTTP\/1\.1 502/);
    expect(answer).toContain('127.0.0.1 could not be verified: its certificate has expired.');
    const rec = await v.record((r) => r.kind === 'connect' && !!r.tunnel);
    expect(rec.tunnel).toEqual({
      mode: 'passed-through',
      reason: 'origin-certificate',
      fault: 'expired',
      answer: 'error-page',
    });
  });

  it('tunnels an excluded host blind: the origin’s own certificate, recorded as excluded', async () => {
    const v = await otherVeil({ exclude: ['127.0.0.1'] });
    const s = await tlsThrough(v.port, `127.0.0.1:${origin.port}`, { ca: pki.certPem });
    expect(s.authorized).toBe(true);
    const seen = new X509Certificate(s.getPeerCertificate().raw);
    expect(seen.checkIssued(new X509Certificate(pki.certPem))).toBe(true);
    s.destroy();
    const rec = await v.record((r) => r.kind === 'connect');
    expect(rec.tunnel).toEqual({ mode: 'excluded', reason: '127.0.0.1' });
  });

  it('never mints for an SNI that disagrees with the CONNECT host', async () => {
    const s = await tlsThrough(veil.port, `127.0.0.1:${origin.port}`, {
      servername: 'b.test',
      rejectUnauthorized: false,
    });
    const seen = new X509Certificate(s.getPeerCertificate().raw);
    expect(seen.checkIssued(new X509Certificate(pki.certPem))).toBe(true);
    s.destroy();
    const rec = await veil.record((r) => r.kind === 'connect' && r.tunnel?.reason === 'sni-mismatch');
    expect(rec.tunnel?.mode).toBe('passed-through');
  });

  it('serves 50 concurrent first connections to a new host with one minted leaf', async () => {
    const fresh = await otherOrigin(await serverCert(pki, '127.0.0.1'));
    const v = await otherVeil({}, [fresh.port]);
    const answers = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const s = await tlsThrough(v.port, `127.0.0.1:${fresh.port}`, { ca: v.caPem });
        const serial = s.getPeerCertificate().serialNumber;
        return { serial, answer: await getOver(s, `127.0.0.1:${fresh.port}`, `/c${i}`) };
      }),
    );
    expect(answers.every((a) => a.answer.startsWith('HTTP/1.1 200'))).toBe(true);
    expect(new Set(answers.map((a) => a.serial)).size).toBe(1);
  }, 60_000);

  it('passes a host through after its client refused Veil’s certificate three times', async () => {
    const v = await otherVeil({});
    for (let i = 0; i < 3; i++) {
      // trusts only the origin's PKI, as a pinned app would
      await expect(tlsThrough(v.port, `127.0.0.1:${origin.port}`, { ca: pki.certPem })).rejects.toThrow();
      await new Promise((r) => setTimeout(r, 100));
    }
    const s = await tlsThrough(v.port, `127.0.0.1:${origin.port}`, { ca: pki.certPem });
    expect(s.authorized).toBe(true);
    s.destroy();
    const rec = await v.record((r) => r.kind === 'connect' && r.tunnel?.mode === 'passed-through');
    expect(rec.tunnel).toEqual({ mode: 'passed-through', reason: 'refused-certificate' });
    // the UI lists the host for review, and can send it back to inspection
    const state = await v.service.invoke('inspection.state');
    expect(state.active).toBe(true);
    expect(state.caFingerprint).toBe(new X509Certificate(v.caPem).fingerprint256);
    expect(state.refused.map((h) => h.host)).toEqual(['127.0.0.1']);
    expect((await v.service.invoke('inspection.forget', { host: '127.0.0.1' })).refused).toEqual([]);
  });
});
