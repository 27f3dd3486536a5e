import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FORWARDING_HEADERS } from '../../proxy-core/src/privacy/built-in-profiles.js';
import type { ExchangeRecord } from '../../proxy-core/src/proxy/exchange-record.js';
import { shortHash } from '../../proxy-core/src/proxy/record-secrets.js';
import {
  type EchoOrigin,
  headerValue,
  names,
  type RunningVeil,
  type Seen,
  startEchoOrigin,
  startVeil,
  viaProxy,
} from './harness.js';

/** Standard keeps the browser (Firefox) and its major version (128); the distro token that tells the user apart goes. */
const REDUCED_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const CLIENT_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0 MyDistro/7';

/** A request as identifying as a client can make it: every forwarding header, hints, cookies, From, DNT. */
function identifyingHeaders(referer: string): string[] {
  const out = [
    'User-Agent',
    CLIENT_UA,
    'Accept',
    '*/*',
    'Accept-Language',
    'de-CH,de;q=0.9,fr;q=0.5',
    'Cookie',
    'uid=42',
    'Referer',
    referer,
    'Sec-CH-UA',
    '"Chromium";v="142"',
    'Sec-CH-UA-Platform',
    '"Linux"',
    'From',
    'me@example.org',
    'DNT',
    '1',
    'If-None-Match',
    '"v0"',
  ];
  for (const h of FORWARDING_HEADERS) out.push(h, '10.1.2.3');
  return out;
}

/** Receipt entries as short sorted strings: `request removed Cookie standard/cookies`. */
function receiptLines(r: ExchangeRecord): string[] {
  return r.receipt.map((e) => `${e.direction} ${e.action} ${e.header} ${e.rule}`).sort();
}

/** What the origin got, without the hop-by-hop Connection the engine adds for its own pool. */
function arrived(seen: Seen): string[] {
  return names(seen.headers).filter((n) => n !== 'connection');
}

const THIRD_PARTY_REFERER = 'https://www.news-site.com/article?id=7';
const forwardingRemoved = (rule: string): string[] => FORWARDING_HEADERS.map((h) => `request removed ${h} ${rule}`);

let origin: EchoOrigin;
let veil: RunningVeil | undefined;

beforeAll(async () => {
  origin = await startEchoOrigin();
});
afterAll(async () => {
  await origin.close();
});
afterEach(async () => {
  await veil?.stop();
  veil = undefined;
  origin.seen.length = 0;
});

async function exchange(
  settings: Record<string, unknown>,
  host: string,
  referer: string,
): Promise<{ seen: Seen; record: ExchangeRecord; response: Awaited<ReturnType<typeof viaProxy>> }> {
  veil = await startVeil(settings);
  const recorded = veil.nextRecord();
  const response = await viaProxy(veil.port, `http://${host}:${origin.port}/page?x=1`, identifyingHeaders(referer));
  expect(response.status).toBe(200);
  return { seen: origin.seen.at(-1)!, record: await recorded, response };
}

describe('transparent', () => {
  it('forwards every header unchanged and removes nothing from the response', async () => {
    const { seen, record, response } = await exchange(
      { privacy: { profile: 'transparent' } },
      '127.0.0.1',
      THIRD_PARTY_REFERER,
    );
    const sent = identifyingHeaders(THIRD_PARTY_REFERER);
    const expected: Array<[string, string]> = [['Host', `127.0.0.1:${origin.port}`]];
    for (let i = 0; i < sent.length; i += 2) expected.push([sent[i]!, sent[i + 1]!]);
    expect(seen.headers.filter(([n]) => n.toLowerCase() !== 'connection')).toEqual(expected);
    expect(record.receipt).toEqual([]);
    expect(record.profile).toBe('transparent');
    expect(response.headers.filter(([n]) => n.toLowerCase() === 'set-cookie')).toHaveLength(2);
  });
});

