import type { ExchangeRecord } from '../../proxy/exchange-record.js';
import { toHar } from '../../traffic/har-export.js';
import { RingBuffer } from '../../traffic/ring-buffer.js';
import { TrafficFeed } from '../../traffic/traffic-feed.js';
import { compileFilter } from '../../traffic/traffic-filter.js';
import type { TrafficFilter } from '../contract.js';
import type { Feature, FeatureFactory, ServiceHost } from '../feature.js';

/** The traffic view's state, for tests and the service: buffer, live feed, pause. */
export interface TrafficFeature extends Feature {
  /** Takes one record as the engine's `exchange` event does (tests and benches drive it directly). */
  ingest(record: ExchangeRecord): void;
  readonly feed: TrafficFeed;
  /** The kept exchanges, each packed as its JSON text. */
  readonly buffer: RingBuffer<string>;
}

/**
 * Keeps the last `traffic.bufferSize` exchanges and feeds them live to subscribers in batches.
 * While paused, new exchanges are neither kept nor fed (the counters and the audit log still see them); they
 * are counted, and Resume says how many the table will never show.
 */
export const trafficFeature: FeatureFactory = (host: ServiceHost) => createTrafficFeature(host);

/** Builds the traffic feature for a host. */
export function createTrafficFeature(host: ServiceHost): TrafficFeature {
  // Packed as JSON text: a record's header pairs as objects cost ~2.5 KB of heap each, its
  // text a third of that, and a full buffer of 10,000 was a quarter of `veil serve`'s peak RSS.
  // Reading back costs a parse per record, paid only when someone asks for the history.
  const buffer = new RingBuffer<string>(10_000);
  const feed = new TrafficFeed();
  let paused = false;
  let missedWhilePaused = 0;
  let unsubscribe: (() => void) | null = null;

  function ingest(record: ExchangeRecord): void {
    if (paused) {
      missedWhilePaused++;
      return;
    }
    buffer.push(JSON.stringify(record));
    feed.publish(record);
  }

  /** The newest `limit` records (all without it): nothing older is unpacked. */
  function newest(limit?: number): ExchangeRecord[] {
    const packed = buffer.toArray();
    return (limit !== undefined ? packed.slice(Math.max(0, packed.length - limit)) : packed).map(unpack);
  }

  function select(filter: TrafficFilter | undefined): ExchangeRecord[] {
    if (!filter) return newest();
    return newest().filter(compileFilter(filter));
  }

  function setPaused(value: boolean): { paused: boolean; missed?: number } {
    if (paused !== value) {
      paused = value;
      if (paused) missedWhilePaused = 0;
      host.statusChanged();
    }
    return paused ? { paused } : { paused, missed: missedWhilePaused };
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
        const limit = args?.limit;
        if (!args?.filter) return { records: newest(limit), total: buffer.size };
        const records = select(args.filter);
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

function unpack(text: string): ExchangeRecord {
  return JSON.parse(text) as ExchangeRecord;
}
