import dns from 'node:dns';
import { describe, expect, it } from 'vitest';
import { buildRoutes } from '../../proxy-core/src/control/features/routing-feature.js';
import { defaultSettings } from '../../proxy-core/src/control/settings-schema.js';
import { DestinationGuard } from '../../proxy-core/src/proxy/destination-guard.js';
import type { RequestFacts } from '../../proxy-core/src/proxy/exchange-policy.js';
import { createSocksUpstream } from '../../proxy-core/src/proxy/socks-upstream.js';
import { parseUpstreamUrl } from '../../proxy-core/src/proxy/upstream-url.js';
import { headerValue, startVeil, viaProxy } from '../privacy/harness.js';
import { getOver, openTunnel } from '../privacy/raw-client.js';
import { upstreamHarness } from './harness.js';
import {
  type ChildServer,
  DANTE_PASS,
  DANTE_USER,
  ensureDanteUser,
  missing,
  startDante,
  startMicrosocks,
  startRecordingSocks,
} from './servers.js';

const h = upstreamHarness();
const { cleanups } = h;

async function child(start: () => Promise<ChildServer>): Promise<ChildServer> {
  const c = await start();
  cleanups.push(() => c.stop());
  return c;
}

const microsocksMissing = missing('/usr/bin/microsocks');
const danteMissing = missing('/usr/sbin/danted');

describe.skipIf(microsocksMissing)('SOCKS5 through microsocks', () => {
  if (microsocksMissing) console.warn(`skipping microsocks tests: ${microsocksMissing}`);

  it('carries plain HTTP (scrubbed) and CONNECT tunnels; stopping it stops the traffic', async () => {
    const socks = await child(() => startMicrosocks());
    const v = await h.veil({ upstream: { default: `socks5://127.0.0.1:${socks.port}` } });
    const recorded = v.nextRecord();
    const res = await viaProxy(v.port, `http://127.0.0.1:${h.origin.port}/via-socks`, {
      'X-Forwarded-For': '10.1.2.3',
      Cookie: 'a=1',
      Referer: 'https://elsewhere.example/',
    });
    expect(res.status).toBe(200);
    const seen = h.origin.seen.at(-1)!;
    expect(seen.url).toBe('/via-socks');
    expect(headerValue(seen.headers, 'x-forwarded-for')).toBeUndefined();
    expect(headerValue(seen.headers, 'cookie')).toBeUndefined();
    expect((await recorded).route).toBe(`socks5://127.0.0.1:${socks.port}`);
    expect((await v.service.invoke('status.get')).upstream).toEqual({
      name: `socks5://127.0.0.1:${socks.port}`,
      reachable: true,
    });

    const tunnel = await openTunnel(v.port, `127.0.0.1:${h.origin.port}`);
    expect(tunnel.status).toBe(200);
    expect(await getOver(tunnel.socket, `127.0.0.1:${h.origin.port}`, '/tunnelled')).toMatch(/^HTTP\/1\.1 200/);
    expect(h.origin.seen.at(-1)!.url).toBe('/tunnelled');

    await socks.stop();
    const after = await viaProxy(v.port, `http://127.0.0.1:${h.origin.port}/after-stop`, {}, { agent: false });
    expect(after.status).toBe(502);
    expect(h.origin.seen.map((s) => s.url)).not.toContain('/after-stop');
  });
});

