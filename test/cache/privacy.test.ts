import { afterEach, describe, expect, it } from 'vitest';
import type { ExchangePolicy } from '../../proxy-core/src/proxy/exchange-policy.js';
import { removeHeader } from '../../proxy-core/src/proxy/header-list.js';
import { type Origin, startOrigin, startVeil, type Veil, viaVeil } from './cache-harness.js';

let origin: Origin;
let veil: Veil;

afterEach(async () => {
  await veil?.close();
  await origin?.close();
});

/** An origin whose Cache-Control comes from the `cc` query parameter, echoing whether it saw credentials. */
async function echoOrigin(extra: Record<string, string> = {}): Promise<void> {
  origin = await startOrigin((req, res) => {
    const cc = new URL(req.url ?? '/', 'http://x').searchParams.get('cc') ?? 'max-age=600';
    res.writeHead(200, { 'Cache-Control': cc, ...extra });
    res.end(`auth=${req.headers.authorization ?? '-'} #${origin.hits}`);
  });
}

describe('Authorization (RFC 9111 §3.5)', () => {
  it('does not store an authenticated response unless the origin allows sharing it', async () => {
    await echoOrigin();
    veil = await startVeil();
    const auth = { Authorization: 'Bearer alice' };
    const privateUrl = `${origin.base}/me?cc=max-age%3D600`;
    await viaVeil(veil, privateUrl, { headers: auth });
    const again = await viaVeil(veil, privateUrl, { headers: auth });
    expect(again.record.cache).toBe('uncacheable');
    expect(origin.hits).toBe(2);

    for (const cc of ['public, max-age=600', 's-maxage=600']) {
      const url = `${origin.base}/shared?cc=${encodeURIComponent(cc)}`;
      await viaVeil(veil, url, { headers: auth });
      const hit = await viaVeil(veil, url, { headers: auth });
      expect(hit.record.cache).toBe('hit');
    }
  });

  it('does not serve an entry stored without credentials to an authenticated request unless it is shareable', async () => {
    await echoOrigin();
    veil = await startVeil();
    const plain = `${origin.base}/page?cc=max-age%3D600`;
    await viaVeil(veil, plain);
    const authed = await viaVeil(veil, plain, { headers: { Authorization: 'Basic Ym9iOng=' } });
    expect(authed.record.cache).not.toBe('hit');
    expect(authed.body).toContain('auth=Basic');

    const open = `${origin.base}/page?cc=${encodeURIComponent('public, max-age=600')}`;
    await viaVeil(veil, open);
    const shared = await viaVeil(veil, open, { headers: { Authorization: 'Basic Ym9iOng=' } });
    expect(shared.record.cache).toBe('hit');
  });
});

describe('what an entry keeps of the request', () => {
  it('only the selecting headers, and credentials as digests', async () => {
    await echoOrigin({ Vary: 'Accept-Language, Cookie' });
    veil = await startVeil();
    const url = `${origin.base}/kept-fields`;
    await viaVeil(veil, url, { headers: { 'Accept-Language': 'nl', Cookie: 'sid=very-secret', 'X-Private': 'p' } });
    const [entry] = veil.cache.store.variants(url);
    const stored = JSON.stringify(entry);
    expect(stored).toContain('nl');
    expect(stored).not.toContain('very-secret');
    expect(stored).not.toContain('X-Private');
    expect(stored.toLowerCase()).not.toContain('x-private');
    for (let i = 0; i < 2; i++) {
      const hit = await viaVeil(veil, url, { headers: { 'Accept-Language': 'nl', Cookie: 'sid=very-secret' } });
      expect(hit.record.cache).toBe('hit');
    }
    const other = await viaVeil(veil, url, { headers: { 'Accept-Language': 'nl', Cookie: 'sid=someone-else' } });
    expect(other.record.cache).toBe('miss');
  });
});

