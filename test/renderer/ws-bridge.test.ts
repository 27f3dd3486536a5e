import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import type { Settings } from '../../proxy-core/src/control/contract.js';
import { createService, type VeilService } from '../../proxy-core/src/control/service.js';
import { defaultSettings } from '../../proxy-core/src/control/settings-schema.js';
import { createMemoryStore } from '../../proxy-core/src/control/settings-store.js';
import { startUiServer, type UiServer } from '../../proxy-core/src/control/ui-server.js';
import { BridgeError } from '../../renderer/src/bridge/bridge.js';
import {
  type ConnectionState,
  checkTokenAt,
  createWsBridge,
  tokenFromHash,
  wsUrlFor,
} from '../../renderer/src/bridge/ws-bridge.js';
import { waitFor } from '../support/wait.js';

// The renderer's WebSocket Bridge against the real service and UI server; Node 20 has no global WebSocket,
// so the `ws` client (same onopen/onmessage/onclose API) stands in for the browser's.
const WebSocketImpl = NodeWebSocket as unknown as typeof WebSocket;

let service: VeilService;
let ui: UiServer | null = null;
let dir: string | undefined;
const closers: Array<() => void> = [];

async function start(port = 0, token?: string) {
  ui = await startUiServer({ service, port, staticDir: dir!, ...(token ? { token } : {}) });
  return ui;
}

async function boot() {
  dir = await mkdtemp(join(tmpdir(), 'veil-wsb-'));
  const settings = defaultSettings();
  service = createService({
    store: createMemoryStore({ ...settings, proxy: { ...settings.proxy, port: 0 } }),
    dataDir: dir,
  });
  await service.start();
  return start();
}

function bridgeFor(server: UiServer, states: ConnectionState[] = []) {
  const url = wsUrlFor(
    { protocol: 'http:', host: `127.0.0.1:${server.port}` },
    tokenFromHash(`#token=${server.token}`)!,
  );
  const bridge = createWsBridge({ url, WebSocketImpl, timeoutMs: 10_000, onState: (s) => states.push(s) });
  closers.push(() => bridge.close());
  return bridge;
}

afterEach(async () => {
  for (const c of closers.splice(0)) c();
  await ui?.close();
  ui = null;
  await service?.shutdown(1000);
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('the WebSocket Bridge', () => {
  it('reads the token from the fragment and builds the same-origin URL', () => {
    expect(tokenFromHash('#token=abc-_123')).toBe('abc-_123');
    expect(tokenFromHash('')).toBeNull();
    expect(wsUrlFor({ protocol: 'http:', host: '127.0.0.1:5000' }, 'a b')).toBe('ws://127.0.0.1:5000/ws?token=a%20b');
  });

  it('carries commands and their results, queued until the socket opens', async () => {
    const server = await boot();
    const bridge = bridgeFor(server);
    const [status, settings] = await Promise.all([bridge.invoke('status.get'), bridge.invoke('settings.get')]);
    expect(status.running).toBe(true);
    expect(settings.proxy.listen).toBe('127.0.0.1');
  });

  it('rejects with the service’s field errors', async () => {
    const bridge = bridgeFor(await boot());
    const result = await bridge.invoke('settings.validate', { patch: { proxy: { port: 70000 } } });
    expect(result.ok).toBe(false);
    const err = await bridge.invoke('notices.dismiss', {} as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BridgeError);
    expect((err as BridgeError).code).toBe('E_INVALID_ARGS');
    expect((err as BridgeError).errors.map((e) => e.path)).toEqual(['id']);
  });

  it('subscribes to events it listens to and stops when the last listener leaves', async () => {
    const bridge = bridgeFor(await boot());
    const seen: Settings[] = [];
    const off = bridge.on('settings', (s) => seen.push(s));
    await bridge.invoke('status.get');
    await bridge.invoke('settings.update', { patch: { app: { theme: 'dark' } } });
    await waitFor('the settings event', () => seen.length === 1);
    expect(seen[0]!.app.theme).toBe('dark');
    off();
    await bridge.invoke('settings.update', { patch: { app: { theme: 'light' } } });
    await bridge.invoke('status.get');
    expect(seen).toHaveLength(1);
  });

  it('fails commands in flight when the connection drops, reconnects and subscribes again', async () => {
    const server = await boot();
    const states: ConnectionState[] = [];
    const bridge = bridgeFor(server, states);
    const seen: Settings[] = [];
    bridge.on('settings', (s) => seen.push(s));
    await bridge.invoke('status.get');
    const { port, token } = server;
    await server.close();
    ui = null;
    await waitFor('the drop', () => states.includes('closed'));
    const lost = await bridge.invoke('status.get').catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(BridgeError);

    await start(port, token);
    await waitFor('the reconnect', () => states.lastIndexOf('open') > states.indexOf('closed'), 15_000);
    await bridge.invoke('settings.update', { patch: { app: { theme: 'dark' } } });
    await waitFor('the settings event after reconnecting', () => seen.length === 1);
  });

  it('is refused without the right token', async () => {
    const server = await boot();
    const states: ConnectionState[] = [];
    const url = `ws://127.0.0.1:${server.port}/ws?token=wrong`;
    const bridge = createWsBridge({ url, WebSocketImpl, timeoutMs: 500, onState: (s) => states.push(s) });
    closers.push(() => bridge.close());
    const err = await bridge.invoke('status.get').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BridgeError);
    expect(states).not.toContain('open');
  });

  it('tells a stale token (refused: retrying cannot help) from a Veil that is not running (retried)', async () => {
    const server = await boot();
    const origin = `http://127.0.0.1:${server.port}`;
    expect(await checkTokenAt(origin, server.token)).toBe('ok');
    expect(await checkTokenAt(origin, 'an-old-token-from-a-bookmark')).toBe('stale');
    const states: ConnectionState[] = [];
    const bridge = createWsBridge({
      url: `ws://127.0.0.1:${server.port}/ws?token=an-old-token-from-a-bookmark`,
      WebSocketImpl,
      onState: (s) => states.push(s),
      checkToken: () => checkTokenAt(origin, 'an-old-token-from-a-bookmark'),
    });
    closers.push(() => bridge.close());
    await waitFor('the refusal', () => states.includes('refused'));
    await new Promise((r) => setTimeout(r, 600));
    // no retry after a refusal: one connecting, one closed, one refused
    expect(states).toEqual(['connecting', 'closed', 'refused']);

    const { port } = server;
    await server.close();
    ui = null;
    expect(await checkTokenAt(`http://127.0.0.1:${port}`, 'anything')).toBe('unknown');
  });
});
