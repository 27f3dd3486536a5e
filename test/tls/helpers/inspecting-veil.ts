import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Feature, FeatureFactory } from '../../../proxy-core/src/control/feature.js';
import { builtInFeatures } from '../../../proxy-core/src/control/features/index.js';
import { createService, type VeilService } from '../../../proxy-core/src/control/service.js';
import { settingsSchema } from '../../../proxy-core/src/control/settings-schema.js';
import { createMemoryStore } from '../../../proxy-core/src/control/settings-store.js';
import type { ExchangeRecord } from '../../../proxy-core/src/proxy/exchange-record.js';
import { createCaStore } from '../../../proxy-core/src/tls/ca-store.js';

export interface InspectingVeil {
  service: VeilService;
  port: number;
  /** Veil's CA certificate (PEM), for clients that trust it. */
  caPem: string;
  caFile: string;
  records: ExchangeRecord[];
  /** The first finished record that matches (waits for it). */
  record(match: (r: ExchangeRecord) => boolean): Promise<ExchangeRecord>;
  /** Lets CONNECT reach these (test origins listen on random ports). */
  allowPorts(...ports: number[]): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The whole service (every built-in feature) with inspection on for loopback origins: no
 * default exclusions, private addresses inspected, the test PKI trusted for origins.
 */
export async function startInspectingVeil(
  originCaPem: string,
  inspection: Record<string, unknown> = {},
  more: Record<string, unknown> = {},
  ports: number[] = [],
): Promise<InspectingVeil> {
  const dataDir = await mkdtemp(join(tmpdir(), 'veil-inspect-'));
  const extraCa = join(dataDir, 'origin-ca.pem');
  await writeFile(extraCa, originCaPem);
  const records: ExchangeRecord[] = [];
  const waiting: Array<{ match: (r: ExchangeRecord) => boolean; resolve: (r: ExchangeRecord) => void }> = [];
  const recorder: FeatureFactory = (): Feature => ({
    name: 'test-recorder',
    attach(proxy) {
      proxy.on('exchange', (r) => {
        records.push(r);
        for (const w of waiting.splice(0)) {
          if (w.match(r)) w.resolve(r);
          else waiting.push(w);
        }
      });
    },
  });
  const doc = settingsSchema.parse({
    ...more,
    proxy: { port: 0, allowedConnectPorts: [443, ...ports] },
    inspection: { enabled: true, exclude: [], excludePrivateAddresses: false, extraCa: [extraCa], ...inspection },
  });
  const service = createService({
    store: createMemoryStore(doc),
    dataDir,
    features: [...builtInFeatures, recorder],
    engine: { timeouts: { upstreamConnectMs: 5000, drainMs: 500 } },
  });
  const status = await service.start();
  const ca = await createCaStore(dataDir).load();
  const caFile = join(dataDir, 'ca', 'ca-cert.pem');
  return {
    service,
    port: status.listening!.port,
    caPem: ca.certPem,
    caFile,
    records,
    record(match) {
      const found = records.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiting.push({ match, resolve }));
    },
    async allowPorts(...more) {
      const now = service.settings.proxy.allowedConnectPorts;
      const result = await service.invoke('settings.update', {
        patch: { proxy: { allowedConnectPorts: [...now, ...more] } },
      });
      if (!result.ok) throw new Error(JSON.stringify(result));
    },
    async stop() {
      await service.shutdown(2000);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
