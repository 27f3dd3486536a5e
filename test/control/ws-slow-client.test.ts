import { mkdir } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { TrafficBatch } from '../../proxy-core/src/control/contract.js';
import { createTrafficFeature, type TrafficFeature } from '../../proxy-core/src/control/features/traffic-feature.js';
import { createService, type VeilService } from '../../proxy-core/src/control/service.js';
import { createMemoryStore } from '../../proxy-core/src/control/settings-store.js';
import { startUiServer, type UiServer } from '../../proxy-core/src/control/ui-server.js';
import { connect, fakeRecord, tempDir } from './helpers.js';

let service: VeilService;
let ui: UiServer;
let cleanup: () => Promise<void>;
afterEach(async () => {
  await ui?.close();
  await service?.shutdown();
  await cleanup?.();
});

it('a WebSocket client that stops reading gets the newest records and a missed count', async () => {
  const t = await tempDir();
  cleanup = t.cleanup;
  await mkdir(join(t.dir, 'renderer'));
  let traffic!: TrafficFeature;
  service = createService({
    store: createMemoryStore(),
    dataDir: t.dir,
    features: [(host) => (traffic = createTrafficFeature(host))],
    overrides: { proxy: { enabled: false } },
  });
  await service.start();
  ui = await startUiServer({ service, staticDir: join(t.dir, 'renderer'), token: 'tok' });
  const c = await connect(`ws://127.0.0.1:${ui.port}/ws?token=tok`);
  await c.next((m) => 'hello' in m);
  c.send({ subscribe: ['traffic'] });
  await c.call('status.get');

  // the client stops reading: the kernel buffers fill, then the server's send buffer
  const socket = (c.ws as unknown as { _socket: Socket })._socket;
  socket.pause();
  const big = 'v'.repeat(2048);
  const rounds = 12;
  const perRound = 2000;
  let id = 0;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < perRound; i++) traffic.ingest(fakeRecord(++id, { forwardedRequestHeaders: [['X-Big', big]] }));
    traffic.feed.flush();
  }
  socket.resume();

  const batches: TrafficBatch[] = [];
  const total = rounds * perRound;
  const counted = () => batches.reduce((n, b) => n + b.records.length + b.missed, 0);
  while (counted() < total) {
    const m = (await c.next((x) => 'event' in x && x.event === 'traffic', 30_000)) as { payload: TrafficBatch };
    batches.push(m.payload);
  }
  const missed = batches.reduce((n, b) => n + b.missed, 0);
  const ids = batches.flatMap((b) => b.records.map((r) => r.id));
  expect(missed).toBeGreaterThan(0);
  expect(counted()).toBe(total);
  // what it got is in order and ends with the newest record
  expect(ids.at(-1)).toBe(total);
  expect(ids.every((v, i) => i === 0 || v > ids[i - 1]!)).toBe(true);
  await c.close();
}, 60_000);

it('closes quickly even when a client never answers the close handshake', async () => {
  const t = await tempDir();
  cleanup = t.cleanup;
  service = createService({ store: createMemoryStore(), dataDir: t.dir, overrides: { proxy: { enabled: false } } });
  await service.start();
  ui = await startUiServer({ service, staticDir: t.dir, token: 'tok' });
  const c = await connect(`ws://127.0.0.1:${ui.port}/ws?token=tok`);
  await c.next((m) => 'hello' in m);
  (c.ws as unknown as { _socket: Socket })._socket.pause();
  const closing = ui.close();
  const outcome = await Promise.race([
    closing.then(() => 'closed'),
    new Promise((r) => setTimeout(() => r('still waiting after 15 s'), 15_000)),
  ]);
  expect(outcome).toBe('closed');
  c.ws.terminate();
  ui = undefined as unknown as UiServer;
}, 30_000);
