import type { TrafficFilter } from '../control/contract.js';
import type { Feature, FeatureFactory, ServiceHost } from '../control/feature.js';
import type { ExchangeRecord } from './exchange-record.js';
import { toHar } from './har-export.js';
import { RingBuffer } from './ring-buffer.js';
import { TrafficFeed } from './traffic-feed.js';
import { compileFilter } from './traffic-filter.js';

/** The traffic view's state, for tests and the service: buffer, live feed, pause. */
export interface TrafficFeature extends Feature {
  /** Takes one record as the engine's `exchange` event does (tests and benches drive it directly). */
  ingest(record: ExchangeRecord): void;
  readonly feed: TrafficFeed;
  readonly buffer: RingBuffer<ExchangeRecord>;
}

/**
 * Keeps the last `traffic.bufferSize` exchanges and feeds them live to subscribers in batches.
 * While paused, new exchanges are neither kept nor fed (the counters and the audit log still see them).
 */
export const trafficFeature: FeatureFactory = (host: ServiceHost) => createTrafficFeature(host);

/** Builds the traffic feature for a host. */
export function createTrafficFeature(host: ServiceHost): TrafficFeature {
  const buffer = new RingBuffer<ExchangeRecord>(10_000);
  const feed = new TrafficFeed();
  let paused = false;
  let unsubscribe: (() => void) | null = null;

  function ingest(record: ExchangeRecord): void {
    if (paused) return;
    buffer.push(record);
    feed.publish(record);
  }

  function select(filter: TrafficFilter | undefined): ExchangeRecord[] {
    const all = buffer.toArray();
    if (!filter) return all;
    const match = compileFilter(filter);
    return all.filter(match);
  }

  function setPaused(value: boolean): { paused: boolean } {
    if (paused !== value) {
      paused = value;
      host.statusChanged();
    }
    return { paused };
  }

  return {
    name: 'traffic',
    feed,
    buffer,
    ingest,
    applySettings(settings) {
      buffer.resize(settings.traffic.bufferSize);
    },
    attach(proxy) {
      unsubscribe?.();
      unsubscribe = proxy.on('exchange', ingest);
    },
    detach() {
      unsubscribe?.();
      unsubscribe = null;
    },
    status: () => ({ trafficPaused: paused }),
    events: {
      traffic: (listener, options) => feed.subscribe(listener, options),
    },
    commands: {
      'traffic.snapshot': async (args) => {
        const records = select(args?.filter);
        const limit = args?.limit;
        return { records: limit !== undefined ? records.slice(-limit) : records, total: records.length };
      },
      'traffic.clear': async () => ({ cleared: buffer.clear() }),
      'traffic.pause': async () => setPaused(true),
      'traffic.resume': async () => setPaused(false),
      'traffic.exportHar': async (args) => toHar(select(args?.filter)),
    },
    dispose() {
      unsubscribe?.();
      feed.close();
    },
  };
}
