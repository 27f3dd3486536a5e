import { describe, expect, it } from 'vitest';
import { cookieAction, originOf, refererFor, sessionOnlyCookie } from '../../proxy-core/src/privacy/header-rules.js';
import { HostPatternMap } from '../../proxy-core/src/privacy/host-pattern.js';
import { partyOf, siteOf, splitUrl } from '../../proxy-core/src/privacy/site-of.js';

describe('host patterns', () => {
  it('prefers the exact host, then the longest wildcard, then *', () => {
    const m = new HostPatternMap<string>();
    m.add('*', 'any');
    m.add('*.example.com', 'wild');
    m.add('*.shop.example.com', 'shop');
    m.add('login.example.com', 'exact');
    expect(m.match('login.example.com')?.value).toBe('exact');
    expect(m.match('example.com')?.pattern).toBe('*.example.com');
    expect(m.match('a.b.example.com')?.value).toBe('wild');
    expect(m.match('cart.shop.example.com')?.value).toBe('shop');
    expect(m.match('Other.ORG.')?.value).toBe('any');
  });

  it('does not match a suffix that is not a whole label', () => {
    const m = new HostPatternMap<number>();
    m.add('*.example.com', 1);
    m.add('bank.com', 2);
    expect(m.match('badexample.com')).toBeUndefined();
    expect(m.match('www.bank.com')).toBeUndefined();
  });
});

describe('first and third party', () => {
  it('uses the registrable domain from the Public Suffix List, private section included', () => {
    expect(siteOf('a.b.example.co.uk')).toBe('example.co.uk');
    expect(siteOf('alice.github.io')).toBe('alice.github.io');
    expect(siteOf('127.0.0.1')).toBe('127.0.0.1');
  });

  it('compares the target with Origin, then Referer, then Sec-Fetch-Site', () => {
    expect(partyOf('cdn.example.com', ['Origin', 'https://www.example.com']).thirdParty).toBe(false);
    expect(partyOf('tracker.net', ['Origin', 'https://www.example.com']).thirdParty).toBe(true);
    expect(partyOf('tracker.net', ['Referer', 'https://news.example.com/a?b']).initiator).toBe('example.com');
    expect(partyOf('bob.github.io', ['Referer', 'https://alice.github.io/']).thirdParty).toBe(true);
    expect(partyOf('x.com', ['Sec-Fetch-Site', 'cross-site']).thirdParty).toBe(true);
    expect(partyOf('x.com', ['Origin', 'null']).thirdParty).toBe(true);
    expect(partyOf('x.com', []).thirdParty).toBe(false);
  });
});

describe('Referer', () => {
  it('keeps same-site, trims cross-site to the origin, removes under remove', () => {
    const ref = 'https://www.example.com/private/page?q=secret';
    expect(refererFor('origin-when-cross-site', ref, 'img.example.com').value).toBe(ref);
    expect(refererFor('origin-when-cross-site', ref, 'tracker.net').value).toBe('https://www.example.com/');
    expect(refererFor('remove', ref, 'img.example.com').value).toBeNull();
    expect(refererFor('keep', ref, 'tracker.net').value).toBe(ref);
    expect(originOf('http://a.test:8080/x')).toBe('http://a.test:8080/');
  });
});

describe('cookies', () => {
  it('decides by mode, party and the allow list', () => {
    expect(cookieAction('block-third-party', true, false)).toBe('remove');
    expect(cookieAction('block-third-party', false, false)).toBe('keep');
    expect(cookieAction('block', false, false)).toBe('remove');
    expect(cookieAction('block', true, true)).toBe('keep');
    expect(cookieAction('session-only', true, false)).toBe('session');
    expect(cookieAction('allow', true, false)).toBe('keep');
  });

  it('makes Set-Cookie session-only but leaves deletions alone', () => {
    expect(sessionOnlyCookie('a=1; Max-Age=3600; Path=/')).toBe('a=1; Path=/');
    expect(sessionOnlyCookie('a=1; Expires=Wed, 01 Jan 2999 00:00:00 GMT; Secure')).toBe('a=1; Secure');
    expect(sessionOnlyCookie('a=; Max-Age=0')).toBe('a=; Max-Age=0');
    expect(sessionOnlyCookie('a=; Expires=Thu, 01 Jan 1970 00:00:00 GMT')).toBe(
      'a=; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
    );
    expect(sessionOnlyCookie('a=1; Path=/')).toBe('a=1; Path=/');
  });
});

describe('URL pieces without a full parse', () => {
  it('finds host and origin like the URL parser does', () => {
    expect(splitUrl('https://user:pw@WWW.Example.com:8443/a?b#c')).toEqual({
      scheme: 'https',
      host: 'www.example.com',
      port: '8443',
    });
    expect(splitUrl('http://[::1]:8080/')).toEqual({ scheme: 'http', host: '::1', port: '8080' });
    expect(splitUrl('https://example.com')?.host).toBe('example.com');
    expect(splitUrl('/relative/path')).toBeNull();
    expect(splitUrl('not a url')).toBeNull();
    expect(originOf('https://a.example:443/x?y')).toBe('https://a.example/');
    expect(originOf('http://[::1]:8080/x')).toBe('http://[::1]:8080/');
    expect(originOf('https://u:p@a.example/x')).toBe('https://a.example/');
  });
});
