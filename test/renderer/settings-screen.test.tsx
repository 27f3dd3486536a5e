// @vitest-environment jsdom
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { FakeBridge, failure } from './fake-bridge.js';
import { makeSettings, makeStatus } from './fixtures.js';
import { renderApp } from './render-app.js';

const base = {
  'status.get': makeStatus(),
  'traffic.snapshot': { records: [], total: 0 },
  'cache.stats': {
    enabled: true,
    entries: 42,
    bytes: 1_048_576,
    maxBytes: 268_435_456,
    hits: 30,
    misses: 10,
    revalidations: 2,
    bytesSaved: 2_097_152,
  },
};

const portError = {
  ok: false as const,
  errors: [{ path: 'proxy.port', message: 'Too big: expected number to be <=65535' }],
};

describe('Settings', () => {
  it('shows loading while the settings are on their way', async () => {
    await renderApp(new FakeBridge(base), 'Settings');
    expect(screen.getByText('Loading settings…')).toBeTruthy();
  });

  it('names the failure and retries', async () => {
    const bridge = new FakeBridge({ ...base, 'settings.get': failure('settings file unreadable') });
    await renderApp(bridge, 'Settings');
    expect(screen.getByRole('alert').textContent).toContain('settings file unreadable');
    bridge.answer({ 'settings.get': makeSettings() });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Try again' })));
    expect(screen.getByRole('spinbutton', { name: 'Port' })).toHaveProperty('value', '8899');
  });

  it('shows every section with the saved values and cache figures', async () => {
    await renderApp(new FakeBridge({ ...base, 'settings.get': makeSettings() }), 'Settings');
    for (const name of ['Listener', 'Upstream', 'System proxy', 'Cache', 'Traffic records', 'Audit log', 'App']) {
      expect(screen.getByRole('heading', { name })).toBeTruthy();
    }
    expect(screen.getByRole('textbox', { name: 'Listen address' })).toHaveProperty('value', '127.0.0.1');
    expect(screen.getByText(/42 entries/).textContent).toContain('hit ratio 75%');
    expect(screen.getByRole('radio', { name: 'Follow the system' })).toHaveProperty('checked', true);
  });

  it('explains "keep removed values", off by default, and saves it', async () => {
    const kept = makeSettings((s) => {
      s.traffic.keepRemovedValues = true;
    });
    const bridge = new FakeBridge({
      ...base,
      'settings.get': makeSettings(),
      'settings.validate': { ok: true, settings: kept },
      'settings.update': { ok: true, settings: kept },
    });
    await renderApp(bridge, 'Settings');
    const section = screen.getByRole('region', { name: 'Traffic records' });
    const box = within(section).getByRole('checkbox', { name: 'Keep removed values' }) as HTMLInputElement;
    expect(box.checked).toBe(false);
    const hint = document.getElementById(box.getAttribute('aria-describedby')!)!;
    expect(hint.textContent).toMatch(/never the value itself/);
    expect(hint.textContent).toMatch(/proxy password is never kept/);
    fireEvent.click(box);
    await act(async () => fireEvent.click(within(section).getByRole('button', { name: 'Save' })));
    expect(bridge.argsOf('settings.update').at(-1)).toEqual({ patch: { traffic: { keepRemovedValues: true } } });
    expect(within(section).getByText('Saved.')).toBeTruthy();
  });

  it('checks a field while typing and shows the service’s error beside it, keeping the text', async () => {
    const bridge = new FakeBridge({ ...base, 'settings.get': makeSettings(), 'settings.validate': portError });
    await renderApp(bridge, 'Settings');
    const port = screen.getByRole('spinbutton', { name: 'Port' }) as HTMLInputElement;
    fireEvent.change(port, { target: { value: '70000' } });
    await waitFor(() => expect(bridge.argsOf('settings.validate')).toHaveLength(1));
    expect(bridge.argsOf('settings.validate')[0]).toEqual({ patch: { proxy: { port: 70000 } } });
    const error = await screen.findByText('Too big: expected number to be <=65535');
    expect(port.getAttribute('aria-describedby')).toContain(error.id);
    expect(port.getAttribute('aria-invalid')).toBe('true');
    expect(port.value).toBe('70000');
  });

  it('keeps the draft when saving fails and saves once it is right', async () => {
    const bridge = new FakeBridge({
      ...base,
      'settings.get': makeSettings(),
      'settings.validate': { ok: true, settings: makeSettings() },
      'settings.update': portError,
    });
    await renderApp(bridge, 'Settings');
    const port = screen.getByRole('spinbutton', { name: 'Port' }) as HTMLInputElement;
    fireEvent.change(port, { target: { value: '70000' } });
    const save = screen.getAllByRole('button', { name: 'Save' })[0]!;
    await act(async () => fireEvent.click(save));
    expect(screen.getByText('Too big: expected number to be <=65535')).toBeTruthy();
    expect(port.value).toBe('70000');

    const fixed = makeSettings((s) => {
      s.proxy.port = 9000;
    });
    bridge.answer({ 'settings.update': { ok: true, settings: fixed } });
    fireEvent.change(port, { target: { value: '9000' } });
    await waitFor(() => expect(save).toHaveProperty('disabled', false));
    await act(async () => fireEvent.click(save));
    expect(bridge.argsOf('settings.update').at(-1)).toEqual({ patch: { proxy: { port: 9000 } } });
    expect(screen.queryByText('Too big: expected number to be <=65535')).toBeNull();
    expect(screen.getByText('Saved.')).toBeTruthy();
    expect(port.value).toBe('9000');
  });

  it('warns before Veil becomes an open proxy', async () => {
    await renderApp(
      new FakeBridge({
        ...base,
        'settings.get': makeSettings(),
        'settings.validate': { ok: true, settings: makeSettings() },
      }),
      'Settings',
    );
    fireEvent.change(screen.getByRole('textbox', { name: 'Listen address' }), { target: { value: '0.0.0.0' } });
    expect(screen.getByText(/could use Veil as an open proxy/)).toBeTruthy();
    expect(screen.getByRole('textbox', { name: /Allowed clients/ })).toBeTruthy();
  });

  it('tests the upstream and says how it went', async () => {
    const bridge = new FakeBridge({
      ...base,
      'settings.get': makeSettings((s) => {
        s.upstream.default = 'socks5h://127.0.0.1:9050';
      }),
      'upstream.test': { ok: false, ms: 3, error: 'connection refused' },
    });
    await renderApp(bridge, 'Settings');
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Test' })));
    expect(bridge.argsOf('upstream.test')).toEqual([{ url: 'socks5h://127.0.0.1:9050' }]);
    expect(screen.getByText('Not reachable: connection refused.')).toBeTruthy();
  });

  it('names the line of a bad bypass entry', async () => {
    const bridge = new FakeBridge({
      ...base,
      'settings.get': makeSettings(),
      'settings.validate': {
        ok: false,
        errors: [{ path: 'systemProxy.bypass.1', message: 'Too small: expected string to have >=1 characters' }],
      },
    });
    await renderApp(bridge, 'Settings');
    fireEvent.change(screen.getByRole('textbox', { name: /Bypass Veil for/ }), {
      target: { value: 'a.example\nb.example' },
    });
    expect(await screen.findByText('Line 2: Too small: expected string to have >=1 characters')).toBeTruthy();
  });
});
