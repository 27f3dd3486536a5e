import type { ExchangeRecord, TrafficBatch, TrafficFilter } from '../../../proxy-core/src/control/contract.js';
import { errorMessage } from '../bridge/bridge.js';
import { bridge } from './bridge-ref.js';
import { useVeil } from './store.js';

/** The most rows the table holds; older ones drop off the top. */
export const TRAFFIC_CAP = 10_000;

let pending: ExchangeRecord[] = [];
let pendingMissed = 0;
let flushScheduled = false;

/**
 * How often the table takes new rows. Each take re-renders the table and lays out the scroll area, so
 * at 200 rows/s taking them every frame costs far more than taking them ten times a second.
 */
const FLUSH_MS = 100;
/** While hidden nothing is drawn; rows are still taken (memory stays bounded), just rarely. */
const HIDDEN_FLUSH_MS = 1000;

/** Queues a live batch; the store takes queued rows at most ten times a second, however fast they come. */
export function receiveTraffic(batch: TrafficBatch): void {
  if (useVeil.getState().paused) return;
  for (const r of batch.records) pending.push(r);
  pendingMissed += batch.missed;
  // Keep the queue bounded too: only the newest TRAFFIC_CAP can ever be shown.
  if (pending.length > TRAFFIC_CAP * 2) pending = pending.slice(-TRAFFIC_CAP);
  if (flushScheduled) return;
  flushScheduled = true;
  const delay = typeof document !== 'undefined' && document.hidden ? HIDDEN_FLUSH_MS : FLUSH_MS;
  setTimeout(() => {
    if (typeof requestAnimationFrame === 'function' && !document.hidden) requestAnimationFrame(flushTraffic);
    else flushTraffic();
  }, delay);
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
    const all = mergeRecords(s.records, batch);
    const drop = Math.max(0, all.length - TRAFFIC_CAP);
    return { records: drop ? all.slice(drop) : all, missed: s.missed + missed };
  });
}

/**
 * `held` with `incoming` merged in, as a new array: a record whose id is held replaces it in place (an `open`
 * exchange that ended), others are appended. A `done` record is never replaced by an `open` one (a snapshot
 * can be newer than a live batch still queued).
 */
export function mergeRecords(held: readonly ExchangeRecord[], incoming: readonly ExchangeRecord[]): ExchangeRecord[] {
  const out = held.slice();
  let newest = out.length ? out[out.length - 1]!.id : Number.NEGATIVE_INFINITY;
  // built only when a batch updates an earlier record: most batches only append
  let index: Map<number, number> | null = null;
  for (const r of incoming) {
    if (r.id > newest) {
      newest = r.id;
      index?.set(r.id, out.length);
      out.push(r);
      continue;
    }
    if (!index) index = new Map(out.map((x, i) => [x.id, i]));
    const at = index.get(r.id);
    if (at === undefined) {
      index.set(r.id, out.length);
      out.push(r);
    } else if (!(out[at]!.state === 'done' && r.state === 'open')) {
      out[at] = r;
    }
  }
  return out;
}

/** Loads what the service already recorded. */
export async function loadTraffic(): Promise<void> {
  try {
    const { records } = await bridge().invoke('traffic.snapshot', { limit: TRAFFIC_CAP });
    useVeil.setState((s) => {
      // Live records may have arrived while the snapshot was in flight, some newer versions of its own.
      const merged = mergeRecords(records, s.records);
      return { records: merged.slice(-TRAFFIC_CAP), trafficLoaded: true, trafficError: null };
    });
  } catch (err) {
    useVeil.setState({ trafficLoaded: true, trafficError: errorMessage(err) });
  }
}

/** Stops or restarts the live table; the service is told so it can stop sending. */
export async function setTrafficPaused(paused: boolean): Promise<void> {
  useVeil.setState(paused ? { paused, missedWhilePaused: 0 } : { paused });
  if (paused) pending = [];
  try {
    if (paused) await bridge().invoke('traffic.pause');
    else useVeil.setState({ missedWhilePaused: (await bridge().invoke('traffic.resume')).missed ?? 0 });
  } catch {
    // Older services lack the command; the table pauses on its own regardless.
  }
}

/** Empties the table and the service's buffer. */
export async function clearTraffic(): Promise<void> {
  pending = [];
  useVeil.setState({ records: [], selectedId: null, missed: 0, missedWhilePaused: 0 });
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
