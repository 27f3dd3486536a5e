import { createRequire } from 'node:module';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExchangeRecord, TrafficBatch } from '../../proxy-core/src/control/contract.js';
import { createTrafficFeature, type TrafficFeature } from '../../proxy-core/src/control/features/traffic-feature.js';
import { createService, type VeilService } from '../../proxy-core/src/control/service.js';
import { createMemoryStore } from '../../proxy-core/src/control/settings-store.js';
import { fakeRecord, startOrigin, tempDir, viaProxy } from '../control/helpers.js';
import { waitFor } from '../support/wait.js';

const require = createRequire(import.meta.url);
const harSchemas = require('har-schema') as Record<string, { $id: string }>;

/** ajv with the HAR 1.2 schemas (har-schema, JSON Schema draft-06). */
function harValidator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json'));
  for (const [name, schema] of Object.entries(harSchemas)) if (name !== 'har') ajv.addSchema(schema);
  return ajv.compile(harSchemas.har!);
}

let service: VeilService;
let traffic: TrafficFeature;
let origin: Awaited<ReturnType<typeof startOrigin>>;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  origin = await startOrigin();
  const t = await tempDir();
  cleanup = t.cleanup;
  service = createService({
    store: createMemoryStore(),
    dataDir: t.dir,
    features: [
      (host) => {
        traffic = createTrafficFeature(host);
        return traffic;
      },
    ],
    overrides: { proxy: { port: 0 } },
  });
  await service.start();
});
afterEach(async () => {
  await service.shutdown();
  await origin.close();
  await cleanup();
});

