import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDirectUpstream } from '../../proxy-core/src/proxy/direct-upstream.js';
import type { ExchangePolicy } from '../../proxy-core/src/proxy/exchange-policy.js';
import { removeHeader, setHeader } from '../../proxy-core/src/proxy/header-list.js';
import { removedPlaceholder } from '../../proxy-core/src/proxy/record-secrets.js';
import type { Upstream } from '../../proxy-core/src/proxy/upstream.js';
import { viaProxy } from './helpers/client.js';
import { type Origin, startHttpOrigin } from './helpers/origins.js';
import { startProxy, type TestProxy } from './helpers/proxy.js';

describe('policy and router hooks', () => {
  let origin: Origin;
  let proxy: TestProxy;
  let base: string;

  beforeAll(async () => {
    origin = await startHttpOrigin((req, res) => {
      res.setHeader('Set-Cookie', 'track=1');
      res.setHeader('Content-Type', req.url?.endsWith('.exe') ? 'application/x-msdownload' : 'text/plain');
      res.end(JSON.stringify(req.rawHeaders));
    });
    proxy = await startProxy();
    base = `http://127.0.0.1:${origin.port}`;
  });

  afterAll(async () => {
    await proxy.close();
    await origin.close();
  });

  it('rewrites request and response headers and records the receipt', async () => {
    const policy: ExchangePolicy = {
      profileFor: () => 'strict',
      rewriteRequest(_facts, headers) {
        const removed = removeHeader(headers, 'cookie');
        setHeader(headers, 'User-Agent', 'Veil');
        return removed.map((oldValue) => ({
          direction: 'request' as const,
          action: 'removed' as const,
          header: 'Cookie',
          oldValue,
          rule: 'test/cookies',
        }));
      },
      rewriteResponse(_facts, _status, headers) {
        removeHeader(headers, 'set-cookie');
        return [];
      },
    };
    proxy.engine.setPolicy(policy);
    try {
      const res = await viaProxy(proxy.port, `${base}/rewrite`, { headers: { Cookie: 'id=42', 'User-Agent': 'curl' } });
      const sent = JSON.parse(res.body.toString()) as string[];
      expect(sent).not.toContain('Cookie');
      expect(sent[sent.indexOf('User-Agent') + 1]).toBe('Veil');
      expect(res.headers['set-cookie']).toBeUndefined();
      const rec = await proxy.nextRecord((r) => r.url.endsWith('/rewrite'));
      expect(rec.profile).toBe('strict');
      expect(rec.receipt).toHaveLength(1);
      // the client's header is listed, its removed value is not kept
      expect(rec.requestHeaders).toContainEqual(['Cookie', removedPlaceholder('id=42')]);
      expect(rec.forwardedRequestHeaders.map(([n]) => n)).not.toContain('Cookie');
    } finally {
      proxy.engine.setPolicy({});
    }
  });

  it('blocks requests with a 403 naming the rule, or a blank GIF for images, and forwards nothing', async () => {
    proxy.engine.setPolicy({
      checkRequest: (facts) =>
        facts.url.pathname.startsWith('/ads')
          ? { kind: 'blocklist', rule: '||ads^', list: 'Test list', line: 3 }
          : null,
    });
    try {
      const before = origin.seen.length;
      const page = await viaProxy(proxy.port, `${base}/ads/banner`);
      expect(page.status).toBe(403);
      expect(page.body.toString()).toContain('||ads^');
      expect(page.body.toString()).toContain('Test list');
      const image = await viaProxy(proxy.port, `${base}/ads/pixel`, { headers: { Accept: 'image/avif,image/*' } });
      expect(image.status).toBe(200);
      expect(image.headers['content-type']).toBe('image/gif');
      expect(origin.seen.length).toBe(before);
      const rec = await proxy.nextRecord((r) => r.url.endsWith('/ads/banner'));
      expect(rec.blocked?.rule).toBe('||ads^');
    } finally {
      proxy.engine.setPolicy({});
    }
  });

  it('blocks responses by their headers and relays none of the body', async () => {
    proxy.engine.setPolicy({
      checkResponse: (_facts, _status, headers) =>
        headers.some((h) => h === 'application/x-msdownload')
          ? { kind: 'content-filter', rule: 'type:exe', list: 'Content filter' }
          : null,
    });
    try {
      const res = await viaProxy(proxy.port, `${base}/setup.exe`);
      expect(res.status).toBe(403);
      expect(res.body.toString()).toContain('type:exe');
      const ok = await viaProxy(proxy.port, `${base}/readme.txt`);
      expect(ok.status).toBe(200);
    } finally {
      proxy.engine.setPolicy({});
    }
  });

  it('sends requests through the router picked for them', async () => {
    const direct = createDirectUpstream();
    const used: string[] = [];
    const counting: Upstream = {
      name: 'counting',
      httpTarget(host, port, path) {
        used.push(`${host}:${port}${path}`);
        return direct.httpTarget(host, port, path);
      },
      connect: (host, port, timeoutMs) => direct.connect(host, port, timeoutMs),
      close: () => direct.close(),
    };
    proxy.engine.setRouter(() => counting);
    try {
      const res = await viaProxy(proxy.port, `${base}/routed?x=1`);
      expect(res.status).toBe(200);
      expect(used).toEqual([`127.0.0.1:${origin.port}/routed?x=1`]);
      expect((await proxy.nextRecord((r) => r.url.endsWith('/routed?x=1'))).route).toBe('counting');
    } finally {
      proxy.engine.setRouter(() => createDirectUpstream());
      direct.close();
    }
  });

  it('answers 502 when the route fails instead of going direct', async () => {
    const failing: Upstream = {
      name: 'socks5h://127.0.0.1:1',
      httpTarget: (host, port, path) =>
        createDirectUpstream().httpTarget('127.0.0.1', 1, `http://${host}:${port}${path}`),
      connect: () => Promise.reject(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })),
      close: () => {},
    };
    proxy.engine.setRouter(() => failing);
    try {
      const before = origin.seen.length;
      const res = await viaProxy(proxy.port, `${base}/fail-closed`);
      expect(res.status).toBe(502);
      expect(origin.seen.length).toBe(before);
    } finally {
      proxy.engine.setRouter(() => createDirectUpstream());
    }
  });
});
