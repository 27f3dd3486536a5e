// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { BridgeError } from '../../renderer/src/bridge/bridge.js';
import { createElectronBridge } from '../../renderer/src/bridge/electron-bridge.js';
import { pickBridge } from '../../renderer/src/bridge/pick-bridge.js';
import { FakeBridge } from './fake-bridge.js';
import { makeStatus } from './fixtures.js';

afterEach(() => {
  delete window.veil;
  window.location.hash = '';
});

describe('choosing the Bridge at start-up', () => {
  it('uses the Electron preload when it is there', async () => {
    const preload = new FakeBridge({ 'status.get': makeStatus({ profile: 'strict' }) });
    window.veil = preload;
    const states: string[] = [];
    const bridge = pickBridge((s) => states.push(s));
    expect('error' in bridge).toBe(false);
    expect((await (bridge as FakeBridge).invoke('status.get')).profile).toBe('strict');
    expect(states).toEqual(['open']);
  });

  it('explains what to open when the page has no token and no preload', () => {
    const bridge = pickBridge(() => {});
    expect(bridge).toEqual({ error: expect.stringContaining('#token=') });
  });

  it('turns the preload’s errors into BridgeErrors with the field errors kept', async () => {
    const preload = new FakeBridge({
      'settings.update': () => {
        throw {
          code: 'E_INVALID_ARGS',
          message: 'Invalid arguments',
          errors: [{ path: 'patch', message: 'Required' }],
        };
      },
    });
    const err = await createElectronBridge(preload)
      .invoke('settings.update', { patch: {} })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BridgeError);
    expect((err as BridgeError).code).toBe('E_INVALID_ARGS');
    expect((err as BridgeError).errors).toEqual([{ path: 'patch', message: 'Required' }]);
  });

  it('passes events through and unsubscribes', () => {
    const preload = new FakeBridge();
    const seen: string[] = [];
    const off = createElectronBridge(preload).on('notice', (n) => seen.push(n.code));
    preload.emit('notice', { id: 'n1', level: 'info', code: 'HELLO', message: 'hi', at: 1 });
    off();
    preload.emit('notice', { id: 'n2', level: 'info', code: 'AGAIN', message: 'hi', at: 2 });
    expect(seen).toEqual(['HELLO']);
  });
});