describe('traffic feature', () => {
  it('records real exchanges and exports them as valid HAR 1.2 with forwarded headers', async () => {
    const port = (await service.invoke('status.get')).listening!.port;
    const batches: TrafficBatch[] = [];
    const off = service.on('traffic', (b) => batches.push(b));
    await viaProxy(port, `${origin.url}/a?x=1&y=two`, { headers: { 'X-Forwarded-For': '10.0.0.1' } });
    await viaProxy(port, `${origin.url}/b`);
    const snap = await waitFor('the snapshot', async () => {
      const s = await service.invoke('traffic.snapshot');
      return s.total >= 2 ? s : undefined;
    });
    expect(snap.records.map((r) => new URL(r.url).pathname)).toEqual(['/a', '/b']);
    await waitFor('two live records', async () => (batches.flatMap((b) => b.records).length >= 2 ? true : undefined));
    off();

    const har = await service.invoke('traffic.exportHar');
    const validate = harValidator();
    expect(validate(har), JSON.stringify(validate.errors)).toBe(true);
    const entry = har.log.entries[0]!;
    expect(entry.request.url).toBe(`${origin.url}/a?x=1&y=two`);
    expect(entry.request.queryString).toEqual([
      { name: 'x', value: '1' },
      { name: 'y', value: 'two' },
    ]);
    expect(entry.response.status).toBe(200);
    expect(entry.response.content.mimeType).toBe('text/plain');
    // headers as Veil forwarded them, i.e. the record's forwarded list
    expect(entry.request.headers).toEqual(
      snap.records[0]!.forwardedRequestHeaders.map(([name, value]) => ({ name, value })),
    );
  });

  it('exports synthetic CONNECT, blocked and failed records as valid HAR', async () => {
    traffic.ingest(fakeRecord(1, { kind: 'connect', method: 'CONNECT', url: 'example.com:443' }));
    traffic.ingest(fakeRecord(2, { status: 403, blocked: { kind: 'blocklist', rule: '||ads^', list: 'EasyList' } }));
    traffic.ingest(
      fakeRecord(3, { status: 502, error: 'E_UPSTREAM_DNS', timings: { dns: 0, connect: 0, firstByte: 0, total: 3 } }),
    );
    const har = await service.invoke('traffic.exportHar');
    const validate = harValidator();
    expect(validate(har), JSON.stringify(validate.errors)).toBe(true);
    expect(har.log.entries[0]!.request.url).toBe('https://example.com:443/');
    expect(har.log.entries[1]!.comment).toContain('||ads^');
    const only = await service.invoke('traffic.exportHar', { filter: { blocked: true } });
    expect(only.log.entries).toHaveLength(1);
    // the schema does catch a broken entry (so a pass above means something)
    const broken = structuredClone(har) as unknown as { log: { entries: Array<Record<string, unknown>> } };
    delete broken.log.entries[0]!.timings;
    broken.log.entries[1]!.startedDateTime = 'yesterday';
    expect(validate(broken)).toBe(false);
  });

  it('filters by host, status class, blocked, method and text; limits to the newest', async () => {
    const records: ExchangeRecord[] = [
      fakeRecord(1, {
        host: 'ads.tracker.net',
        url: 'http://ads.tracker.net/p',
        status: 403,
        blocked: { kind: 'blocklist', rule: '||tracker.net^', list: 'L' },
      }),
      fakeRecord(2, { host: 'example.com', method: 'POST', status: 201 }),
      fakeRecord(3, { host: 'www.example.com', status: 404 }),
      fakeRecord(4, { host: 'example.org', status: 0, error: 'E_UPSTREAM_TIMEOUT' }),
    ];
    for (const r of records) traffic.ingest(r);
    const ids = async (filter: object, limit?: number) =>
      (await service.invoke('traffic.snapshot', { filter, ...(limit ? { limit } : {}) })).records.map((r) => r.id);
    expect(await ids({ host: '*.example.com' })).toEqual([2, 3]);
    expect(await ids({ host: 'EXAMPLE' })).toEqual([2, 3, 4]);
    expect(await ids({ statusClass: '4xx' })).toEqual([1, 3]);
    expect(await ids({ statusClass: 'error' })).toEqual([4]);
    expect(await ids({ blocked: true })).toEqual([1]);
    expect(await ids({ blocked: false, method: 'post' })).toEqual([2]);
    expect(await ids({ text: 'tracker.net^' })).toEqual([1]);
    expect(await ids({ text: 'upstream_timeout' })).toEqual([4]);
    expect(await ids({}, 2)).toEqual([3, 4]);
    expect((await service.invoke('traffic.snapshot', { limit: 1 })).total).toBe(4);
    await expect(service.invoke('traffic.snapshot', { filter: { statusClass: '6xx' } } as never)).rejects.toMatchObject(
      {
        payload: { code: 'E_INVALID_ARGS' },
      },
    );
  });

  it('pauses, resumes and clears; status says when paused', async () => {
    const statuses: boolean[] = [];
    service.on('status', (s) => statuses.push(s.trafficPaused));
    traffic.ingest(fakeRecord(1));
    expect(await service.invoke('traffic.pause')).toEqual({ paused: true });
    expect((await service.invoke('status.get')).trafficPaused).toBe(true);
    traffic.ingest(fakeRecord(2));
    traffic.ingest(fakeRecord(3));
    expect(await service.invoke('traffic.resume')).toEqual({ paused: false, missed: 2 });
    traffic.ingest(fakeRecord(4));
    expect((await service.invoke('traffic.snapshot')).records.map((r) => r.id)).toEqual([1, 4]);
    expect(statuses).toEqual([true, false]);
    expect(await service.invoke('traffic.clear')).toEqual({ cleared: 2 });
    expect((await service.invoke('traffic.snapshot')).total).toBe(0);
  });

  it('replaces an open record by id, also while paused, but keeps no new one while paused', async () => {
    const batches: TrafficBatch[] = [];
    const stop = service.on('traffic', (b) => batches.push(b));
    traffic.ingest(fakeRecord(1, { state: 'open', status: 0 }));
    traffic.ingest(fakeRecord(2));
    await service.invoke('traffic.pause');
    traffic.ingest(fakeRecord(1, { state: 'done', status: 200, bytesDown: 4096 }));
    traffic.ingest(fakeRecord(3));
    const { records } = await service.invoke('traffic.snapshot');
    expect(records.map((r) => [r.id, r.state, r.bytesDown])).toEqual([
      [1, 'done', 4096],
      [2, 'done', 100],
    ]);
    traffic.feed.flush();
    expect(batches.flatMap((b) => b.records).map((r) => [r.id, r.state])).toEqual([
      [1, 'open'],
      [2, 'done'],
      [1, 'done'],
    ]);
    await service.invoke('traffic.resume');
    // an open record whose slot was dropped (here: cleared) comes back as a new row when it ends
    traffic.ingest(fakeRecord(4, { state: 'open', status: 0 }));
    await service.invoke('traffic.clear');
    traffic.ingest(fakeRecord(4, { state: 'done' }));
    expect((await service.invoke('traffic.snapshot')).records.map((r) => [r.id, r.state])).toEqual([[4, 'done']]);
    stop();
  });

  it('keeps traffic.bufferSize records, resized live', async () => {
    for (let i = 1; i <= 300; i++) traffic.ingest(fakeRecord(i));
    await service.invoke('settings.update', { patch: { traffic: { bufferSize: 100 } } });
    const snap = await service.invoke('traffic.snapshot');
    expect(snap.total).toBe(100);
    expect(snap.records[0]!.id).toBe(201);
  });
});
