import { describe, expect, it } from 'vitest';
import { contentRange, ifRangeHolds, parseContentRange, resolveRange } from '../../proxy-core/src/cache/byte-ranges.js';
import { cacheControl, fieldNames } from '../../proxy-core/src/cache/cache-directives.js';
import { freshnessOf } from '../../proxy-core/src/cache/freshness.js';
import { updateHeaders } from '../../proxy-core/src/cache/header-update.js';
import { HitPlan } from '../../proxy-core/src/cache/hit-plan.js';
import { parseHttpDate } from '../../proxy-core/src/cache/http-date.js';
import { combinePartial } from '../../proxy-core/src/cache/partial-content.js';
import { requestDirectives, reuse } from '../../proxy-core/src/cache/reuse-decision.js';
import { storable } from '../../proxy-core/src/cache/store-verdict.js';
import type { StoredEntry } from '../../proxy-core/src/cache/stored-entry.js';
import { headDescribes, notModifiedSelects } from '../../proxy-core/src/cache/validators.js';
import { selectingValue } from '../../proxy-core/src/cache/vary-normalise.js';
import type { HeaderList } from '../../proxy-core/src/proxy/header-list.js';
import { manualClock } from './cache-harness.js';

const T0 = Date.UTC(2026, 11, 4, 12, 0, 0);
const D0 = 'Fri, 04 Dec 2026 12:00:00 GMT';

function entry(headers: HeaderList, status = 200, at = T0, bodyLength = 10): StoredEntry {
  return {
    key: 'http://a.test/',
    url: 'http://a.test/',
    host: 'a.test',
    vary: [],
    status,
    statusMessage: 'OK',
    headers,
    requestTime: at,
    responseTime: at,
    bodyLength,
    storedAt: at,
  };
}

const lookup = { url: 'http://a.test/', view: {}, conditionals: {}, authorized: false };
const limits = { maxEntryBytes: 1 << 20, exposed: false };
const fresh = (headers: HeaderList, status = 200) =>
  freshnessOf(status, headers, cacheControl(headers), T0, T0).lifetime;

describe('RFC 9110 §5.6.7 HTTP-date', () => {
  it('accepts IMF-fixdate and the two obsolete forms', () => {
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(Date.UTC(1994, 10, 6, 8, 49, 37));
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', T0)).toBe(Date.UTC(1994, 10, 6, 8, 49, 37));
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994')).toBe(Date.UTC(1994, 10, 6, 8, 49, 37));
    expect(parseHttpDate('Sun Nov 16 08:49:37 1994')).toBe(Date.UTC(1994, 10, 16, 8, 49, 37));
  });

  it('reads a two-digit RFC 850 year more than 50 years ahead as the past century', () => {
    expect(parseHttpDate('Thursday, 01-Jan-70 00:00:00 GMT', T0)).toBe(Date.UTC(2070, 0, 1));
    expect(parseHttpDate('Friday, 01-Jan-99 00:00:00 GMT', T0)).toBe(Date.UTC(1999, 0, 1));
  });

  it('refuses everything else: UTC, no comma, extra spaces, dashes, one-digit hour, 0, impossible days', () => {
    for (const bad of [
      'Sun, 06 Nov 1994 08:49:37 UTC',
      'Sun 06 Nov 1994 08:49:37 GMT',
      'Sun,  06 Nov 1994 08:49:37 GMT',
      'Sun, 06-Nov-1994 08:49:37 GMT',
      'Sun, 06 Nov 1994 8:49:37 GMT',
      '0',
      '-1',
      '2026-12-04T12:00:00Z',
      'Sun, 31 Feb 1994 08:49:37 GMT',
      'Sun, 06 Nov 1994 24:00:00 GMT',
      'sun, 06 nov 1994 08:49:37 gmt',
    ]) {
      expect(parseHttpDate(bad), bad).toBeNull();
    }
  });
});

