import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, type Lab, namespaceProblem, waitForLine } from '../../bench/lib/netns-lab.js';
import { parseTable } from '../../proxy-core/src/transparent/nft-apply.js';
import { buildRules, checkRulesOptions } from '../../proxy-core/src/transparent/nft-rules.js';
import { findOriginal, indexTable } from '../../proxy-core/src/transparent/original-destination.js';

const CLI = join(import.meta.dirname, '../../dist/proxy-core/src/cli.js');

describe('the nftables rules Veil prints', () => {
  it('a gateway redirects its LAN interface to the port, past private and own addresses, and refuses QUIC', () => {
    const rules = buildRules({ port: 8898, ports: [443, 80], interface: 'eth1' });
    expect(rules).toContain('table inet veil {');
    expect(rules).toContain('elements = { 80 : 8898, 443 : 8898 }');
    expect(rules).toContain('iifname "eth1" fib daddr type local return');
    expect(rules).toContain('iifname "eth1" ip daddr @excluded4 return');
    expect(rules).toContain('iifname "eth1" ip6 daddr @excluded6 return');
    expect(rules).toContain('iifname "eth1" tcp dport @ports redirect to : tcp dport map @ports');
    expect(rules).toContain('iifname "eth1" udp dport 443 reject');
    expect(rules).toMatch(/192\.168\.0\.0\/16.*169\.254\.0\.0\/16|169\.254\.0\.0\/16.*192\.168\.0\.0\/16/s);
    expect(rules).toContain('fe80::/10');
    // the exclusions come before the redirect: a rule order mistake would send LAN traffic to Veil
    expect(rules.indexOf('@excluded4 return')).toBeLessThan(rules.indexOf('redirect to'));
  });

  it('on the local machine the user Veil runs as is never redirected (no loop)', () => {
    const rules = buildRules({ port: 8898, ports: [80], localUser: 'veil' });
    expect(rules).toContain('type nat hook output');
    expect(rules).toContain('meta skuid "veil" return');
    expect(rules.indexOf('meta skuid "veil" return')).toBeLessThan(rules.indexOf('redirect to'));
    expect(buildRules({ port: 8898, ports: [80], localUser: '1001' })).toContain('meta skuid 1001 return');
  });

  it('refuses options that would make a broken or injected ruleset', () => {
    expect(checkRulesOptions({ port: 8898, ports: [80] })).toMatch(/--interface IF .* or --local-user USER/);
    expect(checkRulesOptions({ port: 70000, ports: [80], interface: 'eth1' })).toMatch(/--port/);
    expect(checkRulesOptions({ port: 8898, ports: [0], interface: 'eth1' })).toMatch(/--ports/);
    expect(checkRulesOptions({ port: 8898, ports: [80], interface: 'eth1" accept; #' })).toMatch(/not an interface/);
    expect(checkRulesOptions({ port: 8898, ports: [80], localUser: 'x"; flush ruleset' })).toMatch(/not a user/);
    expect(() => buildRules({ port: 8898, ports: [80], interface: 'eth1', localUser: 'veil' })).toThrow(/one of them/);
  });

  it('reads the listed table back', () => {
    const listed = `table inet veil {\n\tmap ports {\n\t\ttype inet_service : inet_service\n\t\telements = { 80 : 8898, 443 : 8898 }\n\t}\n\tchain prerouting {\n\t\tiifname "eth1" tcp dport @ports redirect to :tcp dport map @ports\n\t}\n}\n`;
    expect(parseTable(listed)).toEqual({
      present: true,
      redirects: [
        { from: 80, to: 8898 },
        { from: 443, to: 8898 },
      ],
      scope: 'interface eth1',
    });
  });
});

const problem = namespaceProblem();
if (problem) console.log(`[transparent rules] namespace tests skipped: ${problem}`);

