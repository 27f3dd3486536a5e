import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuditFeature } from '../../proxy-core/src/control/features/audit-feature.js';
import { createService, type VeilService } from '../../proxy-core/src/control/service.js';
import { defaultSettings } from '../../proxy-core/src/control/settings-schema.js';
import { createMemoryStore } from '../../proxy-core/src/control/settings-store.js';
import { auditLine, redactUrl } from '../../proxy-core/src/traffic/audit-line.js';
import { AuditWriter } from '../../proxy-core/src/traffic/audit-writer.js';
import { fakeRecord, startOrigin, tempDir, viaProxy } from '../control/helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(() => cleanup());

async function lines(file: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(file, 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe('audit line', () => {
  const record = fakeRecord(7, {
    forwardedRequestHeaders: [
      ['Host', 'example.com'],
      ['Referer', 'http://example.com/from?session=abc'],
      ['Authorization', 'Bearer xyz'],
    ],
    receipt: [
      {
        direction: 'request',
        action: 'replaced',
        header: 'User-Agent',
        oldValue: 'Mine/1.0',
        newValue: 'Generic',
        rule: 'standard/ua',
      },
    ],
    cache: 'miss',
    profile: 'standard',
  });

  it('writes the documented fields', () => {
    const line = JSON.parse(auditLine(record, { query: false, headerValues: false }));
    expect(Object.keys(line)).toEqual([
      't',
      'id',
      'client',
      'method',
      'url',
      'host',
      'kind',
      'status',
      'bytesUp',
      'bytesDown',
      'ms',
      'route',
      'cache',
      'blocked',
      'error',
      'profile',
      'headers',
      'receipt',
    ]);
    expect(line).toMatchObject({
      t: '2026-11-30T09:00:00.007Z',
      url: 'http://example.com/item/7?q=secret',
      status: 200,
      ms: 12,
      cache: 'miss',
      blocked: null,
      receipt: [['request replaced', 'User-Agent', 'standard/ua', 'Mine/1.0', 'Generic']],
    });
    expect(line.headers).toContainEqual(['Authorization', 'Bearer xyz']);
  });

  it('drops query strings, also from Referer, when asked', () => {
    const text = auditLine(record, { query: true, headerValues: false });
    expect(text).not.toContain('secret');
    expect(text).not.toContain('session=abc');
    const line = JSON.parse(text);
    expect(line.url).toBe('http://example.com/item/7');
    expect(line.headers).toContainEqual(['Referer', 'http://example.com/from']);
    expect(redactUrl('example.com:443')).toBe('example.com:443');
    expect(redactUrl('http://a/b#frag')).toBe('http://a/b');
  });

  it('drops header values, keeping names, when asked', () => {
    const text = auditLine(record, { query: false, headerValues: true });
    expect(text).not.toContain('Bearer');
    expect(text).not.toContain('Mine/1.0');
    const line = JSON.parse(text);
    expect(line.headers).toEqual([
      ['Host', ''],
      ['Referer', ''],
      ['Authorization', ''],
    ]);
    expect(line.receipt).toEqual([['request replaced', 'User-Agent', 'standard/ua']]);
  });
});

describe('audit writer', () => {
  it('rotates by size and keeps only `keep` old files', async () => {
    const path = join(dir, 'audit.ndjson');
    const writer = new AuditWriter({ path, maxBytes: 1000, maxAgeMs: 86_400_000, keep: 3 });
    await writer.open();
    const payload = 'x'.repeat(80);
    for (let i = 1; i <= 100; i++) writer.write(JSON.stringify({ i, payload }));
    await writer.close();
    const names = (await readdir(dir)).sort();
    expect(names).toEqual(['audit.ndjson', 'audit.ndjson.1', 'audit.ndjson.2', 'audit.ndjson.3']);
    for (const name of names) expect((await stat(join(dir, name))).size).toBeLessThanOrEqual(1000);
    // nothing lost across rotations within what is kept: the newest lines, in order, ending with 100
    const kept = [
      ...(await lines(`${path}.3`)),
      ...(await lines(`${path}.2`)),
      ...(await lines(`${path}.1`)),
      ...(await lines(path)),
    ].map((l) => l.i);
    expect(kept.at(-1)).toBe(100);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, k) => 100 - kept.length + 1 + k));
    expect(writer.dropped).toBe(0);
  });

  it('rotates by age', async () => {
    const path = join(dir, 'audit.ndjson');
    let now = Date.UTC(2026, 0, 1);
    const writer = new AuditWriter({ path, maxBytes: 1e9, maxAgeMs: 60_000, keep: 2, now: () => now });
    await writer.open();
    writer.write('{"n":1}');
    writer.write('{"n":2}');
    now += 61_000;
    writer.write('{"n":3}');
    await writer.flush();
    await writer.close();
    expect((await lines(`${path}.1`)).map((l) => l.n)).toEqual([1, 2]);
    expect((await lines(path)).map((l) => l.n)).toEqual([3]);
  });

  it('bounds what waits in memory: drops lines past the bound and says so in the log', async () => {
    const path = join(dir, 'audit.ndjson');
    const writer = new AuditWriter({ path, maxBytes: 100, maxAgeMs: 60_000, keep: 50, maxPendingBytes: 150 });
    await writer.open();
    // the second line starts a rotation; while it runs, lines wait in memory up to 150 bytes
    for (let i = 1; i <= 40; i++) writer.write(JSON.stringify({ i, pad: 'p'.repeat(40) }));
    expect(writer.dropped).toBeGreaterThan(30);
    await writer.close();
    const all: Array<Record<string, unknown>> = [];
    for (const name of (await readdir(dir)).sort().reverse()) all.push(...(await lines(join(dir, name))));
    const note = all.find((l) => 'dropped' in l);
    expect(note?.dropped).toBeGreaterThan(30);
    expect(all.filter((l) => 'i' in l).length + Number(note?.dropped)).toBe(40);
  });

  it('reports its files and bytes', async () => {
    const path = join(dir, 'audit.ndjson');
    const writer = new AuditWriter({ path, maxBytes: 50, maxAgeMs: 60_000, keep: 5 });
    await writer.open();
    for (let i = 0; i < 5; i++) writer.write(JSON.stringify({ i, pad: 'p'.repeat(20) }));
    await writer.close();
    const usage = await writer.usage();
    expect(usage.files).toBe(5);
    let total = 0;
    for (const name of await readdir(dir)) total += (await stat(join(dir, name))).size;
    expect(usage.bytes).toBe(total);
  });
});