describe('RFC 9111 §5.2 Cache-Control directives', () => {
  it('reads names case-insensitively, the first of repeated directives, and quoted lists', () => {
    const cc = cacheControl([
      'Cache-Control',
      'NO-CACHE="Set-Cookie, X-Secret", Max-Age=5',
      'cache-control',
      'max-age=99',
    ]);
    expect(cc.get('max-age')).toBe('5');
    expect(fieldNames(cc.get('no-cache'))).toEqual(['set-cookie', 'x-secret']);
    expect(fieldNames(cacheControl(['Cache-Control', 'private']).get('private'))).toBeNull();
  });

  it('§5.2.2.1 Max-Age counts whatever its case; §4.2.1 a malformed one makes the response stale', () => {
    expect(fresh(['Cache-Control', 'Max-Age=60', 'Date', D0])).toBe(60);
    expect(fresh(['Cache-Control', 'max-age=60.5', 'Date', D0, 'Last-Modified', 'Fri, 04 Dec 2026 02:00:00 GMT'])).toBe(
      0,
    );
  });
});

describe('RFC 9111 §4.2.1 freshness lifetime (shared cache)', () => {
  it('takes s-maxage over max-age over Expires', () => {
    expect(fresh(['Cache-Control', 's-maxage=5, max-age=50', 'Date', D0])).toBe(5);
    expect(fresh(['Cache-Control', 'max-age=50', 'Expires', 'Fri, 04 Dec 2026 13:00:00 GMT', 'Date', D0])).toBe(50);
    expect(fresh(['Expires', 'Fri, 04 Dec 2026 13:00:00 GMT', 'Date', D0])).toBe(3600);
  });

  it('§5.3: an invalid Expires means already expired, even with Last-Modified', () => {
    for (const bad of ['0', 'Fri, 04 Dec 2026 13:00:00 UTC', 'tomorrow']) {
      expect(fresh(['Expires', bad, 'Date', D0, 'Last-Modified', 'Fri, 04 Dec 2026 02:00:00 GMT']), bad).toBe(0);
    }
  });

  it('§4.2.2: a heuristic of 10% since Last-Modified, only for heuristically cacheable codes', () => {
    const headers = ['Date', D0, 'Last-Modified', 'Fri, 04 Dec 2026 02:00:00 GMT'];
    expect(fresh(headers, 200)).toBe(3600);
    expect(fresh(headers, 404)).toBe(3600);
    expect(fresh(headers, 302)).toBe(0);
    expect(fresh(headers, 500)).toBe(0);
  });
});

describe('RFC 9111 §4.2.3 age', () => {
  it('§5.1: an Age that is not a non-negative integer is ignored', () => {
    const age = (value: string) => freshnessOf(200, ['Date', D0, 'Age', value], cacheControl([]), T0, T0).initialAge;
    expect(age('7200')).toBe(7200);
    expect(age('7200.0')).toBe(0);
    expect(age('-5')).toBe(0);
    expect(age('1e3')).toBe(0);
  });

  it('counts the apparent age from Date, the response delay, and the time resident, on the manual clock', () => {
    const clock = manualClock(T0 + 30_000);
    const e = entry(['Date', D0, 'Cache-Control', 'max-age=100']);
    e.requestTime = T0 + 28_000;
    e.responseTime = T0 + 30_000;
    const plan = new HitPlan(e);
    expect(plan.age(clock.now())).toBe(30);
    clock.advance(69);
    expect(plan.fresh(clock.now())).toBe(true);
    clock.advance(1);
    expect(plan.fresh(clock.now())).toBe(false);
  });

  it('§4: serves the stored Date as stored, with Age, and never a Warning', () => {
    const clock = manualClock(T0);
    const plan = new HitPlan(entry(['Date', D0, 'Cache-Control', 'max-age=100', 'Age', '3']));
    clock.advance(10);
    const served = plan.servedAt(plan.age(clock.now()));
    expect(served).toEqual(['Date', D0, 'Cache-Control', 'max-age=100', 'Age', '13', 'Content-Length', '10']);
  });
});

