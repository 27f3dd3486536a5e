import type { ExchangeRecord, TrafficBatch, TrafficFilter } from '../../../proxy-core/src/control/contract.js';
import { errorMessage } from '../bridge/bridge.js';
import { bridge } from './bridge-ref.js';
import { useVeil } from './store.js';

/** The most rows the table holds; older ones drop off the top. */
export const TRAFFIC_CAP = 10_000;

let pending: ExchangeRecord[] = [];
let pendingMissed = 0;
let flushScheduled = false;

/** Queues a live batch; the store is updated at most once per frame, however fast batches come. */
export function receiveTraffic(batch: TrafficBatch): void {
  if (useVeil.getState().paused) return;
  pending.push(...batch.records);
  pendingMissed += batch.missed;
  if (flushScheduled) return;
  flushScheduled = true;
  // A hidden window gets no animation frames; a timer keeps memory bounded there.
  if (typeof requestAnimationFrame === 'function' && !document.hidden) requestAnimationFrame(flushTraffic);
  else setTimeout(flushTraffic, 250);
}

/** Appends what is queued (tests call it directly instead of waiting for a frame). */
export function flushTraffic(): void {
  flushScheduled = false;
  if (!pending.length && !pendingMissed) return;
  const batch = pending;
  const missed = pendingMissed;
  pending = [];
  pendingMissed = 0;
  useVeil.setState((s) => {
    const all = s.records.concat(batch);
    const drop = Math.max(0, all.length - TRAFFIC_CAP);
    return { records: drop ? all.slice(drop) : all, trimmed: s.trimmed + drop, missed: s.missed + missed };
  });
}

/** Loads what the service already recorded. */
export async function loadTraffic(): Promise<void> {
  try {
    const { records } = await bridge().invoke('traffic.snapshot', { limit: TRAFFIC_CAP });
    useVeil.setState((s) => {
      // Live records may have arrived while the snapshot was in flight.
      const known = new Set(records.map((r) => r.id));
      const merged = records.concat(s.records.filter((r) => !known.has(r.id)));
      return { records: merged.slice(-TRAFFIC_CAP), trafficLoaded: true, trafficError: null };
    });
  } catch (err) {
    useVeil.setState({ trafficLoaded: true, trafficError: errorMessage(err) });
  }
}

/** Stops or restarts the live table; the service is told so it can stop sending. */
export async function setTrafficPaused(paused: boolean): Promise<void> {
  useVeil.setState({ paused });
  if (paused) pending = [];
  try {
    await bridge().invoke(paused ? 'traffic.pause' : 'traffic.resume');
  } catch {
    // Older services lack the command; the table pauses on its own regardless.
  }
}

/** Empties the table and the service's buffer. */
export async function clearTraffic(): Promise<void> {
  pending = [];
  useVeil.setState((s) => ({ records: [], selectedId: null, trimmed: s.trimmed + s.records.length, missed: 0 }));
  try {
    await bridge().invoke('traffic.clear');
  } catch (err) {
    useVeil.setState({ trafficError: errorMessage(err) });
  }
}

/** Changes one filter field; an empty value removes it. */
export function setTrafficFilter(patch: Partial<TrafficFilter>): void {
  useVeil.setState((s) => {
    const filter: TrafficFilter = { ...s.filter, ...patch };
    for (const key of Object.keys(filter) as Array<keyof TrafficFilter>) {
      if (filter[key] === undefined || filter[key] === '' || filter[key] === false) delete filter[key];
    }
    return { filter };
  });
}

/** Opens (or with null closes) the details pane. */
export function selectExchange(id: number | null): void {
  useVeil.setState({ selectedId: id });
}

/** Asks the service for a HAR of what the filter shows. */
export async function exportHar(filter: TrafficFilter) {
  return bridge().invoke('traffic.exportHar', Object.keys(filter).length ? { filter } : {});
}
