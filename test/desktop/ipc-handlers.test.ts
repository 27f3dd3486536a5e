import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIpcHandlers, type IpcSender, trustedOrigins } from '../../electron/ipc-handlers.js';
import { APP_ORIGIN } from '../../electron/security-policy.js';
import type { CommandName, EventName, VeilApi } from '../../proxy-core/src/control/contract.js';
import { createService, type VeilService } from '../../proxy-core/src/control/service.js';
import { defaultSettings } from '../../proxy-core/src/control/settings-schema.js';
import { createMemoryStore } from '../../proxy-core/src/control/settings-store.js';

let service: VeilService;
let invoked: CommandName[];
let api: VeilApi;

beforeEach(async () => {
  const settings = defaultSettings();
  settings.proxy.port = 0;
  service = createService({ store: createMemoryStore(settings), dataDir: '/nonexistent', features: [] });
  await service.start();
  invoked = [];
  // The real service, with a record of which commands reached it.
  api = {
    invoke: (command, args) => {
      invoked.push(command);
      return service.invoke(command, args);
    },
    on: (event, listener) => service.on(event, listener),
  };
});

afterEach(async () => {
  await service.shutdown(2000);
});

function sender(frameUrl: string | null, topFrame = true): IpcSender & { got: Array<[EventName, unknown]> } {
  const got: Array<[EventName, unknown]> = [];
  return { frameUrl, topFrame, id: 1, got, send: (e, p) => got.push([e, p]) };
}

const ours = () => sender(`${APP_ORIGIN}/index.html`);

describe('IPC handlers (one secured wrapper)', () => {
  it('answers a valid command from the app frame', async () => {
    const h = createIpcHandlers(api, trustedOrigins([APP_ORIGIN]));
    const reply = await h.invoke(ours(), 'status.get', undefined);
    expect(reply.ok).toBe(true);
    expect(reply.ok && (reply.value as { running: boolean }).running).toBe(true);
    expect(invoked).toEqual(['status.get']);
  });

  it('rejects a bad payload with the field errors, before the service sees it', async () => {
    const h = createIpcHandlers(api, trustedOrigins([APP_ORIGIN]));
    const reply = await h.invoke(ours(), 'settings.update', { patch: 'not an object', extra: 1 });
    expect(reply).toMatchObject({ ok: false, code: 'E_INVALID_ARGS' });
    expect(JSON.stringify(reply)).toContain('patch');
    const unknown = await h.invoke(ours(), 'shell.exec', { cmd: 'rm -rf /' });
    expect(unknown).toMatchObject({ ok: false, code: 'E_UNKNOWN_COMMAND' });
    expect(invoked).toEqual([]);
  });

  it('refuses foreign senders: another origin, file://, an iframe, a dead frame', async () => {
    const h = createIpcHandlers(api, trustedOrigins([APP_ORIGIN]));
    for (const s of [
      sender('https://evil.example/'),
      sender('file:///etc/passwd'),
      sender(`${APP_ORIGIN}/index.html`, false),
      sender(null),
      sender('veil-app://other/index.html'),
    ]) {
      expect(await h.invoke(s, 'status.get', undefined), String(s.frameUrl)).toMatchObject({
        ok: false,
        code: 'E_FORBIDDEN',
      });
      expect(h.subscribe(s, 'status')).toBe(false);
    }
    expect(invoked).toEqual([]);
  });

  it('forwards subscribed events only while subscribed, and checks the event name', async () => {
    const h = createIpcHandlers(api, trustedOrigins([APP_ORIGIN]));
    const page = ours();
    expect(h.subscribe(page, 'no-such-event')).toBe(false);
    expect(h.subscribe(page, 'settings')).toBe(true);
    expect(h.subscribedCount(1)).toBe(1);
    await service.invoke('settings.update', { patch: { traffic: { bufferSize: 500 } } });
    expect(page.got.map(([e]) => e)).toContain('settings');
    page.got.length = 0;
    expect(h.unsubscribe(page, 'settings')).toBe(true);
    await service.invoke('settings.update', { patch: { traffic: { bufferSize: 600 } } });
    expect(page.got).toEqual([]);
    h.subscribe(page, 'status');
    h.release(1);
    expect(h.subscribedCount(1)).toBe(0);
  });
});