describe('RFC 9111 §4.2.4, §5.2.1, §5.2.2 reuse', () => {
  const rules = (cc: string) => new HitPlan(entry(['Date', D0, 'Cache-Control', cc]));
  const req = (cc?: string) => requestDirectives(cc ? ['Cache-Control', cc] : []);

  it('§5.2.1: request max-age, min-fresh, max-stale and no-cache; §5.4 Pragma only without Cache-Control', () => {
    const r = rules('max-age=60');
    expect(reuse(r, 30, req())).toBe('fresh');
    expect(reuse(r, 30, req('max-age=10'))).toBe('revalidate');
    expect(reuse(r, 30, req('min-fresh=40'))).toBe('revalidate');
    expect(reuse(r, 70, req('max-stale=20'))).toBe('stale');
    expect(reuse(r, 70, req('max-stale'))).toBe('stale');
    expect(reuse(r, 70, req('max-stale=5'))).toBe('revalidate');
    expect(reuse(r, 30, req('NO-CACHE'))).toBe('revalidate');
    expect(reuse(r, 30, requestDirectives(['Pragma', 'no-cache']))).toBe('revalidate');
    expect(reuse(r, 30, requestDirectives(['Pragma', 'no-cache', 'Cache-Control', 'max-stale']))).toBe('fresh');
  });

  it('§5.2.2.2, §5.2.2.8, §5.2.2.10: must-revalidate, proxy-revalidate and s-maxage are never served stale', () => {
    for (const cc of ['max-age=60, must-revalidate', 'max-age=60, Proxy-Revalidate', 's-maxage=60']) {
      expect(reuse(rules(cc), 30, req('max-stale'))).toBe('fresh');
      expect(reuse(rules(cc), 70, req('max-stale'))).toBe('revalidate');
    }
  });

  it('RFC 5861 §3: stale-while-revalidate serves stale within its window, then revalidates', () => {
    const r = rules('max-age=60, stale-while-revalidate=30');
    expect(reuse(r, 80, req())).toBe('background');
    expect(reuse(r, 91, req())).toBe('revalidate');
    expect(reuse(rules('max-age=60, stale-while-revalidate=30, must-revalidate'), 80, req())).toBe('revalidate');
  });

  it('RFC 5861 §4: stale-if-error within its window, never with must-revalidate or no-cache', () => {
    expect(rules('max-age=60, stale-if-error=30').mayServeOnError(80)).toBe(true);
    expect(rules('max-age=60, stale-if-error=30').mayServeOnError(91)).toBe(false);
    expect(rules('max-age=60, stale-if-error=30, must-revalidate').mayServeOnError(80)).toBe(false);
    // RFC 9111 §4.2.4: no-cache forbids any use without validation, on error too
    expect(rules('max-age=60, stale-if-error=30, no-cache').mayServeOnError(10)).toBe(false);
  });

  it('§5.2.2.4: no-cache="field" withholds that field until revalidated; bare no-cache revalidates', () => {
    const r = new HitPlan(entry(['Date', D0, 'Cache-Control', 'max-age=60, no-cache="X-Secret"', 'X-Secret', 's']));
    expect(r.noCache).toBe(false);
    expect(r.servedAt(1)).not.toContain('X-Secret');
    expect(r.servedAt(1, true)).toContain('X-Secret');
    expect(rules('max-age=60, no-cache').noCache).toBe(true);
  });
});

describe('RFC 9111 §3 storing', () => {
  const verdict = (status: number, headers: HeaderList, q = lookup) => storable(q, status, headers, limits, T0);

  it('stores any final status with explicit freshness, and heuristically only the listed codes', () => {
    expect(verdict(500, ['Cache-Control', 'max-age=60'])).not.toBeNull();
    expect(verdict(302, ['Expires', 'Fri, 04 Dec 2026 13:00:00 GMT'])).not.toBeNull();
    expect(verdict(302, ['Last-Modified', 'Fri, 04 Dec 2026 02:00:00 GMT'])).toBeNull();
    expect(verdict(404, ['Last-Modified', 'Fri, 04 Dec 2026 02:00:00 GMT'])).not.toBeNull();
    expect(verdict(304, ['Cache-Control', 'max-age=60'])).toBeNull();
  });

  it('§5.2.2.3: must-understand stores understood codes despite no-store, and nothing else', () => {
    expect(verdict(200, ['Cache-Control', 'must-understand, no-store, max-age=60'])).not.toBeNull();
    expect(verdict(299, ['Cache-Control', 'must-understand, max-age=60'])).toBeNull();
    expect(verdict(200, ['Cache-Control', 'No-Store, max-age=60'])).toBeNull();
  });

  it('§5.2.2.7: a shared cache never stores private; private="field" stores without that field', () => {
    expect(verdict(200, ['Cache-Control', 'Private, max-age=60'])).toBeNull();
    const kept = verdict(200, ['Cache-Control', 'private="X-User", max-age=60', 'X-User', 'alice', 'X-Other', '1']);
    expect(kept?.headers).not.toContain('X-User');
    expect(kept?.headers).toContain('X-Other');
  });

  it('§5.2.2.7 beyond loopback: Set-Cookie keeps a response out unless public or withheld by private="Set-Cookie"', () => {
    const exposed = { ...limits, exposed: true };
    const cookie = ['Cache-Control', 'max-age=60', 'Set-Cookie', 'sid=1'];
    expect(storable(lookup, 200, cookie, exposed, T0)).toBeNull();
    const withheld = storable(
      lookup,
      200,
      ['Cache-Control', 'max-age=60, private="Set-Cookie"', 'Set-Cookie', 'sid=1'],
      exposed,
      T0,
    );
    expect(withheld?.headers).not.toContain('Set-Cookie');
  });

  it('§3.5: a response to an authenticated request only when it says it may be shared', () => {
    const authed = { ...lookup, authorized: true };
    expect(verdict(200, ['Cache-Control', 'max-age=60'], authed)).toBeNull();
    expect(verdict(200, ['Cache-Control', 'max-age=60, public'], authed)).not.toBeNull();
  });

  it('RFC 9110 §6.6.1: a response without Date is stored with the time it arrived', () => {
    expect(verdict(200, ['Cache-Control', 'max-age=60'])?.headers).toEqual(['Cache-Control', 'max-age=60', 'Date', D0]);
  });
});

