import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadList } from '../../proxy-core/src/blocklist/list-download.js';
import { blocklistFeature } from '../../proxy-core/src/control/features/blocklist-feature.js';
import { createService } from '../../proxy-core/src/control/service.js';
import { defaultSettings } from '../../proxy-core/src/control/settings-schema.js';
import { createMemoryStore } from '../../proxy-core/src/control/settings-store.js';
import { createProxy, type ProxyEngine } from '../../proxy-core/src/proxy/create-proxy.js';
import type { ExchangeRecord } from '../../proxy-core/src/proxy/exchange-record.js';
import { type Origin, startHttpsOrigin } from '../proxy/helpers/origins.js';

let origin: Origin & { cert: string };
let proxy: ProxyEngine;
const records: ExchangeRecord[] = [];

beforeAll(async () => {
  origin = await startHttpsOrigin((req, res) => {
    if (req.headers['if-none-match'] === '"t1"') res.writeHead(304).end();
    else res.writeHead(200, { ETag: '"t1"' }).end('||tls.example^\n');
  });
  proxy = createProxy({ port: 0, allowedConnectPorts: [origin.port] });
  proxy.on('exchange', (r) => records.push(r));
  await proxy.listen();
});
afterAll(async () => {
  await proxy?.close();
  await origin?.close();
});

describe('downloads through a proxy', () => {
  it('fetch an https:// list through a CONNECT tunnel, verifying the certificate, and revalidate', async () => {
    const via = { host: '127.0.0.1', port: proxy.address!.port };
    const url = `https://127.0.0.1:${origin.port}/list.txt`;
    const first = await downloadList(url, { via, ca: origin.cert, timeoutMs: 10_000 });
    expect(first).toEqual({ status: 'ok', text: '||tls.example^\n', etag: '"t1"', lastModified: null });
    const again = await downloadList(url, { via, ca: origin.cert, etag: '"t1"', timeoutMs: 10_000 });
    expect(again).toEqual({ status: 'not-modified' });
    await expect
      .poll(() => records.filter((r) => r.kind === 'connect' && r.url.includes(String(origin.port))).length)
      .toBe(2);
  });

  it('refuse a certificate nobody vouches for', async () => {
    const via = { host: '127.0.0.1', port: proxy.address!.port };
    await expect(downloadList(`https://127.0.0.1:${origin.port}/list.txt`, { via, timeoutMs: 10_000 })).rejects.toThrow(
      /could not download/,
    );
  });
});

describe('downloads while Veil is off', () => {
  it('wait for Veil when an upstream is configured, instead of going direct', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'veil-bloff-'));
    const settings = defaultSettings();
    settings.proxy.enabled = false;
    settings.upstream.default = 'socks5h://127.0.0.1:9';
    const service = createService({ store: createMemoryStore(settings), dataDir: dir, features: [blocklistFeature] });
    try {
      await service.start();
      const before = origin.connections;
      const info = await service.invoke('blocklist.add', {
        source: { type: 'url', url: `https://127.0.0.1:${origin.port}/list.txt` },
      });
      expect(info.lastError).toMatch(/Veil is off and an upstream is configured/);
      expect(info.rules).toBe(0);
      expect(origin.connections).toBe(before);
    } finally {
      await service.shutdown(2000);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
