import { describe, expect, it } from 'vitest';
import { parseServeArgs } from '../../proxy-core/src/cli/serve-args.js';
import { settingsSchema } from '../../proxy-core/src/control/settings-schema.js';
import { resolverCert } from './resolver-servers.js';

describe('--dns flags and the dns setting', () => {
  it('--dns repeats, --dns-bootstrap belongs to the --dns before it, --dns-ca and --dns-fallback', () => {
    const ca = resolverCert().caFile;
    const { overrides } = parseServeArgs([
      '--dns',
      'https://dns.example/dns-query',
      '--dns-bootstrap',
      '192.0.2.1',
      '--dns-bootstrap',
      '2001:db8::1',
      '--dns',
      'tls://dot.example:8853',
      '--dns-ca',
      ca,
      '--dns-fallback',
      'system',
    ]);
    expect(overrides.dns).toEqual({
      servers: [
        { url: 'https://dns.example/dns-query', bootstrap: ['192.0.2.1', '2001:db8::1'] },
        { url: 'tls://dot.example:8853', bootstrap: [] },
      ],
      ca,
      fallback: 'system',
    });
    expect(settingsSchema.safeParse({ dns: overrides.dns }).success).toBe(true);
  });

  it.each([
    [['--dns', 'udp://1.1.1.1'], /neither DoH/],
    [['--dns', 'https://dns.example/q?x=1'], /path only/],
    [['--dns', 'tls://dns.example/path'], /without a path/],
    [['--dns-bootstrap', '9.9.9.9'], /put it after that --dns/],
    [['--dns', 'tls://dns.example', '--dns-bootstrap', 'dns.example'], /takes an IP address/],
    [['--dns-ca', '/nonexistent/ca.pem'], /cannot read/],
    [['--dns-fallback', 'maybe'], /"system" or "none"/],
  ])('%j is refused with the fix', (argv, message) => {
    expect(() => parseServeArgs(argv as string[])).toThrow(message as RegExp);
  });

  it('the settings schema names a bad resolver URL or bootstrap address next to the field', () => {
    const r = settingsSchema.safeParse({ dns: { servers: [{ url: 'ftp://x', bootstrap: ['nope'] }] } });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['dns.servers.0.url', 'dns.servers.0.bootstrap.0']));
  });
});
