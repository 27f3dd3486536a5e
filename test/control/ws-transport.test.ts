import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Settings, TrafficBatch } from '../../proxy-core/src/control/contract.js';
import { createService, type VeilService } from '../../proxy-core/src/control/service.js';
import { createMemoryStore } from '../../proxy-core/src/control/settings-store.js';
import { startUiServer, type UiServer } from '../../proxy-core/src/control/ui-server.js';
import type { WsServerMessage } from '../../proxy-core/src/control/ws-protocol.js';
import { connect, startOrigin, type TestClient, tempDir, viaProxy } from './helpers.js';

let service: VeilService;
let ui: UiServer;
let cleanup: () => Promise<void>;
let staticDir: string;
const clients: TestClient[] = [];

beforeEach(async () => {
  const t = await tempDir();
  cleanup = t.cleanup;
  staticDir = join(t.dir, 'renderer');
  await mkdir(join(staticDir, 'assets'), { recursive: true });
  await writeFile(
    join(staticDir, 'index.html'),
    '<!doctype html><title>Veil</title><script src="./assets/app.js"></script>',
  );
  await writeFile(join(staticDir, 'assets', 'app.js'), 'console.log("veil")');
  await writeFile(join(staticDir, 'assets', 'app.css'), 'body{}');
  await writeFile(join(t.dir, 'secret.txt'), 'outside the root');
  service = createService({ store: createMemoryStore(), dataDir: t.dir, overrides: { proxy: { port: 0 } } });
  await service.start();
  ui = await startUiServer({ service, staticDir, token: 'test-token-123' });
});
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await ui.close();
  await service.shutdown();
  await cleanup();
});

const wsUrl = (token = 'test-token-123') => `ws://127.0.0.1:${ui.port}/ws?token=${encodeURIComponent(token)}`;

async function open(headers: Record<string, string> = {}): Promise<TestClient> {
  const c = await connect(wsUrl(), headers);
  clients.push(c);
  await c.next((m) => 'hello' in m);
  return c;
}