describe('RFC 9111 §3.2, §4.3.4, §4.3.5 updating stored headers', () => {
  it('§3.2: a newer response replaces fields, except Content-Length, Content-Encoding and framing', () => {
    const stored = ['Content-Length', '10', 'Content-Encoding', 'gzip', 'ETag', '"1"', 'X-A', 'old', 'X-A', 'old2'];
    const newer = ['Content-Length', '0', 'Content-Encoding', 'br', 'X-A', 'new', 'Cache-Control', 'max-age=9'];
    expect(updateHeaders(stored, newer)).toEqual([
      'Content-Length',
      '10',
      'Content-Encoding',
      'gzip',
      'ETag',
      '"1"',
      'X-A',
      'new',
      'Cache-Control',
      'max-age=9',
    ]);
  });

  it('§4.3.4: a 304 selects the stored response by entity-tag (weak comparison) or Last-Modified', () => {
    expect(notModifiedSelects(['ETag', '"1"'], ['ETag', 'W/"1"'])).toBe(true);
    expect(notModifiedSelects(['ETag', '"1"'], ['ETag', '"2"'])).toBe(false);
    expect(notModifiedSelects(['Last-Modified', D0], ['Last-Modified', D0])).toBe(true);
    expect(notModifiedSelects(['Last-Modified', D0], ['Last-Modified', 'Fri, 04 Dec 2026 12:00:01 GMT'])).toBe(false);
  });

  it('§4.3.5: a HEAD describes the stored GET when validators, or else Content-Length, agree', () => {
    expect(headDescribes(['ETag', '"1"'], ['ETag', '"1"'])).toBe(true);
    expect(headDescribes(['ETag', '"1"'], ['ETag', '"2"'])).toBe(false);
    expect(headDescribes(['Content-Length', '10'], ['Content-Length', '10'])).toBe(true);
    expect(headDescribes(['Content-Length', '10'], ['Content-Length', '11'])).toBe(false);
  });
});

describe('RFC 9111 §4.1 Vary normalisation', () => {
  it('folds whitespace and field lines, case of case-insensitive fields, and list order by weight', () => {
    expect(selectingValue('accept-encoding', 'GZIP,br')).toBe(selectingValue('accept-encoding', 'gzip, br'));
    expect(selectingValue('accept-language', 'en;q=0.7, DA')).toBe(selectingValue('accept-language', 'da,en ; q=0.7'));
    expect(selectingValue('accept-language', 'da, en;q=1.0')).toBe(selectingValue('accept-language', 'da, en'));
    // equal weights keep their order: a client may mean it as a preference
    expect(selectingValue('accept-language', 'en, da')).not.toBe(selectingValue('accept-language', 'da, en'));
    // Accept: type, subtype and parameter names fold, parameter values keep their case
    expect(selectingValue('accept', 'Text/HTML;Level=1, */*;q=0.1')).toBe(
      selectingValue('accept', '*/*; q=0.1, text/html;level=1'),
    );
    expect(selectingValue('accept', 'text/html;charset=UTF-8')).not.toBe(
      selectingValue('accept', 'text/html;charset=utf-8'),
    );
    // a field Veil does not know keeps its case
    expect(selectingValue('x-mode', 'A')).not.toBe(selectingValue('x-mode', 'a'));
    expect(selectingValue('x-mode', undefined)).toBeNull();
  });
});

