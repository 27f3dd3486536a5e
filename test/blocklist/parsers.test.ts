import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../proxy-core/src/blocklist/detect-format.js';
import { parseList } from '../../proxy-core/src/blocklist/parse-list.js';
import type { ParsedRule } from '../../proxy-core/src/blocklist/rule.js';
import { parseUserRules } from '../../proxy-core/src/blocklist/user-rules.js';

// Shaped like the head of StevenBlack's unified hosts file, plus damage.
const HOSTS = `# Title: StevenBlack/hosts
#
# Date: 29 November 2026 12:00:00 (UTC)
# ===============================================================

127.0.0.1 localhost
127.0.0.1 localhost.localdomain
255.255.255.255 broadcasthost
::1 localhost
0.0.0.0 0.0.0.0

# Custom host records are listed here.
0.0.0.0 ads.example.com
0.0.0.0 Tracker.Example.NET   # upper case and a comment
127.0.0.1 one.example.org two.example.org\t three.example.org
0.0.0.0 bad..name
this is not a hosts line
0.0.0.0
0.0.0.0 bücher.example
`;

const DOMAINS = `# OISD-like domain list
! also a comment
ads.example.com
*.tracking.example.net
.metrics.example.org

not a domain with spaces
ads.example.com/path
valid-host.example.io
`;

const ADBLOCK = `[Adblock Plus 2.0]
! Title: EasyPrivacy-shaped sample
! Expires: 1 days
||ads.example.com^
||pixel.example.net^$third-party
||cdn.example.org/track/*.gif
|https://collect.example.com/beacon?
/analytics/tracker*.js|
@@||ads.example.com/allowed/
@@||good.example.com^
example.com##.ad-banner
example.com#@#.ad-banner
##.sponsored
||script.example.com^$script,third-party
||x.example.com^$domain=news.example|~blog.news.example
/^https?:\\/\\/regex/
bare-host.example.com
$third-party
||y.example.com^$important
`;

function hosts(rules: ParsedRule[], action: 'block' | 'allow' = 'block'): string[] {
  return rules.filter((r) => r.type === 'host' && r.action === action).map((r) => (r.type === 'host' ? r.host : ''));
}

describe('hosts files', () => {
  it('takes every name after the address, skips local names and reports bad lines with their numbers', async () => {
    const { rules, report } = await parseList(HOSTS, 'hosts');
    expect(hosts(rules)).toEqual([
      'ads.example.com',
      'tracker.example.net',
      'one.example.org',
      'two.example.org',
      'three.example.org',
      'xn--bcher-kva.example',
    ]);
    expect(report.rules).toBe(6);
    const byLine = new Map(report.skippedLines.map((s) => [s.line, s.reason]));
    expect(byLine.get(6)).toMatch(/local name/);
    expect(byLine.get(16)).toMatch(/not a valid host name/);
    expect(byLine.get(17)).toMatch(/expected an IP address/);
    expect(byLine.get(18)).toMatch(/no host name/);
    expect(report.skipped).toBe(report.skippedLines.length);
    // line numbers of rules point at the source line
    expect(rules.find((r) => r.type === 'host' && r.host === 'two.example.org')?.line).toBe(15);
  });
});

describe('domain lists', () => {
  it('reads one host per line, with *. and leading-dot wildcards, and skips junk', async () => {
    const { rules, report } = await parseList(DOMAINS, 'domains');
    expect(hosts(rules)).toEqual([
      'ads.example.com',
      'tracking.example.net',
      'metrics.example.org',
      'valid-host.example.io',
    ]);
    expect(report.skippedLines.map((s) => s.line)).toEqual([7, 8]);
    expect(report.skippedLines[0]!.reason).toMatch(/one host name per line/);
  });
});

describe('AdBlock network rules', () => {
  it('splits host rules, URL patterns and exceptions; skips cosmetic, regex and unsupported options', async () => {
    const { rules, report } = await parseList(ADBLOCK, 'adblock');
    expect(hosts(rules)).toEqual(['ads.example.com', 'bare-host.example.com']);
    expect(hosts(rules, 'allow')).toEqual(['good.example.com']);
    const patterns = rules.filter((r) => r.type === 'pattern');
    expect(patterns.map((r) => (r.type === 'pattern' ? [r.action, r.pattern] : []))).toEqual([
      ['block', '||pixel.example.net^'],
      ['block', '||cdn.example.org/track/*.gif'],
      ['block', '|https://collect.example.com/beacon?'],
      ['block', '/analytics/tracker*.js|'],
      ['allow', '||ads.example.com/allowed/'],
      ['block', '||x.example.com^'],
      ['block', '||y.example.com^'],
    ]);
    const pixel = patterns[0]!;
    expect(pixel.type === 'pattern' && pixel.options.thirdParty).toBe(true);
    const x = patterns[5]!;
    expect(x.type === 'pattern' && x.options).toEqual({ domains: ['news.example'], notDomains: ['blog.news.example'] });
    const reasons = new Map(report.skippedLines.map((s) => [s.line, s.reason]));
    expect(reasons.get(11)).toMatch(/cosmetic/);
    expect(reasons.get(12)).toMatch(/cosmetic/);
    expect(reasons.get(13)).toMatch(/cosmetic/);
    expect(reasons.get(14)).toBe('unsupported option $script');
    expect(reasons.get(16)).toMatch(/regular-expression/);
    expect(reasons.get(18)).toMatch(/every request/);
    expect(report.skipped).toBe(6);
    // comments and the header are neither rules nor skipped
    expect(report.rules + report.skipped).toBe(16);
  });
});

describe('format detection', () => {
  it('tells the three formats apart', () => {
    expect(detectFormat(HOSTS)).toBe('hosts');
    expect(detectFormat(DOMAINS)).toBe('domains');
    expect(detectFormat(ADBLOCK)).toBe('adblock');
    expect(detectFormat('||a.example^\n||b.example^\n')).toBe('adblock');
    expect(detectFormat('a.example\nb.example\n')).toBe('domains');
  });

  it('parses with the detected format under auto, and handles CRLF and a BOM', async () => {
    const { report, rules } = await parseList('\uFEFF0.0.0.0 a.example\r\n0.0.0.0 b.example\r\n', 'auto');
    expect(report.format).toBe('hosts');
    expect(hosts(rules)).toEqual(['a.example', 'b.example']);
  });
});

describe('rules that cannot mean what they say', () => {
  it.each([
    ['||bad^^$$$', '"$$$" is not a list of options (they look like $third-party or $domain=example.com)'],
    ['||bad^^', '"^^": one ^ already stands for the end of the host or a separator'],
    ['http://[::1', '"http://[::1" is not a valid URL'],
    ['|https://exa mple.com/', 'a rule cannot contain spaces'],
  ])('%s is refused with why', (rule, why) => {
    expect(parseUserRules([rule], 'block')).toEqual({ rules: [], errors: [{ line: 1, message: why }] });
  });

  it.each([
    '|http://[::1]:8080/*',
    '|https://*.example.com/ads^',
    'http://a.example/x*y',
    '||ads.example^$third-party',
  ])('%s is still a rule', (rule) => {
    const { rules, errors } = parseUserRules([rule], 'block');
    expect(errors).toEqual([]);
    expect(rules).toHaveLength(1);
  });
});
