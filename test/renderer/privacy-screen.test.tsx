// @vitest-environment jsdom
import { act, fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Settings } from '../../proxy-core/src/control/contract.js';
import { mergeSettings, validateSettings } from '../../proxy-core/src/control/settings-merge.js';
import { FakeBridge, failure } from './fake-bridge.js';
import { builtInProfiles, makeSettings, makeStatus } from './fixtures.js';
import { renderApp } from './render-app.js';

const base = {
  'status.get': makeStatus(),
  'settings.get': makeSettings(),
  'traffic.snapshot': { records: [], total: 0 },
};

describe('Privacy', () => {
  it('shows loading while the profiles are on their way', async () => {
    await renderApp(new FakeBridge(base), 'Privacy');
    expect(screen.getByText('Loading privacy profiles…')).toBeTruthy();
  });

  it('names the failure', async () => {
    await renderApp(new FakeBridge({ ...base, 'privacy.profiles': failure('privacy is not available') }), 'Privacy');
    expect(screen.getByRole('alert').textContent).toContain('privacy is not available');
  });

  it('says plainly what an HTTPS tunnel cannot scrub, and that there are no site rules', async () => {
    await renderApp(new FakeBridge({ ...base, 'privacy.profiles': builtInProfiles }), 'Privacy');
    expect(screen.getByText(/cannot remove cookies, the User-Agent or other headers inside/)).toBeTruthy();
    expect(screen.getByText(/No site rules/)).toBeTruthy();
  });

  it('explains each profile in plain words and switches to the one picked', async () => {
    let current: Settings = makeSettings();
    const bridge = new FakeBridge({
      ...base,
      'privacy.profiles': builtInProfiles,
      'privacy.setProfile': (a) => {
        current = makeSettings((s) => {
          s.privacy.profile = a!.profile;
        });
        return { ok: true, settings: current };
      },
    });
    await renderApp(bridge, 'Privacy');
    const picker = screen.getByRole('group', { name: 'Profile' });
    expect(within(picker).getByText('Never tells sites where you came from')).toBeTruthy();
    expect(screen.getByRole('radio', { name: /Standard/ })).toHaveProperty('checked', true);
    await act(async () => fireEvent.click(screen.getByRole('radio', { name: /Strict/ })));
    expect(bridge.argsOf('privacy.setProfile')).toEqual([{ profile: 'strict' }]);
    expect(screen.getByRole('radio', { name: /Strict/ })).toHaveProperty('checked', true);
    expect(screen.getByRole('heading', { name: 'What “Strict” does' })).toBeTruthy();
  });

  it('saves changes to a built-in profile as the user’s own copy', async () => {
    const bridge = new FakeBridge({
      ...base,
      'privacy.profiles': builtInProfiles,
      'privacy.saveProfile': { ok: true, settings: makeSettings() },
      'privacy.setProfile': { ok: true, settings: makeSettings() },
    });
    await renderApp(bridge, 'Privacy');
    fireEvent.change(screen.getByRole('combobox', { name: 'Where you came from (Referer)' }), {
      target: { value: 'remove' },
    });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Save as my profile' })));
    const saved = bridge.argsOf('privacy.saveProfile')[0]!.profile;
    expect(saved).toMatchObject({ id: 'standard-mine', referer: 'remove', cookies: 'block-third-party' });
    expect(bridge.argsOf('privacy.setProfile')).toEqual([{ profile: 'standard-mine' }]);
  });

  it('adds a site rule, shows the pattern error next to it and keeps what was typed', async () => {
    const bridge = new FakeBridge({
      ...base,
      'privacy.profiles': builtInProfiles,
      'settings.validate': (a) => {
        const rules = (a!.patch.privacy as Settings['privacy']).siteRules;
        return rules.some((r) => r.pattern.includes(' '))
          ? {
              ok: false,
              errors: [{ path: 'privacy.siteRules.0.pattern', message: 'Use a host name like example.com' }],
            }
          : { ok: true, settings: makeSettings() };
      },
      'settings.update': (a) => ({
        ok: true,
        settings: makeSettings((s) => {
          s.privacy.siteRules = (a!.patch.privacy as Settings['privacy']).siteRules;
        }),
      }),
    });
    await renderApp(bridge, 'Privacy');
    fireEvent.click(screen.getByRole('button', { name: 'Add a site rule' }));
    const pattern = screen.getByRole('textbox', { name: 'Site pattern' }) as HTMLInputElement;
    fireEvent.change(pattern, { target: { value: 'bank example' } });
    fireEvent.change(screen.getByRole('combobox', { name: 'Profile for this site' }), { target: { value: 'strict' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Save site rule' })));
    expect(screen.getByRole('alert').textContent).toBe('Use a host name like example.com');
    expect(pattern.value).toBe('bank example');
    expect(bridge.argsOf('settings.update')).toHaveLength(0);

    fireEvent.change(pattern, { target: { value: '*.bank.example' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Save site rule' })));
    expect(bridge.argsOf('settings.update')[0]).toEqual({
      patch: { privacy: { siteRules: [{ pattern: '*.bank.example', profile: 'strict', overrides: {} }] } },
    });
    const table = screen.getByRole('table');
    expect(within(table).getByText('*.bank.example')).toBeTruthy();
    expect(within(table).getByText('Strict')).toBeTruthy();
  });

  it('sets what one site does differently, and puts a setting back to the profile’s', async () => {
    let current: Settings = makeSettings((s) => {
      s.privacy.siteRules = [{ pattern: 'shop.example', profile: null, overrides: { referer: 'remove' } }];
    });
    const bridge = new FakeBridge({
      ...base,
      'settings.get': () => current,
      'privacy.profiles': builtInProfiles,
      'settings.validate': () => ({ ok: true, settings: current }),
      'settings.update': (a) => {
        current = makeSettings((s) => {
          s.privacy.siteRules = (a!.patch.privacy as Settings['privacy']).siteRules;
        });
        return { ok: true, settings: current };
      },
    });
    await renderApp(bridge, 'Privacy');
    expect(screen.getByText(/\+ 1 changes/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Edit shop.example' }));
    const referer = screen.getByRole('combobox', { name: 'Referer on this site' }) as HTMLSelectElement;
    expect(referer.value).toBe('remove');
    fireEvent.change(referer, { target: { value: '' } });
    fireEvent.change(screen.getByRole('combobox', { name: 'Cookies on this site' }), { target: { value: 'block' } });
    fireEvent.change(screen.getByRole('combobox', { name: 'Send Global Privacy Control' }), {
      target: { value: 'off' },
    });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Save site rule' })));
    expect(bridge.argsOf('settings.update')[0]).toEqual({
      patch: {
        privacy: {
          siteRules: [{ pattern: 'shop.example', profile: null, overrides: { cookies: 'block', sendGpc: false } }],
        },
      },
    });
    expect(screen.getByText(/\+ 2 changes/)).toBeTruthy();
  });
});

describe('the profile form checks its fields as they are typed, by the service’s rules', () => {
  it('names a bad Accept-Language beside the field before any Save, and Save waits until it is right', async () => {
    const asked: Array<Record<string, unknown>> = [];
    const bridge = new FakeBridge({
      ...base,
      'privacy.profiles': builtInProfiles,
      'settings.validate': ((args: { patch: Record<string, unknown> } | undefined) => {
        asked.push(args?.patch ?? {});
        return validateSettings(mergeSettings(makeSettings(), args?.patch ?? {}));
      }) as never,
    });
    await renderApp(bridge, 'Privacy');
    const field = screen.getByRole('textbox', { name: /Accept-Language/ });
    const typeInto = async (value: string) => {
      fireEvent.change(field, { target: { value } });
      await act(async () => {
        await new Promise((r) => setTimeout(r, 300));
      });
    };
    await typeInto('english please!');
    expect(screen.getByText('Write languages as sites expect them, e.g. en-US,en;q=0.9.')).toBeTruthy();
    expect(field.getAttribute('aria-invalid')).toBe('true');
    const save = screen.getByRole('button', { name: 'Save as my profile' });
    expect(save).toHaveProperty('disabled', true);
    // checked as the copy it would be saved as: a built-in's edits become the user's own profile
    const last = asked.at(-1) ?? {};
    const profiles = (last.privacy as { customProfiles: Array<{ id: string }> }).customProfiles;
    expect(profiles.map((p) => p.id)).toEqual(['standard-mine']);
    await typeInto('en-GB,en;q=0.8');
    expect(screen.queryByText('Write languages as sites expect them, e.g. en-US,en;q=0.9.')).toBeNull();
    expect(save).toHaveProperty('disabled', false);
  });
});
