import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExchangeRecord, TrafficBatch } from '../../proxy-core/src/control/contract.js';
import { createService, type VeilService } from '../../proxy-core/src/control/service.js';
import type { SettingsPatch } from '../../proxy-core/src/control/settings-schema.js';
import { createMemoryStore } from '../../proxy-core/src/control/settings-store.js';
import { OPEN_AFTER_MS } from '../../proxy-core/src/proxy/exchange-recorder.js';
import { CREDENTIALS_PLACEHOLDER, shortHash } from '../../proxy-core/src/proxy/record-secrets.js';
import { tempDir } from '../support/net.js';
import { type Origin, startHttpOrigin, startRawOrigin } from '../support/origins.js';
import { viaProxy } from '../support/proxy-client.js';
import { openTunnel } from '../support/raw-client.js';
import { waitFor } from '../support/wait.js';

let service: VeilService | undefined;
const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  await service?.shutdown();
  service = undefined;
  for (const c of closers.splice(0).reverse()) await c();
});

async function startService(overrides: SettingsPatch = {}): Promise<{ port: number; batches: TrafficBatch[] }> {
  const t = await tempDir();
  closers.push(t.cleanup);
  service = createService({
    store: createMemoryStore(),
    dataDir: t.dir,
    overrides: { ...overrides, proxy: { port: 0, ...overrides.proxy } },
    engine: { timeouts: { drainMs: 200 } },
  });
  await service.start();
  const batches: TrafficBatch[] = [];
  closers.push(async () => unsubscribe());
  const unsubscribe = service.on('traffic', (b) => batches.push(b));
  return { port: (await service.invoke('status.get')).listening!.port, batches };
}

function live(batches: TrafficBatch[]): ExchangeRecord[] {
  return batches.flatMap((b) => b.records);
}

async function snapshot(): Promise<ExchangeRecord[]> {
  return (await service!.invoke('traffic.snapshot')).records;
}

async function echoOrigin(): Promise<Origin> {
  const origin = await startRawOrigin((socket, first) => {
    socket.write(first);
    socket.on('data', (c: Buffer) => socket.write(c));
  });
  closers.push(() => origin.close());
  return origin;
}

describe('live records', () => {
  it('shows a CONNECT tunnel open while it lasts, then replaces it by id with its final figures', async () => {
    const origin = await echoOrigin();
    const { port, batches } = await startService({ proxy: { allowedConnectPorts: [origin.port] } });
    const tunnel = await openTunnel(port, `127.0.0.1:${origin.port}`);
    expect(tunnel.status).toBe(200);
    tunnel.socket.write('ping');
    await once(tunnel.socket, 'data');

    const open = await waitFor('the open tunnel in the live feed', () => live(batches).find((r) => r.state === 'open'));
    expect(open).toMatchObject({ kind: 'connect', url: `127.0.0.1:${origin.port}`, state: 'open' });
    expect(open.timings.total).toBeGreaterThanOrEqual(OPEN_AFTER_MS);
    // the buffer holds it too, so a window opened now sees the tunnel
    expect((await snapshot()).map((r) => [r.id, r.state])).toEqual([[open.id, 'open']]);
    // neither the counters nor the audit log count an exchange that has not ended
    expect((await service!.invoke('status.get')).counters.requests).toBe(0);

    tunnel.socket.end();
    await once(tunnel.socket, 'close');
    const done = await waitFor('the finished tunnel', () => live(batches).find((r) => r.state === 'done'));
    expect(done.id).toBe(open.id);
    expect(done.bytesUp).toBe(4);
    expect(done.bytesDown).toBe(4);
    expect(done.timings.total).toBeGreaterThanOrEqual(open.timings.total);
    const kept = await snapshot();
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ id: open.id, state: 'done', bytesDown: 4 });
    expect((await service!.invoke('status.get')).counters.requests).toBe(1);
  });

  it('shows a slow download open, then done; a quick exchange only once, done', async () => {
    const origin = await startHttpOrigin((req, res) => {
      if (req.url === '/quick') {
        res.end('quick');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('first ');
      setTimeout(() => res.end('last'), OPEN_AFTER_MS * 3);
    });
    closers.push(() => origin.close());
    const { port, batches } = await startService();
    const slow = await viaProxy(port, `http://127.0.0.1:${origin.port}/slow`);
    expect(slow.body.toString()).toBe('first last');
    await viaProxy(port, `http://127.0.0.1:${origin.port}/quick`);
    const records = await waitFor('both done records', () => {
      const all = live(batches);
      return all.filter((r) => r.state === 'done').length === 2 ? all : undefined;
    });
    const slowOnes = records.filter((r) => r.url.endsWith('/slow'));
    expect(slowOnes.map((r) => r.state)).toEqual(['open', 'done']);
    expect(slowOnes[0]!.id).toBe(slowOnes[1]!.id);
    expect(slowOnes[1]!.bytesDown).toBe(10);
    expect(records.filter((r) => r.url.endsWith('/quick')).map((r) => r.state)).toEqual(['done']);
    expect((await snapshot()).map((r) => r.state)).toEqual(['done', 'done']);
  });

  it('keeps record ids unique across listener restarts (off and on, a port change)', async () => {
    const origin = await startHttpOrigin((_req, res) => res.end('ok'));
    closers.push(() => origin.close());
    const { batches } = await startService();
    const url = `http://127.0.0.1:${origin.port}/`;
    const request = async () => viaProxy((await service!.invoke('status.get')).listening!.port, url);

    await request();
    await service!.invoke('proxy.stop');
    await service!.invoke('proxy.start');
    await request();
    const moved = await service!.invoke('settings.update', { patch: { proxy: { port: 0 } } });
    expect(moved.ok).toBe(true);
    await request();
    const ids = (await waitFor('three records', () => (live(batches).length >= 3 ? live(batches) : undefined))).map(
      (r) => r.id,
    );
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
  });
});

