// @vitest-environment jsdom
import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { FakeBridge, failure } from './fake-bridge.js';
import { builtInProfiles, makeSettings, makeStatus } from './fixtures.js';
import { renderApp } from './render-app.js';

const base = { 'settings.get': makeSettings(), 'traffic.snapshot': { records: [], total: 0 } };

describe('Home', () => {
  it('shows a loading state while the status is on its way', async () => {
    await renderApp(new FakeBridge(base));
    expect(screen.getByText(/Asking Veil for its state/)).toBeTruthy();
  });

  it('says what went wrong and retries', async () => {
    const bridge = new FakeBridge({ ...base, 'status.get': failure('connection refused') });
    await renderApp(bridge);
    expect(screen.getByRole('alert').textContent).toContain('connection refused');
    bridge.answer({ 'status.get': makeStatus() });
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await screen.findByText('Veil is on');
  });

  it('answers "am I protected" in words, with counters', async () => {
    await renderApp(new FakeBridge({ ...base, 'status.get': makeStatus() }));
    expect(screen.getByRole('heading', { name: 'Veil is on' })).toBeTruthy();
    expect(screen.getByText('1,204 requests, 312 blocked, 2,981 identifying headers removed.')).toBeTruthy();
    expect(screen.getByText('127.0.0.1:8899')).toBeTruthy();
    expect(screen.getByText('5.0 MB')).toBeTruthy();
    expect(screen.getByText('Nothing needs your attention.')).toBeTruthy();
  });

  it('names the active profile as the Privacy screen does', async () => {
    await renderApp(new FakeBridge({ ...base, 'status.get': makeStatus(), 'privacy.profiles': builtInProfiles }));
    expect(screen.getByRole('region', { name: 'Summary' }).textContent).toContain('Standard');
  });

  it('turns Veil off with the big switch and shows the new state', async () => {
    const bridge = new FakeBridge({
      ...base,
      'status.get': makeStatus(),
      'proxy.stop': makeStatus({ running: false, listening: null }),
    });
    await renderApp(bridge);
    const big = screen.getAllByRole('switch', { name: 'Veil on' })[1]!;
    expect(big.getAttribute('aria-checked')).toBe('true');
    await act(async () => fireEvent.click(big));
    expect(bridge.argsOf('proxy.stop')).toHaveLength(1);
    expect(screen.getByRole('heading', { name: 'Veil is off' })).toBeTruthy();
    // The sidebar shows it too.
    expect(screen.getAllByRole('switch', { name: 'Veil on' })[0]!.getAttribute('aria-checked')).toBe('false');
  });

  it('says so when the service does not do what the switch asked', async () => {
    const bridge = new FakeBridge({
      ...base,
      'status.get': makeStatus({ running: false, listening: null }),
      'proxy.start': makeStatus({ running: false, listening: null, error: 'listen EADDRINUSE 127.0.0.1:8899' }),
    });
    await renderApp(bridge);
    await act(async () => fireEvent.click(screen.getAllByRole('switch', { name: 'Veil on' })[1]!));
    expect(screen.getByRole('heading', { name: 'Veil is off' })).toBeTruthy();
    expect(screen.getByText('Veil did not start: listen EADDRINUSE 127.0.0.1:8899')).toBeTruthy();
  });

  it('lists notices with their action and dismisses them', async () => {
    const bridge = new FakeBridge({
      ...base,
      'status.get': makeStatus({
        notices: [
          {
            id: 'n1',
            level: 'warning',
            code: 'E_SETTINGS_RECOVERED',
            message: 'The settings file was damaged; Veil used the last good copy.',
            action: 'Check Settings and save again.',
            at: 1,
          },
        ],
      }),
      'notices.dismiss': { dismissed: true },
    });
    await renderApp(bridge);
    expect(screen.getByText('Check Settings and save again.')).toBeTruthy();
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Dismiss' })));
    expect(bridge.argsOf('notices.dismiss')).toEqual([{ id: 'n1' }]);
    expect(screen.queryByText('Check Settings and save again.')).toBeNull();
  });

  it('follows status events pushed by the service', async () => {
    const bridge = new FakeBridge({ ...base, 'status.get': makeStatus() });
    await renderApp(bridge);
    act(() => bridge.emit('status', makeStatus({ running: false, listening: null })));
    await waitFor(() => expect(screen.getByRole('heading', { name: 'Veil is off' })).toBeTruthy());
  });
  it('shows the DNS path and its fallbacks', async () => {
    await renderApp(
      new FakeBridge({
        ...base,
        'status.get': makeStatus({
          dns: { mode: 'private', servers: ['https://dns.example/dns-query'], fallbacks: 2, rebindingRefused: 0 },
        }),
      }),
    );
    const summary = screen.getByRole('region', { name: 'Summary' }).textContent;
    expect(summary).toContain('Private');
    expect(summary).toContain('2 lookups fell back to the system resolver');
  });

  it('"Check what sites see" runs the self-test and lists each check in one line', async () => {
    const bridge = new FakeBridge({
      ...base,
      'status.get': makeStatus(),
      'selftest.run': {
        schema: 'veil-selftest',
        version: 1,
        ok: false,
        startedAt: '2026-12-04T00:00:00.000Z',
        durationMs: 120,
        profile: 'leaky',
        counts: { pass: 1, warn: 1, fail: 1 },
        checks: [
          { id: 'forwarding-headers', status: 'fail', message: 'X-Forwarded-For reached the site (profile leaky).' },
          { id: 'dns', status: 'warn', message: 'System resolver: your network sees every name you visit.' },
          { id: 'route', status: 'pass', message: 'Direct.' },
        ],
      },
    });
    await renderApp(bridge);
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Check what sites see' })));
    expect(bridge.argsOf('selftest.run')).toHaveLength(1);
    const region = screen.getByRole('region', { name: 'What sites see' });
    expect(region.textContent).toContain('1 failed, 1 to look at, 1 passed.');
    expect(region.querySelector('[data-check="forwarding-headers"]')?.textContent).toContain(
      'X-Forwarded-For reached the site',
    );
    expect(region.querySelector('[data-check="forwarding-headers"]')?.className).toContain('fail');
  });
});
