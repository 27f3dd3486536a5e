import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, pathOf, plural } from '../../renderer/src/lib/format.js';
import { applyFilter, matchesFilter, statusClassOf } from '../../renderer/src/lib/traffic-filter.js';
import { annotate } from '../../renderer/src/screens/traffic/header-receipt.js';
import { makeRecord } from './fixtures.js';

describe('the traffic filter', () => {
  const ok = makeRecord({ host: 'www.example.com', url: 'http://www.example.com/a?q=1', method: 'GET' });
  const post = makeRecord({ host: 'api.test', url: 'http://api.test/submit', method: 'POST', status: 502 });
  const blocked = makeRecord({
    host: 'ads.test',
    status: 403,
    blocked: { kind: 'blocklist', rule: '||ads.test^', list: 'EasyList' },
  });
  const failed = makeRecord({ status: 0, error: 'E_UPSTREAM_DNS' });

  it('puts each record in one status class', () => {
    expect([ok, post, blocked, failed].map(statusClassOf)).toEqual(['2xx', '5xx', '4xx', 'error']);
  });

  it('matches a host and its subdomains, not look-alikes', () => {
    expect(matchesFilter(ok, { host: 'example.com' })).toBe(true);
    expect(matchesFilter(ok, { host: 'ample.com' })).toBe(false);
  });

  it('matches text in the URL, the rule and the error, case-insensitively', () => {
    expect(applyFilter([ok, post, blocked, failed], { text: 'Q=1' })).toEqual([ok]);
    expect(applyFilter([ok, post, blocked, failed], { text: 'ads.test^' })).toEqual([blocked]);
    expect(applyFilter([ok, post, blocked, failed], { text: 'upstream_dns' })).toEqual([failed]);
  });

  it('combines method, blocked-only and status class', () => {
    const all = [ok, post, blocked, failed];
    expect(applyFilter(all, { method: 'post' })).toEqual([post]);
    expect(applyFilter(all, { blocked: true })).toEqual([blocked]);
    expect(applyFilter(all, { statusClass: '5xx', method: 'GET' })).toEqual([]);
    expect(applyFilter(all, {})).toBe(all);
  });
});

describe('the receipt beside the headers', () => {
  it('pairs removals and replacements with the header they changed, and lists additions last', () => {
    const lines = annotate(
      [
        ['Cookie', 'a=1'],
        ['Cookie', 'b=2'],
        ['Accept', '*/*'],
      ],
      [
        { direction: 'request', action: 'removed', header: 'cookie', oldValue: 'b=2', rule: 'strict/cookies' },
        { direction: 'request', action: 'added', header: 'Sec-GPC', newValue: '1', rule: 'standard/gpc' },
      ],
    );
    expect(lines.map((l) => [l.name, l.value, l.entry?.action ?? null])).toEqual([
      ['Cookie', 'a=1', null],
      ['Cookie', 'b=2', 'removed'],
      ['Accept', '*/*', null],
      ['Sec-GPC', '1', 'added'],
    ]);
  });
});

describe('formatting', () => {
  it('writes sizes, durations, paths and counts the way the table shows them', () => {
    expect([formatBytes(512), formatBytes(1536), formatBytes(5 * 1024 * 1024)]).toEqual(['512 B', '1.5 KB', '5.0 MB']);
    expect([formatDuration(85.4), formatDuration(1234), formatDuration(12_345)]).toEqual(['85 ms', '1.2 s', '12 s']);
    expect(pathOf('http://a.test/x/y?z=1')).toBe('/x/y?z=1');
    expect(pathOf('a.test:443')).toBe('a.test:443');
    expect([plural(1, 'request'), plural(1204, 'request')]).toEqual(['1 request', '1,204 requests']);
  });
});