describe('audit log through the service', () => {
  let service: VeilService;
  afterEach(() => service?.shutdown());

  it('is off by default and logs one line per exchange once enabled', async () => {
    const origin = await startOrigin();
    service = createService({ store: createMemoryStore(), dataDir: dir, overrides: { proxy: { port: 0 } } });
    await service.start();
    const port = (await service.invoke('status.get')).listening!.port;
    expect(await service.invoke('audit.status')).toEqual({
      enabled: false,
      path: join(dir, 'audit.ndjson'),
      bytes: 0,
      files: 0,
    });
    await viaProxy(port, `${origin.url}/before`);

    await service.invoke('settings.update', { patch: { audit: { enabled: true, redactQuery: true } } });
    await viaProxy(port, `${origin.url}/one?token=hunter2`);
    await viaProxy(port, `${origin.url}/two`);
    // every listener gets a record at once: when the counters have it, so has the audit log
    await expect.poll(async () => (await service.invoke('status.get')).counters.requests).toBe(3);
    await expect.poll(async () => (await service.invoke('audit.status')).bytes).toBeGreaterThan(0);
    const status = await service.invoke('audit.status');
    await service.invoke('settings.update', { patch: { audit: { enabled: false } } });
    const logged = await lines(join(dir, 'audit.ndjson'));
    expect(logged.map((l) => l.url)).toEqual([`${origin.url}/one`, `${origin.url}/two`]);
    expect(JSON.stringify(logged)).not.toContain('hunter2');
    expect(status).toMatchObject({ enabled: true, files: 1 });
    expect((await service.invoke('audit.status')).enabled).toBe(false);
    // header values are left out by default
    expect(logged[0]!.headers).toContainEqual(['Host', '']);
    await origin.close();
  });

  it.skipIf(process.platform === 'win32')('writes the log 0600 in a 0700 directory', async () => {
    const origin = await startOrigin();
    const logDir = join(dir, 'logs', 'veil');
    service = createService({
      store: createMemoryStore(),
      dataDir: dir,
      overrides: { proxy: { port: 0 }, audit: { enabled: true, path: join(logDir, 'audit.ndjson') } },
    });
    await service.start();
    const port = (await service.invoke('status.get')).listening!.port;
    await viaProxy(port, `${origin.url}/done`);
    await expect.poll(async () => (await service.invoke('audit.status')).bytes).toBeGreaterThan(0);
    await service.invoke('settings.update', { patch: { audit: { enabled: false } } });
    const logged = await lines(join(logDir, 'audit.ndjson'));
    expect(logged.map((l) => l.url)).toEqual([`${origin.url}/done`]);
    expect((await stat(logDir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(logDir, 'audit.ndjson'))).mode & 0o777).toBe(0o600);
    await origin.close();
  });
});

describe('audit feature', () => {
  it('skips open records and logs the final one', async () => {
    const path = join(dir, 'audit.ndjson');
    const listeners: Array<(r: ReturnType<typeof fakeRecord>) => void> = [];
    const fakeHost = {
      dataDir: dir,
      notify: () => {},
    } as unknown as Parameters<typeof createAuditFeature>[0];
    const audit = createAuditFeature(fakeHost);
    const settings = defaultSettings();
    await audit.applySettings?.({ ...settings, audit: { ...settings.audit, enabled: true, path } }, null);
    audit.attach?.({
      on: (_e: string, l: (r: ReturnType<typeof fakeRecord>) => void) => {
        listeners.push(l);
        return () => {};
      },
    } as never);
    for (const l of listeners) {
      l(fakeRecord(9, { state: 'open', status: 0 }));
      l(fakeRecord(9, { state: 'done', status: 200 }));
    }
    await audit.applySettings?.({ ...settings, audit: { ...settings.audit, enabled: false, path } }, null);
    const logged = await lines(path);
    expect(logged.map((l) => [l.id, l.status])).toEqual([[9, 200]]);
  });
});
