// @vitest-environment jsdom
import { act, fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { UpdateResult } from '../../proxy-core/src/control/contract.js';
import { mergeSettings, validateSettings } from '../../proxy-core/src/control/settings-merge.js';
import { FakeBridge } from './fake-bridge.js';
import { makeSettings, makeStatus } from './fixtures.js';
import { renderApp } from './render-app.js';

/** `settings.validate` answered by the service's own rules (settings-merge.ts), not by canned text. */
function realRules(args: { patch: Record<string, unknown> } | undefined): UpdateResult {
  return validateSettings(mergeSettings(makeSettings(), args?.patch ?? {}));
}

async function openSettings() {
  const bridge = new FakeBridge({
    'status.get': makeStatus(),
    'settings.get': makeSettings(),
    'traffic.snapshot': { records: [], total: 0 },
    'settings.validate': realRules as never,
  });
  await renderApp(bridge, 'Settings');
  return bridge;
}

/** Types into a field and waits past the form's check delay. */
async function type(field: HTMLElement, value: string) {
  fireEvent.change(field, { target: { value } });
  await act(async () => {
    await new Promise((r) => setTimeout(r, 300));
  });
}

function saveOf(section: string) {
  return within(screen.getByRole('region', { name: section })).getByRole('button', { name: 'Save' });
}

describe('every Settings field says what is wrong in words, as it is typed, and Save waits', () => {
  it.each([
    ['70000', 'Port must be a whole number from 0 to 65535.'],
    ['80.5', 'Port must be a whole number from 0 to 65535.'],
    ['', 'Port must be a whole number from 0 to 65535.'],
  ])('Port %j', async (value, message) => {
    await openSettings();
    const port = screen.getByRole('spinbutton', { name: 'Port' });
    await type(port, value);
    expect(screen.getByText(message)).toBeTruthy();
    expect(port.getAttribute('aria-invalid')).toBe('true');
    expect(saveOf('Listener')).toHaveProperty('disabled', true);
    await type(port, '9000');
    expect(screen.queryByText(message)).toBeNull();
    expect(saveOf('Listener')).toHaveProperty('disabled', false);
  });

  it.each([
    ['not an ip', /^Listen address must be an IP address of this computer: 127\.0\.0\.1 \(only this computer\)/],
    ['0.0.0.0', /^Listening on 0\.0\.0\.0 lets other computers use Veil: list the clients that may/],
  ])('Listen address %j', async (value, message) => {
    await openSettings();
    await type(screen.getByRole('textbox', { name: 'Listen address' }), value);
    expect(screen.getByText(message)).toBeTruthy();
    expect(saveOf('Listener')).toHaveProperty('disabled', true);
  });

  it('Allowed clients names the line', async () => {
    await openSettings();
    await type(screen.getByRole('textbox', { name: 'Listen address' }), '0.0.0.0');
    await type(screen.getByRole('textbox', { name: /Allowed clients/ }), '192.168.1.0/24\nmy laptop');
    expect(screen.getByText('Line 2: "my laptop" is not an IP address or a range like 192.168.1.0/24.')).toBeTruthy();
    await type(screen.getByRole('textbox', { name: /Allowed clients/ }), '192.168.1.0/24\n10.0.0.0/33');
    expect(screen.getByText('Line 2: "10.0.0.0/33": the part after / must be 0 to 32.')).toBeTruthy();
    await type(screen.getByRole('textbox', { name: /Allowed clients/ }), '192.168.1.0/24');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(saveOf('Listener')).toHaveProperty('disabled', false);
  });

  it('Upstream proxy URL', async () => {
    await openSettings();
    await type(screen.getByRole('textbox', { name: 'Upstream proxy URL' }), 'tor');
    expect(
      screen.getByText(
        'Upstream proxy URL must look like socks5h://host:port, socks5://host:port or http://host:port (user:pass@ allowed).',
      ),
    ).toBeTruthy();
    expect(saveOf('Upstream')).toHaveProperty('disabled', true);
  });

  it('Cache size limit', async () => {
    await openSettings();
    await type(screen.getByRole('spinbutton', { name: 'Size limit (MB)' }), '-3');
    expect(screen.getByText('Cache size limit (MB) must be a number from 0 to 65536.')).toBeTruthy();
    expect(saveOf('Cache')).toHaveProperty('disabled', true);
  });

  it('Bypass list names the line', async () => {
    await openSettings();
    await type(screen.getByRole('textbox', { name: /Bypass Veil for/ }), 'a.example\nnot a host');
    expect(
      screen.getByText(
        'Line 2: Each bypassed host is one name, address or range, e.g. intranet.example.com or 10.0.0.0/8.',
      ),
    ).toBeTruthy();
    expect(saveOf('System proxy')).toHaveProperty('disabled', true);
  });
});
