// @vitest-environment jsdom
import { act, fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { FakeBridge } from './fake-bridge.js';
import { makeSettings, makeStatus } from './fixtures.js';
import { renderApp } from './render-app.js';

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
};

const route = { host: 'photos.home.test', backends: ['http://127.0.0.1:2342'] };

describe('Settings → Reverse proxy', () => {
  it('shows the saved listeners and routes, one JSON object per line', async () => {
    const settings = makeSettings((s) => {
      s.reverse.listeners = [{ address: '127.0.0.1', port: 8080, tls: null }];
    });
    await renderApp(new FakeBridge({ ...base, 'settings.get': settings }), 'Settings');
    const section = screen.getByRole('region', { name: 'Reverse proxy' });
    const listeners = within(section).getByRole('textbox', { name: /Listeners/ }) as HTMLTextAreaElement;
    expect(JSON.parse(listeners.value)).toEqual({ address: '127.0.0.1', port: 8080, tls: null });
    expect(within(section).getByRole('combobox', { name: 'What backends learn about visitors' })).toHaveProperty(
      'value',
      'anonymous',
    );
  });

  it('names a line that is not JSON next to the field, and saves the routes once it is', async () => {
    const bridge = new FakeBridge({
      ...base,
      'settings.get': makeSettings(),
      'settings.validate': { ok: true, settings: makeSettings() },
      'settings.update': { ok: true, settings: makeSettings() },
    });
    await renderApp(bridge, 'Settings');
    const section = screen.getByRole('region', { name: 'Reverse proxy' });
    const routes = within(section).getByRole('textbox', { name: /Routes/ });
    fireEvent.change(routes, { target: { value: '{"host": "photos.home.test",' } });
    expect(within(section).getByRole('alert').textContent).toMatch(/^Line 1 is not valid JSON/);
    fireEvent.change(routes, { target: { value: JSON.stringify(route) } });
    expect(within(section).queryByRole('alert')).toBeNull();
    fireEvent.click(within(section).getByRole('checkbox', { name: /Serve my own services/ }));
    await act(async () => fireEvent.click(within(section).getByRole('button', { name: 'Save' })));
    expect(bridge.argsOf('settings.update').at(-1)).toEqual({ patch: { reverse: { routes: [route], enabled: true } } });
  });

  it('shows the service’s error for a route beside the routes', async () => {
    const bridge = new FakeBridge({
      ...base,
      'settings.get': makeSettings(),
      'settings.validate': {
        ok: false,
        errors: [
          { path: 'reverse.routes.0.backends.0', message: 'Use http://host:port or https://host:port (no path)' },
        ],
      },
    });
    await renderApp(bridge, 'Settings');
    const section = screen.getByRole('region', { name: 'Reverse proxy' });
    fireEvent.change(within(section).getByRole('textbox', { name: /Routes/ }), {
      target: { value: '{"backends": ["ftp://x"]}' },
    });
    expect((await within(section).findByText(/Line 1: Use http:\/\/host:port/)).textContent).toContain('(no path)');
  });

  it('asks for trusted proxies only in forward mode', async () => {
    await renderApp(
      new FakeBridge({
        ...base,
        'settings.get': makeSettings(),
        'settings.validate': { ok: true, settings: makeSettings() },
      }),
      'Settings',
    );
    const section = screen.getByRole('region', { name: 'Reverse proxy' });
    expect(within(section).queryByRole('textbox', { name: /Trusted proxies/ })).toBeNull();
    fireEvent.change(within(section).getByRole('combobox', { name: 'What backends learn about visitors' }), {
      target: { value: 'forward' },
    });
    expect(within(section).getByRole('textbox', { name: /Trusted proxies/ })).toBeTruthy();
  });
});

describe('Home → Reverse proxy', () => {
  it('is not shown while the reverse proxy is off', async () => {
    await renderApp(new FakeBridge({ ...base, 'settings.get': makeSettings() }));
    await screen.findByText('Veil is on');
    expect(screen.queryByRole('heading', { name: 'Reverse proxy' })).toBeNull();
  });

  it('says where it serves and which backends are out', async () => {
    const status = makeStatus({
      reverse: {
        running: true,
        listening: [{ host: '0.0.0.0', port: 443, tls: true }],
        routes: [
          {
            host: 'photos.home.test',
            pathPrefix: '/',
            backends: [
              { url: 'http://127.0.0.1:2342', state: 'up', active: 1 },
              { url: 'http://127.0.0.1:2343', state: 'out', active: 0 },
            ],
          },
        ],
      },
    });
    await renderApp(new FakeBridge({ ...base, 'settings.get': makeSettings(), 'status.get': status }));
    const card = (await screen.findByRole('heading', { name: 'Reverse proxy' })).parentElement!;
    expect(within(card).getByText('https://0.0.0.0:443')).toBeTruthy();
    expect(card.textContent).toContain('1 of 2 backends answering; out: http://127.0.0.1:2343');
  });

  it('shows why it is not running', async () => {
    const status = makeStatus({
      reverse: {
        running: false,
        listening: [],
        routes: [],
        error: 'The reverse proxy could not start: Port 443 on 0.0.0.0 is already in use.',
      },
    });
    await renderApp(new FakeBridge({ ...base, 'settings.get': makeSettings(), 'status.get': status }));
    expect((await screen.findByRole('heading', { name: 'Reverse proxy' })).parentElement!.textContent).toContain(
      'already in use',
    );
  });
});