describe('no DNS lookup for the target through SOCKS', () => {
  it.each(['socks5', 'socks5h', 'socks'])(
    '%s:// sends the name to the SOCKS server (address type domain)',
    async (scheme) => {
      const socks = await startRecordingSocks({ 'secret-h.origin.veil-test': h.origin.port });
      cleanups.push(() => socks.stop());
      const v = await h.veil({ upstream: { default: `${scheme}://127.0.0.1:${socks.port}` } });
      const res = await viaProxy(v.port, `http://secret-h.origin.veil-test:${h.origin.port}/named`, {});
      expect(res.status).toBe(200);
      expect(headerValue(h.origin.seen.at(-1)!.headers, 'host')).toBe(`secret-h.origin.veil-test:${h.origin.port}`);
      const tunnel = await openTunnel(v.port, `secret-h.origin.veil-test:${h.origin.port}`);
      expect(tunnel.status).toBe(200);
      tunnel.socket.destroy();
      expect(socks.requests).toEqual([
        { atyp: 3, address: 'secret-h.origin.veil-test', port: h.origin.port },
        { atyp: 3, address: 'secret-h.origin.veil-test', port: h.origin.port },
      ]);
    },
  );

  it('with every built-in feature on, Veil never calls the resolver for the target', async () => {
    const socks = await startRecordingSocks({ 'counted.veil-test': h.origin.port });
    cleanups.push(() => socks.stop());
    const asked: string[] = [];
    const original = { lookup: dns.lookup, promisesLookup: dns.promises.lookup };
    // every resolver entry point net, http and dns/promises go through
    dns.lookup = ((host: string, ...rest: unknown[]) => {
      asked.push(host);
      return (original.lookup as (...a: unknown[]) => unknown)(host, ...rest);
    }) as typeof dns.lookup;
    dns.promises.lookup = ((host: string, ...rest: unknown[]) => {
      asked.push(host);
      return (original.promisesLookup as (...a: unknown[]) => unknown)(host, ...rest);
    }) as typeof dns.promises.lookup;
    cleanups.push(async () => {
      dns.lookup = original.lookup;
      dns.promises.lookup = original.promisesLookup;
    });
    const v = await startVeil(
      { proxy: { allowedConnectPorts: [h.origin.port] }, upstream: { default: `socks5://127.0.0.1:${socks.port}` } },
      'all',
    );
    cleanups.push(() => v.stop());
    for (let i = 0; i < 2; i++) {
      const res = await viaProxy(v.port, `http://counted.veil-test:${h.origin.port}/n${i}`, { Cookie: 'a=1' });
      expect(res.status).toBe(200);
    }
    const tunnel = await openTunnel(v.port, `counted.veil-test:${h.origin.port}`);
    expect(tunnel.status).toBe(200);
    tunnel.socket.destroy();
    expect(socks.requests.every((r) => r.atyp === 3 && r.address === 'counted.veil-test')).toBe(true);
    expect(asked.filter((h) => h.includes('veil-test'))).toEqual([]);
    // the counter does see lookups: asking for local resolution makes one (and this name has no local answer)
    expect((await v.service.invoke('settings.update', { patch: { upstream: { localDns: true } } })).ok).toBe(true);
    const local = await viaProxy(v.port, `http://counted.veil-test:${h.origin.port}/local`, {});
    expect(local.status).toBe(502);
    expect(asked.filter((h) => h.includes('veil-test'))).toEqual(['counted.veil-test']);
  });

  it('resolves locally only when asked (upstream.localDns), counting the lookups', async () => {
    const socks = await startRecordingSocks({});
    cleanups.push(() => socks.stop());
    const lookups: string[] = [];
    const lookup = async (host: string): Promise<string> => {
      lookups.push(host);
      return '127.0.0.1';
    };
    const url = parseUpstreamUrl(`socks5h://127.0.0.1:${socks.port}`);
    const remote = createSocksUpstream(url, { lookup });
    const viaName = await remote.connect('only-remote.veil-test', h.origin.port, 5000).catch((e: Error) => e);
    expect(viaName).toBeInstanceOf(Error); // the recording server does not know this name: it was sent as-is
    remote.close();
    expect(lookups).toEqual([]);
    const local = createSocksUpstream(url, { lookup, localDns: true });
    const { socket } = await local.connect('only-remote.veil-test', h.origin.port, 5000);
    socket.destroy();
    local.close();
    expect(lookups).toEqual(['only-remote.veil-test']);
    expect(socks.requests.map((r) => [r.atyp, r.address])).toEqual([
      [3, 'only-remote.veil-test'],
      [1, '127.0.0.1'],
    ]);
  });

  it('checks a locally resolved address when exposed: a name for loopback never reaches the SOCKS server', async () => {
    const socks = await startRecordingSocks({});
    cleanups.push(() => socks.stop());
    const settings = defaultSettings();
    const upstream = { ...settings.upstream, default: `socks5://127.0.0.1:${socks.port}`, localDns: true };
    // what an exposed engine (0.0.0.0, loopback destinations not allowed) tells the shared guard
    const guard = new DestinationGuard();
    guard.hold({}, true);
    const routes = buildRoutes(upstream, guard);
    const route = routes.router({ host: 'localhost', port: h.origin.port } as RequestFacts);
    const refused = await route.connect('localhost', h.origin.port, 5000).catch((e: Error & { code?: string }) => e);
    for (const u of routes.upstreams) u.close();
    expect((refused as Error & { code?: string }).code).toBe('E_DESTINATION_NOT_ALLOWED');
    expect(socks.requests).toEqual([]);
  });
});

describe.skipIf(microsocksMissing || danteMissing)('SOCKS5 username/password (dante)', () => {
  if (danteMissing) console.warn(`skipping dante tests: ${danteMissing}`);

  it('logs in with the URL credentials, refuses wrong ones with 502 naming the proxy, never shows the password', async (ctx) => {
    const cannot = ensureDanteUser();
    if (cannot) ctx.skip(cannot);
    const dante = await child(() => startDante());
    const good = await h.veil({
      upstream: { default: `socks5://${DANTE_USER}:${DANTE_PASS}@127.0.0.1:${dante.port}` },
    });
    const recorded = good.nextRecord();
    const ok = await viaProxy(good.port, `http://127.0.0.1:${h.origin.port}/with-login`, {});
    expect(ok.status, dante.output()).toBe(200);
    expect(h.origin.seen.at(-1)!.url).toBe('/with-login');
    const record = await recorded;
    expect(record.route).toBe(`socks5://***@127.0.0.1:${dante.port}`);
    const tunnel = await openTunnel(good.port, `127.0.0.1:${h.origin.port}`);
    expect(tunnel.status).toBe(200);
    tunnel.socket.destroy();

    const bad = await h.veil({
      upstream: { default: `socks5://${DANTE_USER}:wrong-password@127.0.0.1:${dante.port}` },
    });
    const badRecord = bad.nextRecord();
    const refused = await viaProxy(bad.port, `http://127.0.0.1:${h.origin.port}/bad-login`, {});
    expect(refused.status).toBe(502);
    expect(refused.body).toContain(`socks5://***@127.0.0.1:${dante.port}`);
    expect(refused.body).toContain('credentials');
    expect(refused.body).not.toContain('wrong-password');
    expect((await badRecord).error).toBe('E_UPSTREAM_PROXY');
    expect(h.origin.seen.map((s) => s.url)).not.toContain('/bad-login');

    const test = await good.service.invoke('upstream.test', {
      url: `socks5://${DANTE_USER}:${DANTE_PASS}@127.0.0.1:${dante.port}`,
    });
    expect(test).toMatchObject({ ok: true, name: `socks5://***@127.0.0.1:${dante.port}` });
    const wrong = await good.service.invoke('upstream.test', {
      url: `socks5://${DANTE_USER}:nope@127.0.0.1:${dante.port}`,
    });
    expect(wrong.ok).toBe(false);
    expect(wrong.error).toMatch(/refused the user name or password/);
  });
});
