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
  /** Exchanges seen opening during the pause, so their end is not counted a second time. */
  const pausedOpen = new Set<number>();
  let unsubscribe: (() => void) | null = null;
  /** Where each `open` record sits in the buffer, so its `done` record replaces it there. */
  const openAt = new Map<number, number>();

  function ingest(record: ExchangeRecord): void {
    const seq = openAt.get(record.id);
    if (seq !== undefined) {
      if (record.state === 'done') openAt.delete(record.id);
      // an exchange kept before a pause is still updated: only new exchanges wait for resume
      if (buffer.replace(seq, JSON.stringify(record))) {
        feed.publish(record);
        return;
      }
    }
    if (paused) {
      // each new exchange counted once, whether it is seen opening, ending, or both
      if (record.state === 'open') {
        pausedOpen.add(record.id);
        missedWhilePaused++;
      } else if (!pausedOpen.delete(record.id)) missedWhilePaused++;
      return;
    }
    if (record.state === 'open') {
      openAt.set(record.id, buffer.nextSeq);
      if (openAt.size > buffer.capacity) forgetDropped();
    }
    buffer.push(JSON.stringify(record));
    feed.publish(record);
  }

  /** Drops the places of open records the buffer no longer holds (their `done` will be added as new). */
  function forgetDropped(): void {
    const oldest = buffer.nextSeq - buffer.size;
    for (const [id, at] of openAt) if (at < oldest) openAt.delete(id);
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
      if (paused) {
        missedWhilePaused = 0;
        pausedOpen.clear();
      }
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
    onRecord: ingest,
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
      'traffic.clear': async () => {
        openAt.clear();
        return { cleared: buffer.clear() };
      },
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
