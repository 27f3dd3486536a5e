import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseServeArgs } from '../../proxy-core/src/cli/serve-args.js';
import { shortHash } from '../../proxy-core/src/proxy/record-secrets.js';
import { parseUpstreamUrl, redactUpstreamUrl } from '../../proxy-core/src/proxy/upstream-url.js';
import { type EchoOrigin, headerValue, type RunningVeil, startEchoOrigin, startVeil, viaProxy } from './harness.js';

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
});

const mine = {
  id: 'my-standard',
  name: 'My standard',
  userAgent: 'remove' as const,
  cookies: 'session-only' as const,
};

describe('privacy commands', () => {
  it('lists the built-ins, saves a copy, switches to it live, and refuses to lose what is in use', async () => {
    veil = await startVeil();
    const builtIns = await veil.service.invoke('privacy.profiles');
    expect(builtIns.map((p) => [p.id, p.builtIn])).toEqual([
      ['transparent', true],
      ['standard', true],
      ['strict', true],
    ]);

    const overwrite = await veil.service.invoke('privacy.saveProfile', { profile: { ...mine, id: 'strict' } });
    expect(overwrite).toMatchObject({ ok: false, errors: [{ path: 'profile.id' }] });

    const saved = await veil.service.invoke('privacy.saveProfile', { profile: mine });
    expect(saved.ok).toBe(true);
    const listed = await veil.service.invoke('privacy.profiles');
    expect(listed.at(-1)).toMatchObject({
      id: 'my-standard',
      builtIn: false,
      userAgent: 'remove',
      referer: 'origin-when-cross-site',
    });

    const unknown = await veil.service.invoke('privacy.setProfile', { profile: 'nope' });
    expect(unknown.ok).toBe(false);
    if (!unknown.ok)
      expect(unknown.errors[0]!.message).toMatch(
        /No profile "nope"\. Use one of: transparent, standard, strict, my-standard/,
      );

    expect((await veil.service.invoke('privacy.setProfile', { profile: 'my-standard' })).ok).toBe(true);
    const recorded = veil.nextRecord();
    await viaProxy(veil.port, `http://127.0.0.1:${origin.port}/`, { 'User-Agent': 'Mine/1' });
    expect(headerValue(origin.seen.at(-1)!.headers, 'user-agent')).toBeUndefined();
    const record = await recorded;
    expect(record.profile).toBe('my-standard');
    expect(record.receipt.find((e) => e.header === 'User-Agent')).toMatchObject({
      action: 'removed',
      oldLength: 6,
      oldHash: shortHash('Mine/1'),
      rule: 'my-standard/user-agent',
    });
    // the record keeps what was removed, not the value itself
    expect(JSON.stringify(record)).not.toContain('Mine/1');

    const inUse = await veil.service.invoke('privacy.deleteProfile', { id: 'my-standard' });
    expect(inUse).toMatchObject({ ok: false, errors: [{ message: expect.stringMatching(/active profile/) }] });
    expect(await veil.service.invoke('privacy.deleteProfile', { id: 'standard' })).toMatchObject({ ok: false });
    await expect(veil.service.invoke('privacy.deleteProfile', { id: 'ghost' })).rejects.toThrow(/no custom profile/);
    await veil.service.invoke('privacy.setProfile', { profile: 'strict' });
    expect((await veil.service.invoke('privacy.deleteProfile', { id: 'my-standard' })).ok).toBe(true);
    expect((await veil.service.invoke('privacy.profiles')).map((p) => p.id)).toEqual([
      'transparent',
      'standard',
      'strict',
    ]);
  });

  it('rejects a site rule naming a profile that does not exist', async () => {
    veil = await startVeil();
    const result = await veil.service.invoke('settings.validate', {
      patch: { privacy: { siteRules: [{ pattern: '*.example.com', profile: 'missing' }] } },
    });
    expect(result).toMatchObject({ ok: false, errors: [{ path: 'privacy.siteRules.0.profile' }] });
  });
});

describe('upstream URLs and the serve flags', () => {
  it('parses every scheme spelling and never shows credentials', () => {
    expect(parseUpstreamUrl('socks5h://tor:9050')).toMatchObject({
      kind: 'socks5',
      host: 'tor',
      port: 9050,
      name: 'socks5h://tor:9050',
    });
    expect(parseUpstreamUrl('socks://10.0.0.1')).toMatchObject({ kind: 'socks5', port: 1080 });
    const withAuth = parseUpstreamUrl('http://al%40ice:p%3Ass@proxy.lan:3128');
    expect(withAuth).toMatchObject({
      kind: 'http',
      username: 'al@ice',
      password: 'p:ss',
      name: 'http://***@proxy.lan:3128',
    });
    expect(() => parseUpstreamUrl('ftp://x:1')).toThrow(/not supported/);
    expect(redactUpstreamUrl('socks5://u:secret@h:1')).toBe('socks5://***@h:1');
  });

  it('maps --profile and --upstream to settings overrides, with a clear error for bad values', () => {
    const args = parseServeArgs(['--profile', 'strict', '--upstream', 'socks5h://127.0.0.1:9050']);
    expect(args.overrides).toMatchObject({
      privacy: { profile: 'strict' },
      upstream: { default: 'socks5h://127.0.0.1:9050' },
    });
    expect(parseServeArgs(['--upstream', 'direct']).overrides.upstream).toEqual({ default: null });
    expect(() => parseServeArgs(['--upstream', 'ftp://u:pw@x'])).toThrow(/--upstream takes .* not "ftp:\/\/\*\*\*@x"/);
    expect(() => parseServeArgs(['--profile', 'Strict!'])).toThrow(/--profile takes a profile id/);
  });
});