describe('Set-Cookie and the cache', () => {
  const cookieHeaders = { 'Set-Cookie': 'session=abc123; Path=/' };

  it('transparent: keeps Set-Cookie in the stored response, and a request Cookie does not prevent reuse', async () => {
    await echoOrigin(cookieHeaders);
    veil = await startVeil();
    const url = `${origin.base}/with-cookie`;
    await viaVeil(veil, url, { headers: { Cookie: 'a=1' } });
    const hit = await viaVeil(veil, url, { headers: { Cookie: 'b=2' } });
    expect(hit.record.cache).toBe('hit');
    expect(hit.headers['set-cookie']).toEqual(['session=abc123; Path=/']);
  });

  it('privacy profiles: a cached answer never carries a cookie the profile removes', async () => {
    await echoOrigin(cookieHeaders);
    let blockCookies = true;
    const policy: ExchangePolicy = {
      rewriteResponse: (_f, _s, headers) =>
        blockCookies
          ? removeHeader(headers, 'set-cookie').map((oldValue) => ({
              direction: 'response' as const,
              action: 'removed' as const,
              header: 'Set-Cookie',
              oldValue,
              rule: 'test/block-cookies',
            }))
          : [],
    };
    veil = await startVeil({ policy });
    const url = `${origin.base}/tracked`;
    const first = await viaVeil(veil, url);
    expect(first.headers['set-cookie']).toBeUndefined();
    blockCookies = false;
    // even with the rule off now, the stored copy was filtered before it was kept
    const hit = await viaVeil(veil, url);
    expect(hit.record.cache).toBe('hit');
    expect(hit.headers['set-cookie']).toBeUndefined();
    expect(hit.rawHeaders.join('\n')).not.toContain('abc123');
  });

  it('a hit passes the response policy again, so a stricter rule applies to stored cookies too', async () => {
    await echoOrigin(cookieHeaders);
    let blockCookies = false;
    veil = await startVeil({
      policy: {
        rewriteResponse: (_f, _s, headers) => {
          if (blockCookies) removeHeader(headers, 'set-cookie');
          return [];
        },
      },
    });
    const url = `${origin.base}/later-strict`;
    expect((await viaVeil(veil, url)).headers['set-cookie']).toBeDefined();
    blockCookies = true;
    const hit = await viaVeil(veil, url);
    expect(hit.record.cache).toBe('hit');
    expect(hit.headers['set-cookie']).toBeUndefined();
  });

  it('runs the response policy on every hit, on its own copy of the stored headers', async () => {
    await echoOrigin(cookieHeaders);
    let blockCookies = false;
    veil = await startVeil({
      policy: {
        rewriteResponse: (_f, _s, headers) => {
          if (blockCookies) removeHeader(headers, 'set-cookie');
          return [];
        },
      },
    });
    const url = `${origin.base}/every-hit`;
    await viaVeil(veil, url);
    for (const block of [false, false, true, true, false]) {
      blockCookies = block;
      const hit = await viaVeil(veil, url);
      expect(hit.record.cache).toBe('hit');
      expect(hit.headers['set-cookie']).toEqual(block ? undefined : ['session=abc123; Path=/']);
    }
    expect(origin.hits).toBe(1);
  });

  it('listening beyond loopback: Set-Cookie responses are stored only when public', async () => {
    await echoOrigin(cookieHeaders);
    veil = await startVeil({ exposed: true });
    const personal = `${origin.base}/personal?cc=max-age%3D600`;
    await viaVeil(veil, personal);
    const again = await viaVeil(veil, personal);
    expect(again.record.cache).toBe('uncacheable');
    expect(origin.hits).toBe(2);

    const open = `${origin.base}/open?cc=${encodeURIComponent('public, max-age=600')}`;
    await viaVeil(veil, open);
    expect((await viaVeil(veil, open)).record.cache).toBe('hit');

    const noCookie = `${origin.base}/plain?cc=max-age%3D600`;
    origin.handler = (_req, res) => {
      res.writeHead(200, { 'Cache-Control': 'max-age=600' });
      res.end('no cookie');
    };
    await viaVeil(veil, noCookie);
    expect((await viaVeil(veil, noCookie)).record.cache).toBe('hit');
  });
});
