import type { IncomingMessage } from 'node:http';
import type { BlockInfo, CacheResult, ExchangeRecord, ReceiptEntry } from './exchange-record.js';
import { getHeader, type HeaderList, toPairs } from './header-list.js';
import { clientAddressOf, formatAuthority, type WayInKind, wayInOf } from './way-in.js';

/** Where finished records go; `wanted()` is false while nobody listens. */
export interface RecordSink {
  wanted(): boolean;
  emit(record: ExchangeRecord): void;
}

/**
 * Collects what happens to one exchange and emits its record once, at the end.
 * The record itself is built only when someone listens, so an unobserved engine pays little.
 */
export class ExchangeRecorder {
  readonly startedAt = Date.now();
  private readonly t0 = performance.now();
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
  ) {}

  markFirstByte(): void {
    if (this.firstByte === 0) this.firstByte = performance.now() - this.t0;
  }

  /** Emits the record; later calls do nothing. */
  finish(): void {
    if (this.done) return;
    this.done = true;
    if (!this.sink.wanted()) return;
    const record: ExchangeRecord = {
      id: this.id,
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
      requestHeaders: toPairs(this.requestHeaders),
      forwardedRequestHeaders: toPairs(this.forwardedRequestHeaders),
      responseHeaders: toPairs(this.responseHeaders),
      forwardedResponseHeaders: toPairs(this.forwardedResponseHeaders),
      receipt: this.receipt,
    };
    if (this.cache) record.cache = this.cache;
    if (this.blocked) record.blocked = this.blocked;
    if (this.error) record.error = this.error;
    if (this.profile) record.profile = this.profile;
    if (this.via) record.via = this.via;
    if (this.originalDestination) record.originalDestination = this.originalDestination;
    if (this.hostMismatch) record.hostMismatch = true;
    this.sink.emit(record);
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