describe('standard', () => {
  it('scrubs a third-party request: forwarding headers, UA, hints, cookies both ways, Referer to origin, GPC', async () => {
    const { seen, record, response } = await exchange({}, '127.0.0.1', THIRD_PARTY_REFERER);
    expect(arrived(seen)).toEqual([
      'host',
      'user-agent',
      'accept',
      'accept-language',
      'referer',
      'from',
      'dnt',
      'if-none-match',
      'sec-gpc',
    ]);
    expect(headerValue(seen.headers, 'user-agent')).toBe(REDUCED_UA);
    expect(headerValue(seen.headers, 'referer')).toBe('https://www.news-site.com/');
    expect(headerValue(seen.headers, 'accept-language')).toBe('de-CH,de;q=0.9,fr;q=0.5');
    expect(headerValue(seen.headers, 'sec-gpc')).toBe('1');
    for (const [, v] of seen.headers) expect(v).not.toContain('10.1.2.3');
    expect(response.headers.some(([n]) => n.toLowerCase() === 'set-cookie')).toBe(false);
    expect(record.profile).toBe('standard');
    expect(receiptLines(record)).toEqual(
      [
        ...forwardingRemoved('standard/forwarding-headers'),
        'request replaced User-Agent standard/user-agent',
        'request removed Sec-CH-UA standard/client-hints',
        'request removed Sec-CH-UA-Platform standard/client-hints',
        'request removed Cookie standard/cookies',
        'request replaced Referer standard/referer',
        'request added Sec-GPC standard/gpc',
        'response removed Set-Cookie standard/cookies',
        'response removed Set-Cookie standard/cookies',
      ].sort(),
    );
    const ua = record.receipt.find((e) => e.header === 'User-Agent')!;
    expect(ua).toMatchObject({ oldLength: CLIENT_UA.length, oldHash: shortHash(CLIENT_UA), newValue: REDUCED_UA });
    expect(ua.oldValue).toBeUndefined();
  });

  it('keeps first-party cookies and a same-site Referer', async () => {
    const referer = 'http://localhost/inbox?folder=1';
    const { seen, record, response } = await exchange({}, 'localhost', referer);
    expect(headerValue(seen.headers, 'cookie')).toBe('uid=42');
    expect(headerValue(seen.headers, 'referer')).toBe(referer);
    expect(response.headers.filter(([n]) => n.toLowerCase() === 'set-cookie')).toHaveLength(2);
    expect(record.receipt.some((e) => e.header === 'Cookie' || e.header === 'Referer')).toBe(false);
  });
});

describe('strict', () => {
  it('also removes Referer, all cookies, From, DNT, third-party If-None-Match and normalizes Accept-Language', async () => {
    const { seen, record, response } = await exchange(
      { privacy: { profile: 'strict' } },
      '127.0.0.1',
      THIRD_PARTY_REFERER,
    );
    expect(arrived(seen)).toEqual(['host', 'user-agent', 'accept', 'accept-language', 'sec-gpc']);
    expect(headerValue(seen.headers, 'accept-language')).toBe('en-US,en;q=0.9');
    expect(response.headers.some(([n]) => n.toLowerCase() === 'set-cookie')).toBe(false);
    expect(receiptLines(record)).toEqual(
      [
        ...forwardingRemoved('strict/forwarding-headers'),
        'request replaced User-Agent strict/user-agent',
        'request replaced Accept-Language strict/accept-language',
        'request removed Sec-CH-UA strict/client-hints',
        'request removed Sec-CH-UA-Platform strict/client-hints',
        'request removed Cookie strict/cookies',
        'request removed Referer strict/referer',
        'request removed From strict/remove-headers',
        'request removed DNT strict/remove-headers',
        'request removed If-None-Match strict/third-party-etag',
        'request added Sec-GPC strict/gpc',
        'response removed Set-Cookie strict/cookies',
        'response removed Set-Cookie strict/cookies',
      ].sort(),
    );
  });

  it('removes first-party cookies too, except on sites in the cookie allow list', async () => {
    const first = await exchange({ privacy: { profile: 'strict' } }, 'localhost', 'http://localhost/');
    expect(headerValue(first.seen.headers, 'cookie')).toBeUndefined();
    await veil!.stop();
    veil = undefined;
    const allowed = await exchange(
      { privacy: { profile: 'strict', cookieAllowList: ['localhost'] } },
      'localhost',
      'http://localhost/',
    );
    expect(headerValue(allowed.seen.headers, 'cookie')).toBe('uid=42');
    expect(allowed.response.headers.filter(([n]) => n.toLowerCase() === 'set-cookie')).toHaveLength(2);
    expect(allowed.record.receipt.some((e) => e.header.toLowerCase().includes('cookie'))).toBe(false);
  });
});