describe('records keep no secrets', () => {
  const secretCookie = 'session=s3cr3t-cookie-value';

  it("never holds Veil's proxy credentials; removed values become length and hash", async () => {
    const origin = await startHttpOrigin((_req, res) => {
      res.writeHead(200, { 'Set-Cookie': 'tracker=t0k3n; Max-Age=999' });
      res.end('ok');
    });
    closers.push(() => origin.close());
    const { port, batches } = await startService({
      proxy: { proxyAuth: 'alice:pa55word' },
      privacy: { profile: 'strict' },
    });
    const credentials = `Basic ${Buffer.from('alice:pa55word').toString('base64')}`;
    const answer = await viaProxy(port, `http://127.0.0.1:${origin.port}/`, {
      headers: { 'Proxy-Authorization': credentials, Cookie: secretCookie },
    });
    expect(answer.status).toBe(200);
    const record = await waitFor('the record', () => live(batches)[0]);
    const text = JSON.stringify(record);
    for (const secret of [credentials, 'pa55word', secretCookie, 't0k3n']) expect(text).not.toContain(secret);
    expect(record.requestHeaders).toContainEqual(['Proxy-Authorization', CREDENTIALS_PLACEHOLDER]);
    const cookie = record.receipt.find((e) => e.header === 'Cookie')!;
    expect(cookie).toMatchObject({
      action: 'removed',
      oldLength: secretCookie.length,
      oldHash: shortHash(secretCookie),
    });
    expect(cookie.oldValue).toBeUndefined();
    expect(record.requestHeaders.find(([n]) => n === 'Cookie')?.[1]).toMatch(
      /^\[not kept: 27 bytes, sha256 [0-9a-f]{8}]$/,
    );
    // the HAR export says what it leaves out
    const har = await service!.invoke('traffic.exportHar');
    expect(har.log.comment).toMatch(/Redacted:.*Proxy-Authorization/);
    expect(har.log.entries[0]!.comment).toMatch(/request Cookie removed by strict\/cookies/);
    expect(JSON.stringify(har)).not.toContain('pa55word');
  });

  it('keeps removed values when "keep removed values" is on, but still never the credentials', async () => {
    const origin = await startHttpOrigin((_req, res) => res.end('ok'));
    closers.push(() => origin.close());
    const { port, batches } = await startService({
      proxy: { proxyAuth: 'alice:pa55word' },
      privacy: { profile: 'strict' },
      traffic: { keepRemovedValues: true },
    });
    const credentials = `Basic ${Buffer.from('alice:pa55word').toString('base64')}`;
    await viaProxy(port, `http://127.0.0.1:${origin.port}/`, {
      headers: { 'Proxy-Authorization': credentials, Cookie: secretCookie },
    });
    const record = await waitFor('the record', () => live(batches)[0]);
    expect(record.receipt.find((e) => e.header === 'Cookie')).toMatchObject({
      oldValue: secretCookie,
      oldHash: shortHash(secretCookie),
    });
    expect(record.requestHeaders).toContainEqual(['Cookie', secretCookie]);
    expect(JSON.stringify(record)).not.toContain('pa55word');
  });
});