describe.skipIf(problem !== null)('veil transparent rules in a network namespace', () => {
  let lab: Lab;
  beforeAll(() => {
    lab = createLab();
  });
  afterAll(() => lab?.destroy());

  function veil(args: string[]): { code: number | null; stdout: string; stderr: string } {
    const r = spawnSync('ip', ['netns', 'exec', lab.gateway, process.execPath, CLI, 'transparent', ...args], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }
  const ruleset = (): string => lab.exec(lab.gateway, 'nft', ['list', 'ruleset']);

  it('--apply twice leaves one copy, status reports it, and --remove restores the ruleset exactly', () => {
    // someone else's table, which Veil must leave as it found it
    lab.exec(
      lab.gateway,
      'nft',
      ['-f', '-'],
      'table ip theirs {\n chain c { type filter hook input priority 0; }\n}\n',
    );
    const before = ruleset();
    expect(veil(['status']).stdout).toMatch(/not in place/);

    const args = ['rules', '--interface', lab.gatewayLanIf, '--port', '8898', '--apply'];
    const first = veil(args);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Applied: TCP ports 80, 443 arriving on .* port 8898/);
    expect(veil(args).code).toBe(0);
    const tables = lab.exec(lab.gateway, 'nft', ['list', 'tables']);
    expect(tables.match(/table inet veil/g)).toHaveLength(1);
    expect(tables).toContain('table ip theirs');
    expect(veil(['status']).stdout).toMatch(
      new RegExp(`in place \\(table inet veil, interface ${lab.gatewayLanIf}\\); redirects 80 -> 8898, 443 -> 8898`),
    );

    const removed = veil(['rules', '--remove']);
    expect(removed.stdout).toMatch(/Removed/);
    expect(ruleset()).toBe(before);
    expect(veil(['rules', '--remove']).stdout).toMatch(/No Veil rules were in place/);
  }, 60_000);

  it('bad flags are one line and exit code 2', () => {
    const r = veil(['rules', '--port', '8898']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^veil: Say where to redirect: --interface IF/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const both = veil(['rules', '--interface', 'x', '--port', '1', '--apply', '--remove']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/cannot go together/);
  }, 30_000);
});

describe.skipIf(problem !== null)('the original destination of a redirected connection', () => {
  let lab: Lab;
  beforeAll(() => {
    lab = createLab();
    const r = spawnSync(
      'ip',
      [
        'netns',
        'exec',
        lab.gateway,
        process.execPath,
        CLI,
        'transparent',
        'rules',
        '--interface',
        lab.gatewayLanIf,
        '--port',
        '8898',
        '--ports',
        '80,8080',
        '--apply',
      ],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(r.stderr);
  });
  afterAll(() => lab?.destroy());

  const moduleUrl = new URL('../../dist/proxy-core/src/transparent/original-destination.js', import.meta.url).href;
  const fixture = join(import.meta.dirname, 'fixtures', 'original-destination-server.mjs');

  for (const source of ['/proc/net/nf_conntrack', '/nonexistent (the conntrack tool)']) {
    it(`is read from ${source}`, async () => {
      const server = lab.spawn(lab.gateway, process.execPath, [
        fixture,
        lab.gatewayLanIp,
        '8898',
        moduleUrl,
        source.split(' ')[0]!,
      ]);
      try {
        await waitForLine(server, /ready/);
        for (const port of [80, 8080]) {
          const answer = lab.exec(lab.client, 'curl', ['-s', '--max-time', '5', `http://${lab.originIp}:${port}/`]);
          expect(JSON.parse(answer)).toEqual({ address: lab.originIp, port });
        }
      } finally {
        server.kill();
      }
    });
  }
});

describe('reading the conntrack table', () => {
  const proc = [
    'ipv4     2 tcp      6 431999 ESTABLISHED src=10.0.0.2 dst=203.0.113.5 sport=51234 dport=80 src=10.0.0.1 dst=10.0.0.2 sport=8898 dport=51234 [ASSURED] mark=0 zone=0 use=2',
    'ipv4     2 udp      17 29 src=10.0.0.2 dst=9.9.9.9 sport=5353 dport=53 src=9.9.9.9 dst=10.0.0.2 sport=53 dport=5353 mark=0 use=1',
    'ipv6     10 tcp      6 119 SYN_RECV src=fd00::2 dst=2001:db8::10 sport=40000 dport=443 src=fd00::1 dst=fd00::2 sport=8898 dport=40000 mark=0 use=1',
  ].join('\n');
  const tool =
    'tcp      6 431999 ESTABLISHED src=10.0.0.3 dst=198.51.100.4 sport=4000 dport=8080 src=10.0.0.1 dst=10.0.0.3 sport=8898 dport=4000 [ASSURED] mark=0 use=1\n';

  it('finds the original destination by the client’s address and port and Veil’s port', () => {
    const tuple = { clientAddress: '::ffff:10.0.0.2', clientPort: 51234, localAddress: '10.0.0.1', localPort: 8898 };
    expect(findOriginal(proc, tuple)).toEqual({ address: '203.0.113.5', port: 80 });
    expect(findOriginal(proc, { ...tuple, localPort: 9999 })).toBeNull();
    expect(findOriginal(proc, { ...tuple, clientPort: 51235 })).toBeNull();
  });

  it('reads IPv6 entries and the conntrack tool’s format, and skips UDP', () => {
    const v6 = { clientAddress: 'FD00:0:0:0:0:0:0:2', clientPort: 40000, localAddress: 'fd00::1', localPort: 8898 };
    expect(findOriginal(proc, v6)).toEqual({ address: '2001:db8::10', port: 443 });
    const viaTool = { clientAddress: '10.0.0.3', clientPort: 4000, localAddress: '10.0.0.1', localPort: 8898 };
    expect(findOriginal(tool, viaTool)).toEqual({ address: '198.51.100.4', port: 8080 });
    expect(indexTable(proc).size).toBe(2);
  });
});
