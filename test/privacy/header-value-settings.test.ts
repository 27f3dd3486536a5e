import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningVeil, startVeil } from './harness.js';

let veil: RunningVeil;
beforeAll(async () => {
  veil = await startVeil();
});
afterAll(async () => {
  await veil.stop();
});

it('refuses a header value with CR, LF or NUL in every field a user types, with the field named', async () => {
  const profile = {
    id: 'mine',
    name: 'Mine',
    acceptLanguage: 'en\r\nX-Injected: 1',
    removeHeaders: ['X-Ok', 'Bad Name:'],
  };
  const result = await veil.service.invoke('settings.validate', {
    patch: {
      privacy: {
        userAgent: 'Mozilla/5.0\nX-Evil: yes',
        customProfiles: [profile],
        siteRules: [{ pattern: 'example.com', profile: null, overrides: { acceptLanguage: 'fr\u0000' } }],
        extraForwardingHeaders: ['X-Real\r\nX-Set: 1'],
      },
    },
  });
  expect(result.ok).toBe(false);
  if (result.ok) return;
  const paths = result.errors.map((e) => e.path).sort();
  expect(paths).toEqual([
    'privacy.customProfiles.0.acceptLanguage',
    'privacy.customProfiles.0.removeHeaders.1',
    'privacy.extraForwardingHeaders.0',
    'privacy.siteRules.0.overrides.acceptLanguage',
    'privacy.userAgent',
  ]);
  expect(result.errors.find((e) => e.path === 'privacy.userAgent')?.message).toMatch(/no line breaks/);
  // nothing was saved
  expect(veil.service.settings.privacy.userAgent).not.toContain('X-Evil');
});

it('takes ordinary values', async () => {
  const result = await veil.service.invoke('settings.validate', {
    patch: { privacy: { userAgent: 'Mozilla/5.0 (X11; Linux x86_64)', extraForwardingHeaders: ['X-Client-IP'] } },
  });
  expect(result.ok).toBe(true);
});
