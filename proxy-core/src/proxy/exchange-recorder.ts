import type { IncomingMessage } from 'node:http';
import type { BlockInfo, CacheResult, ExchangeRecord, ReceiptEntry, TunnelNote } from './exchange-record.js';
import { getHeader, type HeaderList, toPairs } from './header-list.js';
import { recordedHeaders, recordedReceipt } from './record-secrets.js';
import { clientAddressOf, formatAuthority, type WayInKind, wayInOf } from './way-in.js';

/** Where records go; `wanted()` is false while nobody listens. */
export interface RecordSink {
  wanted(): boolean;
  emit(record: ExchangeRecord): void;
  /** An exchange began: the sink may emit it `open` (with `emitOpen`) while it lasts. */
  opened?(rec: ExchangeRecorder): void;
  /** The exchange ended (its `done` record follows). */
  closed?(rec: ExchangeRecorder): void;
  /** True when records keep the values Veil removed (`traffic.keepRemovedValues`). */
  keepRemovedValues?(): boolean;
}

/** What the service passes every engine it builds, so records stay consistent across listener restarts. */
export interface RecordOptions {
  /** The id source: one per service, so ids never repeat when the engine is rebuilt. Default: 1, 2, 3… */
  nextId?: () => number;
  /** Read per record: records keep removed values only while this is true. Default: never. */
  keepRemovedValues?: () => boolean;
}

/** An exchange still going after this long is shown `open` in the live feed. */
export const OPEN_AFTER_MS = 250;

/**
 * The engine's record sink: emits to `emit` while `wanted()`, and shows exchanges that last past
 * OPEN_AFTER_MS as `open` records. One timer, running only while some exchange is pending, instead of a
 * timer per exchange: most exchanges end well before it, and then cost one Set add and delete.
 */
export function createRecordSink(
  wanted: () => boolean,
  emit: (record: ExchangeRecord) => void,
  options: RecordOptions = {},
): RecordSink {
  const pending = new Set<ExchangeRecorder>();
  let timer: NodeJS.Timeout | null = null;
  function sweep(): void {
    const now = performance.now();
    for (const rec of pending) {
      if (now - rec.t0 < OPEN_AFTER_MS) continue;
      pending.delete(rec);
      if (wanted()) rec.emitOpen();
    }
    if (pending.size === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
  }
  return {
    wanted,
    emit,
    opened(rec) {
      pending.add(rec);
      if (!timer) {
        timer = setInterval(sweep, OPEN_AFTER_MS / 2);
        timer.unref();
      }
    },
    closed(rec) {
      pending.delete(rec);
    },
    keepRemovedValues: () => options.keepRemovedValues?.() ?? false,
  };
}

/**
 * Collects what happens to one exchange and emits its record: `open` if it lasts (see createRecordSink),
 * `done` once, at the end. Records are built only when someone listens, so an unobserved engine pays little.
 */
export class ExchangeRecorder {
  readonly startedAt = Date.now();
  readonly t0 = performance.now();
  /** Target host, once the request target parsed. */
  host = '';
  status = 0;
  bytesUp = 0;
  bytesDown = 0;
  dns = 0;
  connect = 0;
  firstByte = 0;
  route = 'direct';
  cache?: CacheResult;
  blocked?: BlockInfo;
  error?: string;
  profile?: string;
  requestHeaders: HeaderList = [];
  forwardedRequestHeaders: HeaderList = [];
  responseHeaders: HeaderList = [];
  forwardedResponseHeaders: HeaderList = [];
  receipt: ReceiptEntry[] = [];
  /** The way in, when the request did not come straight from a client of the listener. */
  via?: WayInKind;
  /** What inspection made of a CONNECT tunnel. */
  tunnel?: TunnelNote;
  /** Where a transparently redirected connection was going (`address:port`), when known. */
  originalDestination?: string;
  /** The Host or SNI did not resolve to the original destination. */
  hostMismatch?: boolean;
  private done = false;

  constructor(
    readonly id: number,
    private readonly kind: ExchangeRecord['kind'],
    private readonly method: string,
    private readonly url: string,
    private readonly clientAddress: string,
    private readonly httpVersion: string,
    private readonly sink: RecordSink,
  ) {
    if (sink.wanted()) sink.opened?.(this);
  }

  markFirstByte(): void {
    if (this.firstByte === 0) this.firstByte = performance.now() - this.t0;
  }

  /** Emits the record as it stands, `open` (the sink calls it for exchanges that last). */
  emitOpen(): void {
    if (!this.done) this.sink.emit(this.build('open'));
  }

  /** Emits the `done` record; later calls do nothing. */
  finish(): void {
    if (this.done) return;
    this.done = true;
    this.sink.closed?.(this);
    if (!this.sink.wanted()) return;
    this.sink.emit(this.build('done'));
  }

  private build(state: ExchangeRecord['state']): ExchangeRecord {
    const keep = this.sink.keepRemovedValues?.() ?? false;
    const record: ExchangeRecord = {
      id: this.id,
      state,
      startedAt: this.startedAt,
      clientAddress: this.clientAddress,
      method: this.method,
      url: this.url,
      host: this.host,
      kind: this.kind,
      httpVersion: this.httpVersion,
      status: this.status,
      bytesUp: this.bytesUp,
      bytesDown: this.bytesDown,
      timings: {
        dns: round(this.dns),
        connect: round(this.connect),
        firstByte: round(this.firstByte),
        total: round(performance.now() - this.t0),
      },
      route: this.route,
      requestHeaders: recordedHeaders(toPairs(this.requestHeaders), this.receipt, 'request', keep),
      forwardedRequestHeaders: recordedHeaders(toPairs(this.forwardedRequestHeaders), [], 'request', keep),
      responseHeaders: recordedHeaders(toPairs(this.responseHeaders), this.receipt, 'response', keep),
      forwardedResponseHeaders: toPairs(this.forwardedResponseHeaders),
      receipt: recordedReceipt(this.receipt, keep),
    };
    if (this.cache) record.cache = this.cache;
    if (this.blocked) record.blocked = this.blocked;
    if (this.error) record.error = this.error;
    if (this.profile) record.profile = this.profile;
    if (this.via) record.via = this.via;
    if (this.tunnel) record.tunnel = { ...this.tunnel };
    if (this.originalDestination) record.originalDestination = this.originalDestination;
    if (this.hostMismatch) record.hostMismatch = true;
    return record;
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** The recorder for one client request, its headers as the client sent them. */
export function recorderFor(
  ctx: { nextId(): number; sink: RecordSink },
  kind: ExchangeRecord['kind'],
  req: IncomingMessage,
): ExchangeRecorder {
  const way = wayInOf(req.socket);
  let url = req.url ?? '';
  // origin-form on a way in: the record names the absolute URL the request went to
  if (way?.authority && url.startsWith('/'))
    url = `${way.scheme}://${formatAuthority(way.authority.host, way.authority.port)}${url}`;
  else if (way && url.startsWith('/')) url = `${way.scheme}://${getHeader(req.rawHeaders, 'host') ?? ''}${url}`;
  const rec = new ExchangeRecorder(
    ctx.nextId(),
    kind,
    req.method ?? 'GET',
    url,
    clientAddressOf(req),
    req.httpVersion,
    ctx.sink,
  );
  rec.requestHeaders = req.rawHeaders;
  if (way) rec.via = way.kind;
  if (way?.dial) rec.originalDestination = formatAuthority(way.dial.address, way.dial.port);
  return rec;
}
