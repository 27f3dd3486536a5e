import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { downloadList } from '../../proxy-core/src/blocklist/list-download.js';
import { dnsFeature } from '../../proxy-core/src/control/features/dns-feature.js';
import { createDnsResolver, type ResolverConfig } from '../../proxy-core/src/dns/dns-resolver.js';
import { parseResolverUrl } from '../../proxy-core/src/dns/resolver-url.js';
import { type EchoOrigin, type RunningVeil, startEchoOrigin, startVeil, viaProxy } from '../privacy/harness.js';
import { startRecordingSocks } from '../upstream/servers.js';
import { resolverCert, startDohServer, startDotServer, type TestResolver, type Zone } from './resolver-servers.js';

const zone: Zone = {
  'only-private.veil-test': { A: ['127.0.0.1'], ttl: 300 },
  'dual.veil-test': { A: ['127.0.0.1'], AAAA: ['::1'], ttl: 300 },
  'upstream-proxy.veil-test': { A: ['127.0.0.1'] },
  'lists.veil-test': { A: ['127.0.0.1'] },
};

let doh: TestResolver;
let dot: TestResolver;
let origin: EchoOrigin;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  [doh, dot, origin] = await Promise.all([startDohServer(zone), startDotServer(zone), startEchoOrigin()]);
});
afterAll(async () => {
  await Promise.all([doh.close(), dot.close(), origin.close()]);
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  doh.seen.length = 0;
  dot.seen.length = 0;
  doh.failing = false;
  doh.closeAfter = null;
  dot.closeAfter = null;
  origin.seen.length = 0;
});

function server(r: TestResolver): { url: string; bootstrap: string[] } {
  return { url: r.url, bootstrap: ['127.0.0.1'] };
}

