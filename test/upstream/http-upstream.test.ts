import { describe, expect, it } from 'vitest';
import { CREDENTIALS_PLACEHOLDER } from '../../proxy-core/src/proxy/record-secrets.js';
import { headerValue, viaProxy } from '../privacy/harness.js';
import { getOver, openTunnel } from '../privacy/raw-client.js';
import { upstreamHarness } from './harness.js';
import { missing, startTinyproxy } from './servers.js';

const h = upstreamHarness();
const { cleanups } = h;

// a full build number and an old Windows: what the standard profile's reduction removes
const LEAKY_UA =
  'Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.205 Safari/537.36';
const REDUCED_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

describe('chaining through a second Veil with proxy authentication', () => {
  it('sends HTTP in absolute-form with Proxy-Authorization and tunnels with CONNECT', async () => {
    const second = await h.veil({ privacy: { profile: 'transparent' }, proxy: { proxyAuth: 'chain:pa55' } });
    const front = await h.veil({ upstream: { default: `http://chain:pa55@127.0.0.1:${second.port}` } });

    const atSecond = second.nextRecord();
    const atFront = front.nextRecord();
    const res = await viaProxy(front.port, `http://127.0.0.1:${h.origin.port}/chained?q=1`, {
      'User-Agent': LEAKY_UA,
      'X-Forwarded-For': '10.1.2.3',
    });
    expect(res.status).toBe(200);
    const seen = h.origin.seen.at(-1)!;
    expect(seen.url).toBe('/chained?q=1');
    expect(headerValue(seen.headers, 'x-forwarded-for')).toBeUndefined();
    // the front Veil's standard profile reduced it; the transparent second one passed it on as it got it
    expect(headerValue(seen.headers, 'user-agent')).toBe(REDUCED_UA);
    expect(headerValue(seen.headers, 'proxy-authorization')).toBeUndefined();
    const second1 = await atSecond;
    expect(second1.url).toBe(`http://127.0.0.1:${h.origin.port}/chained?q=1`);
    // the second Veil asks for credentials, so its 200 proves they arrived; its record never holds them
    expect(second1.status).toBe(200);
    expect(headerValue(second1.requestHeaders, 'proxy-authorization')).toBe(CREDENTIALS_PLACEHOLDER);
    expect(JSON.stringify(second1)).not.toContain(Buffer.from('chain:pa55').toString('base64'));
    expect((await atFront).route).toBe(`http://***@127.0.0.1:${second.port}`);

    const tunnelAtSecond = second.nextRecord();
    const tunnel = await openTunnel(front.port, `127.0.0.1:${h.origin.port}`, ['User-Agent: Leaky/1.0']);
    expect(tunnel.status).toBe(200);
    expect(await getOver(tunnel.socket, `127.0.0.1:${h.origin.port}`, '/chained-tunnel')).toMatch(/^HTTP\/1\.1 200/);
    const connectRecord = await tunnelAtSecond;
    expect(connectRecord.kind).toBe('connect');
    expect(connectRecord.requestHeaders.map(([n]) => n)).toEqual(['Host', 'Proxy-Authorization']);
  });

  it('a refused login on the upstream is a 502 naming it for tunnels (no direct attempt)', async () => {
    const second = await h.veil({ proxy: { proxyAuth: 'chain:pa55' } });
    const front = await h.veil({ upstream: { default: `http://chain:wrong@127.0.0.1:${second.port}` } });
    const tunnel = await openTunnel(front.port, `127.0.0.1:${h.origin.port}`);
    expect(tunnel.status).toBe(502);
    tunnel.socket.destroy();
    expect(tunnel.head).not.toContain('wrong');
    expect(h.origin.seen).toEqual([]);
  });

  it('a refused login on the upstream is a 502 naming it for plain HTTP, never a 407 to the client', async () => {
    const second = await h.veil({ proxy: { proxyAuth: 'chain:pa55' } });
    const front = await h.veil({ upstream: { default: `http://chain:wrong@127.0.0.1:${second.port}` } });
    const atFront = front.nextRecord();
    const res = await viaProxy(front.port, `http://127.0.0.1:${h.origin.port}/refused`);
    expect(res.status).toBe(502);
    // a 407 challenge would make the browser ask its user for a password Veil itself needs
    expect(headerValue(res.headers, 'proxy-authenticate')).toBeUndefined();
    expect(res.body).toContain(`http://***@127.0.0.1:${second.port}`);
    expect(res.body).toContain('refused Veil');
    expect(res.body).toContain('credentials (407)');
    expect(res.body).not.toContain('wrong');
    const record = await atFront;
    expect(record.error).toBe('E_UPSTREAM_PROXY');
    expect(record.status).toBe(502);
    expect(h.origin.seen).toEqual([]);
  });
});

const tinyproxyMissing = missing('/usr/bin/tinyproxy');
describe.skipIf(tinyproxyMissing)('chaining through tinyproxy', () => {
  if (tinyproxyMissing) console.warn(`skipping tinyproxy tests: ${tinyproxyMissing}`);

  it('carries HTTP and CONNECT', async () => {
    const tiny = await startTinyproxy();
    cleanups.push(() => tiny.stop());
    const front = await h.veil({ upstream: { default: `http://127.0.0.1:${tiny.port}` } });
    const res = await viaProxy(front.port, `http://127.0.0.1:${h.origin.port}/tiny`, {
      Cookie: 'a=1',
      Origin: 'https://x.example',
    });
    expect(res.status, tiny.output()).toBe(200);
    const seen = h.origin.seen.at(-1)!;
    expect(seen.url).toBe('/tiny');
    expect(headerValue(seen.headers, 'cookie')).toBeUndefined();
    const tunnel = await openTunnel(front.port, `127.0.0.1:${h.origin.port}`);
    expect(tunnel.status).toBe(200);
    expect(await getOver(tunnel.socket, `127.0.0.1:${h.origin.port}`, '/tiny-tunnel')).toMatch(/^HTTP\/1\.[01] 200/);
    expect(h.origin.seen.at(-1)!.url).toBe('/tiny-tunnel');
  });
});
