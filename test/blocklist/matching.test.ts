import { describe, expect, it } from 'vitest';
import { compileList } from '../../proxy-core/src/blocklist/compile-list.js';
import { HostKey, HostTable } from '../../proxy-core/src/blocklist/host-table.js';
import { matchRequestFor, matchRequestFromFacts } from '../../proxy-core/src/blocklist/match-request.js';
import { Matcher } from '../../proxy-core/src/blocklist/matcher.js';
import { compileUserRules, parseUserRules } from '../../proxy-core/src/blocklist/user-rules.js';
import type { RequestFacts } from '../../proxy-core/src/proxy/exchange-policy.js';

async function matcherFor(lists: Array<[string, string]>, allow: string[] = []): Promise<Matcher> {
  const compiled = [];
  for (const [name, text] of lists) compiled.push((await compileList(name, name, text, 'auto')).list);
  const userAllow = allow.length ? compileUserRules('user-allow', 'Your allow rules', allow, 'allow').list : null;
  return new Matcher(compiled, userAllow);
}

/** A plain HTTP request (URL known) from a page at `referer`. */
const http = (url: string, referer: string | null = null) => matchRequestFor(new URL(url).hostname, url, referer, null);
/** A CONNECT tunnel: only the host is known. */
const connect = (host: string) => matchRequestFor(host, null, null, null);

