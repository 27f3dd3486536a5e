// @vitest-environment jsdom
import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { InspectionState } from '../../proxy-core/src/control/contract.js';
import { FakeBridge } from './fake-bridge.js';
import { makeSettings, makeStatus } from './fixtures.js';
import { renderApp } from './render-app.js';

const stateOff: InspectionState = {
  active: false,
  caFingerprint: null,
  caExpires: null,
  renewSoon: false,
  refused: [],
};

const base = {
  'status.get': makeStatus(),
  'traffic.snapshot': { records: [], total: 0 },
  'cache.stats': {
    enabled: true,
    entries: 0,
    bytes: 0,
    maxBytes: 1,
    hits: 0,
    misses: 0,
    revalidations: 0,
    bytesSaved: 0,
  },
  'settings.get': makeSettings(),
  'settings.validate': { ok: true as const, settings: makeSettings() },
};

describe('Settings: HTTPS inspection', () => {
  it('explains what inspection means next to its switch, off by default, and saves it', async () => {
    const on = makeSettings((s) => {
      s.inspection.enabled = true;
    });
    const bridge = new FakeBridge({
      ...base,
      'inspection.state': stateOff,
      'settings.update': { ok: true, settings: on },
    });
    await renderApp(bridge, 'Settings');
    expect(screen.getByRole('heading', { name: 'HTTPS inspection' })).toBeTruthy();
    expect(screen.getByText(/Without inspection, Veil sees only the name of each HTTPS site/)).toBeTruthy();
    const toggle = screen.getByRole('checkbox', {
      name: 'Inspect HTTPS so privacy rules and blocklists work inside it',
    });
    expect(toggle).toHaveProperty('checked', false);
    fireEvent.click(toggle);
    const section = toggle.closest('section')!;
    const save = Array.from(section.querySelectorAll('button')).find((b) => b.textContent === 'Save')!;
    await act(async () => fireEvent.click(save));
    await waitFor(() => expect(bridge.argsOf('settings.update')).toHaveLength(1));
    expect(bridge.argsOf('settings.update')[0]).toEqual({ patch: { inspection: { enabled: true } } });
  });

  it('off with a CA left behind, says how to stop trusting it and delete the key', async () => {
    const bridge = new FakeBridge({
      ...base,
      'inspection.state': { ...stateOff, caFingerprint: 'AB:CD', caExpires: Date.UTC(2028, 0, 1) },
    });
    await renderApp(bridge, 'Settings');
    const hint = await screen.findByText(/your browsers may still trust Veil's authority/);
    expect(hint.textContent).toContain('veil ca remove');
    expect(hint.textContent).toContain('delete the ca folder');
  });

  it('lists the default exclusions for editing, and the hosts whose apps refused the certificate', async () => {
    const bridge = new FakeBridge({
      ...base,
      'inspection.state': {
        ...stateOff,
        active: true,
        caFingerprint: 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45',
        caExpires: Date.UTC(2028, 11, 1),
        refused: [{ host: 'pinned.example', failures: 3, last: 'unknown-ca', since: 1 }],
      },
      'inspection.forget': stateOff,
    });
    await renderApp(bridge, 'Settings');
    const exclusions = screen.getByRole('textbox', {
      name: 'Never inspect these sites (one per line)',
    }) as HTMLTextAreaElement;
    expect(exclusions.value).toContain('*.paypal.com');
    expect(await screen.findByText(/Inspection is running\. Veil's authority: SHA-256 AB:CD/)).toBeTruthy();
    const item = screen.getByText(/^Veil stopped inspecting/);
    expect(item.textContent).toContain('pinned.example');
    expect(item.textContent).toContain('because the app refused its certificate');
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Inspect again' })));
    expect(bridge.argsOf('inspection.forget')).toEqual([{ host: 'pinned.example' }]);
    await waitFor(() => expect(screen.queryByText(/^Veil stopped inspecting/)).toBeNull());
  });
});