describe('RFC 9110 §14 ranges', () => {
  it('§14.1.2: single, open-ended and suffix ranges; unsatisfiable ones; several ranges are ignored', () => {
    expect(resolveRange('bytes=0-1', 10)).toEqual({ start: 0, end: 1 });
    expect(resolveRange('bytes=5-', 10)).toEqual({ start: 5, end: 9 });
    expect(resolveRange('bytes=-3', 10)).toEqual({ start: 7, end: 9 });
    expect(resolveRange('bytes=-30', 10)).toEqual({ start: 0, end: 9 });
    expect(resolveRange('bytes=8-100', 10)).toEqual({ start: 8, end: 9 });
    expect(resolveRange('bytes=10-', 10)).toBe('unsatisfiable');
    expect(resolveRange('bytes=-0', 10)).toBe('unsatisfiable');
    expect(resolveRange('bytes=0-1,4-5', 10)).toBe('ignore');
    expect(resolveRange('bytes=5-1', 10)).toBe('ignore');
    expect(resolveRange('items=0-1', 10)).toBe('ignore');
    expect(contentRange({ start: 7, end: 9 }, 10)).toBe('bytes 7-9/10');
    expect(parseContentRange('bytes 0-4/10')).toEqual({ start: 0, end: 4, total: 10 });
    expect(parseContentRange('bytes 0-4/*')).toEqual({ start: 0, end: 4, total: null });
    expect(parseContentRange('bytes 5-4/10')).toBeNull();
  });

  it('§13.1.5: If-Range holds for a strong entity-tag match or the exact date of a strong Last-Modified', () => {
    const stored = ['ETag', '"v1"', 'Date', D0, 'Last-Modified', 'Fri, 04 Dec 2026 11:00:00 GMT'];
    expect(ifRangeHolds(undefined, stored)).toBe(true);
    expect(ifRangeHolds('"v1"', stored)).toBe(true);
    expect(ifRangeHolds('"v2"', stored)).toBe(false);
    expect(ifRangeHolds('W/"v1"', stored)).toBe(false);
    expect(ifRangeHolds('Fri, 04 Dec 2026 11:00:00 GMT', stored)).toBe(true);
    expect(ifRangeHolds('Fri, 04 Dec 2026 11:00:01 GMT', stored)).toBe(false);
    // a Last-Modified equal to Date is weak (§8.8.2.2)
    expect(ifRangeHolds(D0, ['Date', D0, 'Last-Modified', D0])).toBe(false);
  });

  it('RFC 9111 §3.4: parts of one representation combine; a whole set becomes a complete 200', () => {
    const part = (start: number, bytes: string, tag = '"s"') => {
      const e = entry(['ETag', tag, 'Content-Range', `bytes ${start}-${start + bytes.length - 1}/10`], 206);
      e.span = { start, total: 10 };
      e.bodyLength = bytes.length;
      return { entry: e, body: Buffer.from(bytes) };
    };
    const first = combinePartial(null, part(0, '0123'));
    expect(first.entry.span).toEqual({ start: 0, total: 10 });
    const joined = combinePartial(first, part(4, '45'));
    expect(joined.body.toString()).toBe('012345');
    // a gap, or another representation: the new part stands alone
    expect(combinePartial(joined, part(8, '89')).body.toString()).toBe('89');
    expect(combinePartial(joined, part(6, '6789', '"other"')).body.toString()).toBe('6789');
    const whole = combinePartial(joined, part(6, '6789'));
    expect(whole.entry.status).toBe(200);
    expect(whole.entry.span).toBeUndefined();
    expect(whole.body.toString()).toBe('0123456789');
    expect(whole.entry.headers).toEqual(['ETag', '"s"', 'Content-Length', '10']);
  });
});