function get(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: ui.port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('WebSocket transport', () => {
  it('prints a loopback URL with the token in the fragment', () => {
    expect(ui.url).toBe(`http://127.0.0.1:${ui.port}/#token=test-token-123`);
  });

  it('round-trips commands, results and errors', async () => {
    const c = await open();
    const status = await c.call('status.get');
    expect('result' in status && (status.result as { running: boolean }).running).toBe(true);

    const updated = await c.call('settings.update', { patch: { privacy: { profile: 'strict' } } });
    expect(updated).toMatchObject({ result: { ok: true, settings: { privacy: { profile: 'strict' } } } });
    expect(service.settings.privacy.profile).toBe('strict');

    const invalid = await c.call('settings.update', { patch: { proxy: { port: -1 } } });
    expect(invalid).toMatchObject({ result: { ok: false, errors: [{ path: 'proxy.port' }] } });

    expect(await c.call('settings.update', { wrong: 1 })).toMatchObject({ error: { code: 'E_INVALID_ARGS' } });
    expect(await c.call('no.such')).toMatchObject({ error: { code: 'E_UNKNOWN_COMMAND' } });

    c.send({ command: 'status.get' });
    expect(await c.next((m) => 'error' in m && m.id === null)).toMatchObject({ error: { code: 'E_INVALID_ARGS' } });
    c.ws.send('{not json');
    expect(await c.next((m) => 'error' in m && m.id === null)).toMatchObject({ error: { message: /JSON/ } });

    // string ids come back as they were sent
    c.send({ id: 'abc', command: 'traffic.pause' });
    expect(await c.next((m) => 'id' in m && m.id === 'abc')).toEqual({ id: 'abc', result: { paused: true } });
  });

  it('pushes only subscribed events: settings and a live traffic batch from a real exchange', async () => {
    const c = await open();
    await c.call('settings.update', { patch: { cache: { maxSizeMb: 10 } } });
    c.send({ subscribe: ['settings', 'traffic'] });
    // a command after the subscribe is handled after it: once its reply arrives the subscription is live
    await c.call('status.get');
    expect(c.messages.some((m) => 'event' in m)).toBe(false);
    await c.call('settings.update', { patch: { cache: { maxSizeMb: 11 } } });
    const settings = (await c.next((m) => 'event' in m && m.event === 'settings')) as { payload: Settings };
    expect(settings.payload.cache.maxSizeMb).toBe(11);

    const origin = await startOrigin();
    const port = service.settings.proxy.port || (await service.invoke('status.get')).listening!.port;
    await viaProxy(port, `${origin.url}/live`);
    const batch = (await c.next((m) => 'event' in m && m.event === 'traffic')) as { payload: TrafficBatch };
    expect(batch.payload.missed).toBe(0);
    expect(batch.payload.records[0]!.url).toBe(`${origin.url}/live`);
    await origin.close();

    c.send({ unsubscribe: ['settings'] });
    await c.call('settings.update', { patch: { cache: { maxSizeMb: 12 } } });
    await c.call('status.get');
    expect(c.messages.some((m: WsServerMessage) => 'event' in m && m.event === 'settings')).toBe(false);

    c.send({ subscribe: ['nonsense'] });
    expect(await c.next((m) => 'error' in m)).toMatchObject({ error: { code: 'E_INVALID_ARGS' } });
  });

  it("accepts the UI page's own Origin", async () => {
    const c = await open({ Origin: `http://127.0.0.1:${ui.port}` });
    expect(await c.call('traffic.resume')).toMatchObject({ result: { paused: false } });
  });
});

describe('transport security', () => {
  const refused = (url: string, headers: Record<string, string> = {}) =>
    connect(url, headers).then(
      (c) => {
        clients.push(c);
        return 0;
      },
      (err: { status?: number }) => err.status ?? -1,
    );

  it('refuses a missing token', async () => {
    expect(await refused(`ws://127.0.0.1:${ui.port}/ws`)).toBe(401);
  });

  it('refuses a wrong token', async () => {
    expect(await refused(wsUrl('test-token-124'))).toBe(401);
    expect(await refused(wsUrl(''))).toBe(401);
  });

  it('refuses a Host that is not its loopback name (DNS rebinding)', async () => {
    expect(await refused(wsUrl(), { Host: `attacker.example:${ui.port}` })).toBe(421);
    expect(await refused(wsUrl(), { Host: '127.0.0.1:1' })).toBe(421);
    expect((await get('/', { Host: `attacker.example:${ui.port}` })).status).toBe(421);
  });

  it('refuses a foreign Origin (CSRF)', async () => {
    expect(await refused(wsUrl(), { Origin: 'http://attacker.example' })).toBe(403);
    expect(await refused(wsUrl(), { Origin: `http://127.0.0.1:${ui.port + 1}` })).toBe(403);
    expect(await refused(wsUrl(), { Origin: 'null' })).toBe(403);
  });

  it('has no WebSocket anywhere but /ws', async () => {
    expect(await refused(`ws://127.0.0.1:${ui.port}/other?token=test-token-123`)).toBe(404);
  });
});

describe('static renderer', () => {
  it('serves the built files with their MIME types and a CSP', async () => {
    const index = await get('/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['content-security-policy']).toContain("script-src 'self'");
    expect(index.headers['content-security-policy']).toContain(`ws://127.0.0.1:${ui.port}`);
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    expect(index.body).toContain('<title>Veil</title>');
    expect((await get('/assets/app.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get('/assets/app.css')).headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('serves nothing outside its folder', async () => {
    expect((await get('/../secret.txt')).status).toBe(404);
    expect((await get('/..%2fsecret.txt')).status).toBe(404);
    expect((await get('/%2e%2e/secret.txt')).status).toBe(404);
    expect((await get('/missing.js')).status).toBe(404);
  });
});