async function veil(dns: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<RunningVeil> {
  const v = await startVeil({ dns: { ca: resolverCert().caFile, ...dns }, ...extra }, [dnsFeature]);
  cleanups.push(() => v.stop());
  return v;
}

/** A TCP port that accepts and drops every connection, counting them: a resolver that is down. */
async function deadResolver(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let n = 0;
  const sockets = new Set<Socket>();
  const s: Server = createServer((sock) => {
    n++;
    sockets.add(sock);
    sock.destroy();
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return {
    port: (s.address() as AddressInfo).port,
    connections: () => n,
    close: () => new Promise<void>((r) => s.close(() => r())),
  };
}

function config(urls: Array<{ url: string; bootstrap: string[] }>, more: Partial<ResolverConfig> = {}): ResolverConfig {
  const ca = readFileSync(resolverCert().caFile, 'utf8');
  return {
    endpoints: urls.map((u) => ({ url: parseResolverUrl(u.url), bootstrap: u.bootstrap, ca })),
    fallback: 'none',
    rebindingAllow: null,
    ...more,
  };
}

describe('private DNS through Veil', () => {
  it.each(['doh', 'dot'] as const)('a name only the %s server knows reaches the origin', async (kind) => {
    const r = kind === 'doh' ? doh : dot;
    const v = await veil({ servers: [server(r)] });
    const res = await viaProxy(v.port, `http://only-private.veil-test:${origin.port}/hello`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).url).toBe('/hello');
    expect(r.seen.map((q) => q.name)).toContain('only-private.veil-test');
    expect(v.service.invoke('status.get')).resolves.toMatchObject({
      dns: { mode: 'private', fallbacks: 0, servers: [r.url] },
    });
  });

  it('DoH queries carry id 0, padding to 128 bytes, no client subnet and no User-Agent, on one HTTP/2 session', async () => {
    const before = doh.connections;
    const v = await veil({ servers: [server(doh)] });
    for (const name of ['only-private.veil-test', 'dual.veil-test', 'nope.veil-test']) {
      await viaProxy(v.port, `http://${name}:${origin.port}/`);
    }
    expect(doh.seen.length).toBeGreaterThanOrEqual(6); // A and AAAA for each name
    for (const q of doh.seen) {
      expect(q.id).toBe(0);
      expect(q.length % 128).toBe(0);
      expect(q.padded).not.toBeNull();
      expect(q.clientSubnet).toBe(false);
      expect(q.headers?.['user-agent']).toBeUndefined();
      expect(Object.keys(q.headers ?? {}).filter((h) => !h.startsWith(':'))).toEqual(
        expect.not.arrayContaining(['cookie', 'user-agent', 'x-forwarded-for']),
      );
    }
    expect(doh.connections - before).toBe(1);
  });

  it('DoT pipelines concurrent queries on one connection, each padded', async () => {
    const before = dot.connections;
    const resolver = createDnsResolver(config([server(dot)]));
    cleanups.push(() => resolver.close());
    const names = ['only-private.veil-test', 'dual.veil-test', 'lists.veil-test', 'upstream-proxy.veil-test'];
    const got = await Promise.all(names.map((n) => resolver.resolveOne(n)));
    expect(got).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1', '127.0.0.1']);
    expect(dot.connections - before).toBe(1);
    expect(dot.seen.length).toBe(8);
    for (const q of dot.seen) expect(q.length % 128).toBe(0);
  });

  it('resolvers down: 502 naming DNS, no fallback', async () => {
    const dead = await deadResolver();
    cleanups.push(dead.close);
    const v = await veil({
      servers: [{ url: `https://resolver.veil-test:${dead.port}/dns-query`, bootstrap: ['127.0.0.1'] }],
    });
    const res = await viaProxy(v.port, `http://only-private.veil-test:${origin.port}/`);
    expect(res.status).toBe(502);
    expect(res.body).toContain('Private DNS could not resolve only-private.veil-test');
    expect(res.body).toContain('does not fall back');
    expect(origin.seen.length).toBe(0);
  });

  it('SERVFAIL from every resolver is a 502 too', async () => {
    const v = await veil({ servers: [server(doh)] });
    doh.failing = true;
    const res = await viaProxy(v.port, `http://only-private.veil-test:${origin.port}/`);
    expect(res.status).toBe(502);
    expect(res.body).toContain('SERVFAIL');
  });

  it('a resolver whose certificate does not match its name is refused (502)', async () => {
    // the certificate names resolver.veil-test only; dialing it as 127.0.0.1 must fail verification
    const v = await veil({ servers: [{ url: `https://127.0.0.1:${doh.port}/dns-query`, bootstrap: [] }] });
    const res = await viaProxy(v.port, `http://only-private.veil-test:${origin.port}/`);
    expect(res.status).toBe(502);
    expect(res.body).toMatch(/Private DNS could not resolve.*(altnames|certificate|IP)/s);
    expect(doh.seen.length).toBe(0);
  });

  it('with fallback "system" a down resolver falls back to the system resolver, counted', async (ctx) => {
    const hostsName = readFileSync('/etc/hosts', 'utf8')
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .find((f) => f[0]?.startsWith('127.') && f[1] && f[1] !== 'localhost' && !f[1].endsWith('.localhost'))?.[1];
    if (!hostsName) {
      console.log('skipped: /etc/hosts has no loopback name besides localhost to fall back to');
      ctx.skip();
      return;
    }
    const dead = await deadResolver();
    cleanups.push(dead.close);
    const v = await veil({
      servers: [{ url: `tls://resolver.veil-test:${dead.port}`, bootstrap: ['127.0.0.1'] }],
      fallback: 'system',
    });
    const res = await viaProxy(v.port, `http://${hostsName}:${origin.port}/`);
    expect(res.status).toBe(200);
    const status = await v.service.invoke('status.get');
    expect(status.dns).toMatchObject({ mode: 'private', fallbacks: 1 });
    // loudly: a notice on Home naming what happened
    expect(status.notices.map((n) => n.code)).toContain('W_DNS_FALLBACK');
    // another origin port: a pooled connection would need no lookup
    const second = await startEchoOrigin();
    cleanups.push(() => second.close());
    expect((await viaProxy(v.port, `http://${hostsName}:${second.port}/again`)).status).toBe(200);
    const again = await v.service.invoke('status.get');
    expect(again.dns?.fallbacks).toBe(2);
    expect(again.notices.filter((n) => n.code === 'W_DNS_FALLBACK')).toHaveLength(1);
  });

  it("an HTTP upstream proxy's own host name is resolved privately", async () => {
    const upstream = await startVeil({});
    cleanups.push(() => upstream.stop());
    const v = await veil(
      { servers: [server(doh)] },
      { upstream: { default: `http://upstream-proxy.veil-test:${upstream.port}` } },
    );
    const res = await viaProxy(v.port, `http://127.0.0.1:${origin.port}/through`);
    expect(res.status).toBe(200);
    expect(doh.seen.map((q) => q.name)).toContain('upstream-proxy.veil-test');
  });

  it('a SOCKS route keeps sending the name to the SOCKS server: no private (or any) lookup for it', async () => {
    const socks = await startRecordingSocks({ 'socks-only.veil-test': origin.port });
    cleanups.push(() => socks.stop());
    const v = await veil({ servers: [server(doh)] }, { upstream: { default: `socks5://127.0.0.1:${socks.port}` } });
    const res = await viaProxy(v.port, `http://socks-only.veil-test:${origin.port}/`);
    expect(res.status).toBe(200);
    expect(socks.requests.map((r) => [r.atyp, r.address])).toEqual([[3, 'socks-only.veil-test']]);
    expect(doh.seen).toEqual([]);
  });

  it("a SOCKS proxy's own host name is resolved privately; the target name still goes to it", async () => {
    const socks = await startRecordingSocks({ 'socks-target.veil-test': origin.port });
    cleanups.push(() => socks.stop());
    const v = await veil(
      { servers: [server(doh)] },
      { upstream: { default: `socks5://upstream-proxy.veil-test:${socks.port}` } },
    );
    const res = await viaProxy(v.port, `http://socks-target.veil-test:${origin.port}/`);
    expect(res.status).toBe(200);
    expect(doh.seen.map((q) => q.name)).toContain('upstream-proxy.veil-test');
    expect(doh.seen.map((q) => q.name)).not.toContain('socks-target.veil-test');
    expect(socks.requests.map((r) => r.address)).toEqual(['socks-target.veil-test']);
  });

  it('blocklist downloads resolve the list server through the resolver', async () => {
    const resolver = createDnsResolver(config([server(doh)]));
    cleanups.push(() => resolver.close());
    const got = await downloadList(`http://lists.veil-test:${origin.port}/list.txt`, { lookup: resolver.lookup });
    expect(got.status).toBe('ok');
    expect(doh.seen.map((q) => q.name)).toContain('lists.veil-test');
  });

  it('failover: a failing server is set back for a while, then tried again', async () => {
    const dead = await deadResolver();
    cleanups.push(dead.close);
    let now = 1_000_000;
    const deadUrl = { url: `https://resolver.veil-test:${dead.port}/dns-query`, bootstrap: ['127.0.0.1'] };
    const resolver = createDnsResolver(config([deadUrl, server(doh)], { now: () => now }));
    cleanups.push(() => resolver.close());
    expect(await resolver.resolveOne('only-private.veil-test')).toBe('127.0.0.1');
    const triedDead = dead.connections();
    expect(triedDead).toBeGreaterThanOrEqual(1);
    expect(resolver.status().servers).toEqual([doh.url, deadUrl.url]);
    expect(await resolver.resolveOne('dual.veil-test')).toBe('127.0.0.1');
    expect(dead.connections()).toBe(triedDead);
    now += 31_000;
    expect(resolver.status().servers[0]).toBe(deadUrl.url);
    expect(await resolver.resolveOne('lists.veil-test')).toBe('127.0.0.1');
    expect(dead.connections()).toBeGreaterThan(triedDead);
  });

  it.each(['doh', 'dot'] as const)(
    'a %s server going away with a query in flight costs a retry, not a failure',
    async (kind) => {
      const r = kind === 'doh' ? doh : dot;
      r.closeAfter = 2;
      const before = r.connections;
      const resolver = createDnsResolver(config([server(r)]));
      cleanups.push(() => resolver.close());
      const got: string[] = [];
      // one lookup (A and AAAA) per connection: each next lookup meets a server going away
      for (const name of ['only-private.veil-test', 'dual.veil-test', 'lists.veil-test']) {
        got.push(await resolver.resolveOne(name));
      }
      expect(got).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
      expect(r.connections - before).toBeGreaterThan(1);
      // never set back: the server stayed first
      expect(resolver.status().servers).toEqual([r.url]);
    },
  );
});
