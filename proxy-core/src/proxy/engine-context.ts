import type { AccessControl } from './access-control.js';
import type { ExchangeCache } from './exchange-cache.js';
import type { ExchangePolicy } from './exchange-policy.js';
import type { RecordSink } from './exchange-recorder.js';
import type { ProxyTimeouts, Router } from './proxy-options.js';

/** The live state every handler reads; the proxy swaps its fields without restarting. */
export interface EngineContext {
  policy: ExchangePolicy;
  /** The response cache, or null when caching is off. */
  cache: ExchangeCache | null;
  router: Router;
  access: AccessControl;
  timeouts: ProxyTimeouts;
  allowedConnectPorts: Set<number>;
  allowTrace: boolean;
  /** True when `host:port` is Veil's own listener (a request loop). */
  isSelf(host: string, port: number): boolean;
  nextId(): number;
  sink: RecordSink;
  /** Reports a failure that is not any one client's fault (for the `error` event). */
  reportError(code: string, message: string): void;
}
