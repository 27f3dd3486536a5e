import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolverConfig } from '../../proxy-core/src/control/features/dns-feature.js';
import { defaultSettings } from '../../proxy-core/src/control/settings-schema.js';
import { createDnsResolver } from '../../proxy-core/src/dns/dns-resolver.js';
import { isPrivateAddress, isPublicName } from '../../proxy-core/src/dns/rebinding-guard.js';
import { parseResolverUrl } from '../../proxy-core/src/dns/resolver-url.js';
import { resolverCert, startDohServer, type TestResolver } from './resolver-servers.js';

let doh: TestResolver;
beforeAll(async () => {
  doh = await startDohServer({
    'rebind.example.com': { A: ['192.168.1.5'] },
    'loop.example.com': { A: ['127.0.0.1'] },
    'router.example.com': { A: ['10.0.0.1'] },
    'nas.lan': { A: ['192.168.1.5'] },
    'public.example.com': { A: ['93.184.215.14'] },
  });
});
afterAll(async () => {
  await doh.close();
});

function resolverWith(allow: string[] | null) {
  return createDnsResolver({
    endpoints: [
      { url: parseResolverUrl(doh.url), bootstrap: ['127.0.0.1'], ca: readFileSync(resolverCert().caFile, 'utf8') },
    ],
    fallback: 'none',
    rebindingAllow: allow,
  });
}

describe('the DNS rebinding guard', () => {
  it('refuses a public name answered with a private or loopback address (403), lets allowed and local names through', async () => {
    const r = resolverWith(['router.example.com']);
    try {
      await expect(r.resolveOne('rebind.example.com')).rejects.toMatchObject({
        status: 403,
        code: 'E_DESTINATION_NOT_ALLOWED',
      });
      await expect(r.resolveOne('loop.example.com')).rejects.toThrow(/rebinding/);
      expect(await r.resolveOne('router.example.com')).toBe('10.0.0.1');
      expect(await r.resolveOne('nas.lan')).toBe('192.168.1.5');
      expect(await r.resolveOne('public.example.com')).toBe('93.184.215.14');
      expect(r.status().rebindingRefused).toBe(2);
    } finally {
      r.close();
    }
  });

  it('is off unless asked for, or Veil is exposed (auto)', async () => {
    const r = resolverWith(null);
    try {
      expect(await r.resolveOne('rebind.example.com')).toBe('192.168.1.5');
    } finally {
      r.close();
    }
    const s = defaultSettings();
    expect(resolverConfig(s).config.rebindingAllow).toBeNull();
    expect(resolverConfig({ ...s, proxy: { ...s.proxy, listen: '0.0.0.0' } }).config.rebindingAllow).toEqual([]);
    expect(resolverConfig({ ...s, dns: { ...s.dns, rebindingGuard: 'on' } }).config.rebindingAllow).toEqual([]);
    expect(
      resolverConfig({ ...s, proxy: { ...s.proxy, listen: '0.0.0.0' }, dns: { ...s.dns, rebindingGuard: 'off' } })
        .config.rebindingAllow,
    ).toBeNull();
  });

  it('classifies addresses and names', () => {
    for (const a of [
      '10.1.2.3',
      '172.16.0.1',
      '192.168.0.1',
      '127.0.0.1',
      '169.254.1.1',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:10.0.0.1',
      '100.64.0.1',
    ]) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['8.8.8.8', '2606:4700::1111', '172.32.0.1']) expect(isPrivateAddress(a), a).toBe(false);
    expect(isPublicName('example.com')).toBe(true);
    expect(isPublicName('printer.lan')).toBe(false);
    expect(isPublicName('nas.local')).toBe(false);
    expect(isPublicName('intranet')).toBe(false);
  });
});
