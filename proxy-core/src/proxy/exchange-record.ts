/**
 * The plain, serializable record of one exchange. It crosses IPC and WebSocket unchanged,
 * so it holds only strings, numbers, booleans, arrays and plain objects.
 */

/** One header Veil removed, replaced or added, and the rule that did it. */
export interface ReceiptEntry {
  direction: 'request' | 'response';
  action: 'removed' | 'replaced' | 'added';
  /** Header name as the peer spelled it. */
  header: string;
  /**
   * The value before: only in the privacy engine's own receipt, or in a record when the user turned on
   * `traffic.keepRemovedValues`. Records otherwise keep its length and short hash instead.
   */
  oldValue?: string;
  /** Bytes of the value before (absent for `added`). */
  oldLength?: number;
  /** First 8 hex digits of the SHA-256 of the value before: tells two values apart without keeping them. */
  oldHash?: string;
  /** The value after (absent for `removed`). */
  newValue?: string;
  /** The rule's id and human name, e.g. `standard/forwarding-headers`. */
  rule: string;
}

/** Why a request or response was refused. */
export interface BlockInfo {
  /** What stopped it: a blocklist rule, a content filter or an access rule. */
  kind: 'blocklist' | 'content-filter' | 'access';
  /** The rule text as written, e.g. `||ads.example.com^`. */
  rule: string;
  /** The list (or filter) name. */
  list: string;
  /** 1-based line of the rule in its list, when it has one. */
  line?: number;
}

export type CacheResult = 'hit' | 'miss' | 'revalidated' | 'stale' | 'bypass' | 'uncacheable';

export interface ExchangeTimings {
  /** Milliseconds spent resolving the name (0 on a reused connection). */
  dns: number;
  /** Milliseconds to a connected socket (0 on a reused connection). */
  connect: number;
  /** Milliseconds from the request's arrival to the first response byte from upstream. */
  firstByte: number;
  /** Milliseconds from the request's arrival to the end of the exchange. */
  total: number;
}

/**
 * What became of a CONNECT tunnel under HTTPS inspection: `inspected` (TLS terminated by Veil,
 * each inner request has its own record, `via: 'tls'`), `blind` (relayed unread), `excluded`
 * (a rule says never inspect this host), `passed-through` (Veil meant to inspect and stepped
 * aside: the origin's certificate failed, the client refused Veil's, SNI disagreed).
 */
export interface TunnelNote {
  mode: 'inspected' | 'blind' | 'excluded' | 'passed-through';
  /** Why: the rule's pattern, `private-address`, `origin-certificate`, `sni-mismatch`, `refused-certificate`, … */
  reason?: string;
  /** The origin certificate's fault, e.g. `expired`, when that is why. */
  fault?: string;
  /** What the client got instead: the origin's own certificate, or Veil's error page. */
  answer?: 'origin-certificate' | 'error-page';
  /** The protocol inside an inspected tunnel. */
  protocol?: 'h2' | 'http/1.1';
}

export interface ExchangeRecord {
  /** Unique for the life of the service (across listener restarts), increasing. */
  id: number;
  /**
   * `open` while the exchange lasts (a tunnel, a WebSocket, a long download), emitted once it has lasted a
   * moment; `done` when it ended. The `done` record replaces the `open` one with the same id.
   */
  state: 'open' | 'done';
  /** Epoch milliseconds when the request arrived. */
  startedAt: number;
  clientAddress: string;
  method: string;
  /** The absolute URL, or host:port for CONNECT. */
  url: string;
  host: string;
  /** `http`, `connect` (a tunnel) or `websocket`. */
  kind: 'http' | 'connect' | 'websocket';
  /** HTTP version the client spoke, e.g. `1.1`. */
  httpVersion: string;
  /** 0 when no response was sent (client left early). */
  status: number;
  bytesUp: number;
  bytesDown: number;
  timings: ExchangeTimings;
  /** `direct`, or the upstream proxy (credentials removed). */
  route: string;
  cache?: CacheResult;
  blocked?: BlockInfo;
  /** Error code when the exchange failed, e.g. `E_UPSTREAM_DNS`. */
  error?: string;
  /**
   * Request headers as the client sent them, except secrets: `Proxy-Authorization` is never recorded, and
   * the values Veil removed or replaced show as `[not kept: N bytes, sha256 …]` unless kept by the setting.
   */
  requestHeaders: Array<[string, string]>;
  /** Request headers as Veil forwarded them. */
  forwardedRequestHeaders: Array<[string, string]>;
  /** Response headers as upstream sent them (removed values not kept, as for the request). */
  responseHeaders: Array<[string, string]>;
  /** Response headers as Veil sent them to the client. */
  forwardedResponseHeaders: Array<[string, string]>;
  receipt: ReceiptEntry[];
  /** The privacy profile applied, e.g. `standard`. */
  profile?: string;
  /**
   * How the request reached Veil when not straight from a client of the listener: `tunnel`
   * (HTTP inside a cleartext CONNECT), `tls` (inside an inspected one), `reverse`, `transparent`.
   */
  via?: 'tunnel' | 'tls' | 'reverse' | 'transparent';
  /** For a CONNECT while HTTPS inspection is on: what became of the tunnel. */
  tunnel?: TunnelNote;
  /** Where a transparently redirected connection was going (`address:port`), when Veil could learn it. */
  originalDestination?: string;
  /** The Host header or SNI did not resolve to that address: sent there anyway, never cached. */
  hostMismatch?: boolean;
}