describe('host rules', () => {
  it('block the host and every subdomain, not look-alikes', async () => {
    const m = await matcherFor([['hosts', '0.0.0.0 tracker.example.com\n']]);
    expect(m.decide(connect('tracker.example.com')).decision).toBe('block');
    expect(m.decide(connect('a.b.tracker.example.com')).decision).toBe('block');
    expect(m.decide(connect('TRACKER.example.com.')).decision).toBe('block');
    expect(m.decide(connect('example.com')).decision).toBe('none');
    expect(m.decide(connect('nottracker.example.com')).decision).toBe('none');
    expect(m.decide(connect('tracker.example.com.evil.net')).decision).toBe('none');
  });

  it('`*.example.com` in a domain list covers the domain and its subdomains', async () => {
    const m = await matcherFor([['domains', '*.ads.example\nplain.example\n']]);
    expect(m.decide(connect('x.ads.example')).decision).toBe('block');
    expect(m.decide(connect('ads.example')).decision).toBe('block');
    expect(m.decide(connect('www.plain.example')).decision).toBe('block');
  });

  it('explain themselves: list, rule and line', async () => {
    const m = await matcherFor([['EasyList', '! comment\n[Adblock Plus 2.0]\n||ads.example.com^\n']]);
    const d = m.decide(connect('cdn.ads.example.com'));
    expect(d.block).toMatchObject({ listName: 'EasyList', rule: '||ads.example.com^', line: 3 });
  });

  it('see the request host as the engine has it: any case, a trailing dot, IPv6 brackets, Unicode', async () => {
    const m = await matcherFor([['hosts', '0.0.0.0 kelvin.example\n0.0.0.0 1.2.3.4\n0.0.0.0 a-b_c.example\n']]);
    expect(m.decide(connect('WWW.Kelvin.EXAMPLE.')).block).toMatchObject({ rule: 'kelvin.example', line: 1 });
    expect(m.decide(connect('[1.2.3.4]')).block).toMatchObject({ rule: '1.2.3.4', line: 2 });
    expect(m.decide(connect('x.A-B_C.example')).decision).toBe('block');
    // U+212A KELVIN SIGN lower-cases to an ASCII k: the same name as far as the lists go
    expect(m.decide(connect('\u212Aelvin.example')).block).toMatchObject({ rule: 'kelvin.example' });
    // a look-alike that stays non-ASCII is another name
    expect(m.decide(connect('kelvin.exämple')).decision).toBe('none');
    expect(m.decide(connect('kelvin.example.evil')).decision).toBe('none');
    expect(m.decide(connect('')).decision).toBe('none');
    expect(m.decide(connect('.')).decision).toBe('none');
  });

  it('name the shortest listed suffix when a host and its parent are both listed', async () => {
    const m = await matcherFor([['hosts', '0.0.0.0 ads.example.com\n0.0.0.0 example.com\n']]);
    expect(m.decide(connect('x.ads.example.com')).block).toMatchObject({ rule: 'example.com', line: 2 });
    expect(m.decide(connect('ads.example.com')).block).toMatchObject({ rule: 'example.com', line: 2 });
  });

  it('match hosts with many labels, and long names', async () => {
    const deep = Array.from({ length: 40 }, (_, i) => `l${i}`).join('.');
    const long = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.example`;
    const m = await matcherFor([['domains', `${deep}.example\n${long}\n`]]);
    expect(m.decide(connect(`x.${deep}.example`)).block).toMatchObject({ rule: `${deep}.example`, line: 1 });
    expect(m.decide(connect(`y.${long}`)).block).toMatchObject({ rule: long, line: 2 });
    expect(m.decide(connect(`${deep}.other`)).decision).toBe('none');
    expect(m.decide(connect(`${'z.'.repeat(200)}${long}`)).block).toMatchObject({ rule: long });
  });
});

describe('exceptions and allow rules', () => {
  it('an @@ exception in any list wins over a block rule in another', async () => {
    const m = await matcherFor([
      ['hosts', '0.0.0.0 example.com\n'],
      ['exceptions', '@@||good.example.com^\n'],
    ]);
    expect(m.decide(connect('bad.example.com')).decision).toBe('block');
    const d = m.decide(connect('www.good.example.com'));
    expect(d.decision).toBe('allow');
    expect(d.allow).toMatchObject({ listName: 'exceptions', rule: '@@||good.example.com^', line: 1 });
    expect(d.block?.rule).toBe('example.com');
  });

  it('$important beats list exceptions, but the user allow list beats everything', async () => {
    const lists: Array<[string, string]> = [['l', '||x.example^$important\n@@||x.example^\n']];
    expect((await matcherFor(lists)).decide(http('http://x.example/')).decision).toBe('block');
    const withUser = await matcherFor(lists, ['x.example']);
    const d = withUser.decide(http('http://x.example/'));
    expect(d.decision).toBe('allow');
    expect(d.allow).toMatchObject({ listName: 'Your allow rules', rule: 'x.example', line: 1 });
  });

  it('URL exceptions apply to plain HTTP only', async () => {
    const m = await matcherFor([['l', '||cdn.example^\n@@||cdn.example/lib/\n']]);
    expect(m.decide(http('http://cdn.example/lib/jquery.js')).decision).toBe('allow');
    expect(m.decide(http('http://cdn.example/ads/x.js')).decision).toBe('block');
    expect(m.decide(connect('cdn.example')).decision).toBe('block');
  });
});

describe('URL patterns', () => {
  it('match wildcards, separators and anchors in plain HTTP URLs, never CONNECT', async () => {
    const m = await matcherFor([
      [
        'l',
        '[Adblock Plus 2.0]\n||cdn.example.org/track/*.gif\n|http://collect.example.com/beacon?\n/analytics/tracker*.js|\n/pixel^\n',
      ],
    ]);
    expect(m.decide(http('http://img.cdn.example.org/track/a/b.gif')).decision).toBe('block');
    expect(m.decide(http('http://cdn.example.org/other/b.gif')).decision).toBe('none');
    expect(m.decide(http('http://collect.example.com/beacon?id=1')).decision).toBe('block');
    expect(m.decide(http('http://www.collect.example.com/beacon?id=1')).decision).toBe('none');
    expect(m.decide(http('http://site.example/analytics/tracker-v2.js')).decision).toBe('block');
    expect(m.decide(http('http://site.example/analytics/tracker-v2.js?x')).decision).toBe('none');
    expect(m.decide(http('http://site.example/pixel?x=1')).decision).toBe('block');
    expect(m.decide(http('http://site.example/pixels')).decision).toBe('none');
    expect(m.decide(connect('cdn.example.org')).decision).toBe('none');
    // tokens are read case-insensitively, as the patterns match
    expect(m.decide(http('http://SITE.example/Analytics/Tracker-V2.JS')).block?.rule).toBe('/analytics/tracker*.js|');
    expect(m.decide(http('http://site.example/x/PIXEL?a')).decision).toBe('block');
    expect(m.decide(http('http://site.example/analytics2/tracker-v2.js')).decision).toBe('none');
  });
});

describe('party and domain options', () => {
  it('$third-party needs a page on another site; CONNECT (party unknown) is not matched', async () => {
    const m = await matcherFor([['l', '||pixel.example.net^$third-party\n||self.example^$~third-party\n']]);
    expect(m.decide(http('http://pixel.example.net/p.gif', 'http://news.example/')).decision).toBe('block');
    expect(m.decide(http('http://pixel.example.net/p.gif', 'http://www.example.net/')).decision).toBe('none');
    expect(m.decide(http('http://pixel.example.net/p.gif')).decision).toBe('none');
    expect(m.decide(connect('pixel.example.net')).decision).toBe('none');
    expect(m.decide(http('http://self.example/', 'http://www.self.example/')).decision).toBe('block');
    expect(m.decide(http('http://self.example/', 'http://other.example/')).decision).toBe('none');
  });

  it('read Referer, Origin and Sec-Fetch-Site from the request the engine handles', async () => {
    const m = await matcherFor([['l', '||pixel.example.net^$third-party\n']]);
    const facts = (headers: string[], kind: RequestFacts['kind'] = 'http'): RequestFacts => ({
      kind,
      method: kind === 'connect' ? 'CONNECT' : 'GET',
      url: new URL(kind === 'connect' ? 'https://pixel.example.net:443/' : 'http://pixel.example.net/p.gif'),
      host: 'pixel.example.net',
      port: kind === 'connect' ? 443 : 80,
      clientAddress: '127.0.0.1',
      headers: ['Host', 'pixel.example.net', ...headers],
    });
    const decide = (f: RequestFacts) => m.decide(matchRequestFromFacts(f)).decision;
    expect(decide(facts(['REFERER', 'http://news.example/a.html']))).toBe('block');
    expect(decide(facts(['Origin', 'http://news.example']))).toBe('block');
    expect(decide(facts(['Referer', 'http://www.example.net/']))).toBe('none');
    expect(decide(facts(['Referer', 'http://www.example.net/', 'Sec-Fetch-Site', 'cross-site']))).toBe('block');
    expect(decide(facts(['Referer', 'http://news.example/', 'Sec-Fetch-Site', 'same-site']))).toBe('none');
    expect(decide(facts([]))).toBe('none');
    expect(decide(facts(['Referer', 'http://news.example/'], 'connect'))).toBe('none');
    const req = matchRequestFromFacts(facts(['Referer', 'not a url']));
    expect([req.pageHost, req.thirdParty, req.urlLower]).toEqual([null, false, 'http://pixel.example.net/p.gif']);
  });

  it('read the page host from a Referer as a URL parser does, remembered or not', () => {
    const page = (referer: string) => matchRequestFor('a.example', 'http://a.example/', referer, null).pageHost;
    for (let round = 0; round < 2; round++) {
      expect(page('http://News.Example:8080/a?b#c')).toBe('news.example');
      expect(page('HTTPS://user:pw@news.example/')).toBe('news.example');
      expect(page('http://news.example\\path')).toBe('news.example');
      expect(page('http://exa\tmple.com/')).toBe('example.com');
      expect(page('http://[::1]:8080/')).toBe('[::1]');
      expect(page('http://xn--mnchen-3ya.example/')).toBe('xn--mnchen-3ya.example');
      expect(page('http://münchen.example/')).toBe('xn--mnchen-3ya.example');
      expect(page('null')).toBeNull();
    }
  });

  it('Sec-Fetch-Site decides the party when present', () => {
    expect(matchRequestFor('a.example', 'http://a.example/', null, 'cross-site').thirdParty).toBe(true);
    expect(matchRequestFor('a.example', 'http://a.example/', 'http://b.example/', 'same-site').thirdParty).toBe(false);
  });

  it('domain= limits a rule to pages on those sites, ~ excludes', async () => {
    const m = await matcherFor([['l', '||x.example.com^$domain=news.example|~blog.news.example\n']]);
    expect(m.decide(http('http://x.example.com/', 'http://www.news.example/')).decision).toBe('block');
    expect(m.decide(http('http://x.example.com/', 'http://blog.news.example/')).decision).toBe('none');
    expect(m.decide(http('http://x.example.com/', 'http://other.example/')).decision).toBe('none');
  });
});

describe('user rules', () => {
  it('accept any syntax per line and report bad lines by number', () => {
    const { rules, errors } = parseUserRules(
      [
        'ads.example',
        '*.track.example',
        '||pix.example^',
        '0.0.0.0 h.example',
        '',
        '! note',
        'two words',
        'x.com##.ad',
      ],
      'block',
    );
    expect(rules).toHaveLength(4);
    expect(errors.map((e) => e.line)).toEqual([7, 8]);
    expect(errors[1]!.message).toMatch(/cosmetic/);
  });

  it('in the allow list every rule allows, with or without @@', () => {
    const { rules } = parseUserRules(['a.example', '||b.example^', '@@||c.example^'], 'allow');
    expect(rules.every((r) => r.action === 'allow')).toBe(true);
  });
});

describe('host table', () => {
  it('finds every one of many names and their subdomains, and nothing else', () => {
    const table = new HostTable();
    const n = 50_000;
    let added = 0;
    for (let i = 0; i < n; i++) if (table.add(`h${i}.d${i % 97}.example`, i + 1)) added++;
    expect(added).toBe(n);
    expect(table.add('h5.d5.example', 9)).toBe(false);
    expect(table.size).toBe(n);
    const wrong: number[] = [];
    for (let i = 0; i < n; i += 7) {
      const e = table.lookup(`sub.h${i}.d${i % 97}.example`);
      if (e < 0 || table.lineAt(e) !== i + 1 || table.hostAt(e) !== `h${i}.d${i % 97}.example`) wrong.push(i);
    }
    expect(wrong).toEqual([]);
    expect(table.lookup('h1.d2.example')).toBe(-1);
    expect(table.lookup('example')).toBe(-1);
  });

  it('answers the same with the fingerprint as with names compared, and keeps big line numbers', () => {
    const table = new HostTable();
    for (let i = 0; i < 20_000; i++) table.add(`n${i}.example`, 20_000_000 + i);
    const key = new HostKey();
    const differ: string[] = [];
    for (let i = 0; i < 40_000; i += 3) {
      const host = `X.N${i}.Example`;
      const exact = table.lookupKey(key.set(host), true);
      if (exact !== table.lookupKey(key, false)) differ.push(host);
      if (i < 20_000 && (exact < 0 || table.nameLength(exact) !== `n${i}.example`.length)) differ.push(host);
      if (i < 20_000 && table.lineAt(exact) !== 20_000_000 + i) differ.push(host);
      if (i >= 20_000 && exact >= 0) differ.push(host);
    }
    expect(differ).toEqual([]);
  });
});