describe('site rules', () => {
  it('applies the most specific rule: a profile for one site, overrides for another', async () => {
    veil = await startVeil({
      privacy: {
        profile: 'standard',
        siteRules: [
          { pattern: 'localhost', profile: 'transparent' },
          { pattern: '127.0.0.1', overrides: { userAgent: 'remove', cookies: 'session-only' } },
        ],
        extraForwardingHeaders: ['X-Corp-Client'],
      },
    });
    let recorded = veil.nextRecord();
    await viaProxy(veil.port, `http://localhost:${origin.port}/`, identifyingHeaders(THIRD_PARTY_REFERER));
    expect((await recorded).receipt).toEqual([]);
    expect(headerValue(origin.seen.at(-1)!.headers, 'x-forwarded-for')).toBe('10.1.2.3');

    recorded = veil.nextRecord();
    const res = await viaProxy(veil.port, `http://127.0.0.1:${origin.port}/`, [
      ...identifyingHeaders(THIRD_PARTY_REFERER),
      'X-Corp-Client',
      'laptop-42',
    ]);
    const seen = origin.seen.at(-1)!;
    const record = await recorded;
    expect(headerValue(seen.headers, 'user-agent')).toBeUndefined();
    expect(headerValue(seen.headers, 'x-corp-client')).toBeUndefined();
    expect(headerValue(seen.headers, 'cookie')).toBe('uid=42');
    const rules = new Map(record.receipt.map((e) => [e.header, e.rule]));
    expect(rules.get('User-Agent')).toBe('site:127.0.0.1/user-agent');
    expect(rules.get('X-Corp-Client')).toBe('standard/forwarding-headers');
    expect(rules.get('Set-Cookie')).toBe('site:127.0.0.1/cookies');
    const cookies = res.headers.filter(([n]) => n.toLowerCase() === 'set-cookie').map(([, v]) => v);
    expect(cookies).toEqual(['track=abc; Path=/', 'sess=1; Path=/; HttpOnly']);
  });

  it('explains which rule decides, through the privacy.explain command', async () => {
    veil = await startVeil({
      privacy: {
        siteRules: [{ pattern: '*.bank.example', profile: 'strict' }],
        cookieAllowList: ['login.bank.example'],
      },
    });
    const plain = await veil.service.invoke('privacy.explain', {
      url: 'https://ads.tracker.example/pixel',
      referer: 'https://news.example.org/a',
    });
    expect(plain.profile).toBe('standard');
    expect(plain.siteRule).toBeNull();
    expect(plain.why.join('\n')).toMatch(/Cookies: removed .*third party.*rule standard\/cookies/);
    expect(plain.why.join('\n')).toMatch(/Referer: trimmed to the origin .*rule standard\/referer/);
    expect(plain.why.join('\n')).toMatch(/HTTPS: through a plain CONNECT tunnel Veil sees only host and port/);
    const bank = await veil.service.invoke('privacy.explain', { url: 'http://login.bank.example/' });
    expect(bank.profile).toBe('strict');
    expect(bank.siteRule).toBe('*.bank.example');
    expect(bank.why.join('\n')).toMatch(/cookie allow list \(login\.bank\.example\)/);
  });
});
