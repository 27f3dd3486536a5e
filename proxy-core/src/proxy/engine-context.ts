import type { Duplex } from 'node:stream';
import type { AccessControl } from './access-control.js';
import type { TunnelInspector } from './connect-tunnel.js';
import type { DestinationGuard } from './destination-guard.js';
import type { ExchangeCache } from './exchange-cache.js';
import type { ExchangePolicy } from './exchange-policy.js';
import type { RecordSink } from './exchange-recorder.js';
import type { ProxyTimeouts, Router } from './proxy-options.js';
import type { WayIn } from './way-in.js';

/** The live state every handler reads; the proxy swaps its fields without restarting. */
export interface EngineContext {
  policy: ExchangePolicy;
  /** The response cache, or null when caching is off. */
  cache: ExchangeCache | null;
  router: Router;
  access: AccessControl;
  /** The destination guard shared by every route (see destination-guard.ts). */
  guard: DestinationGuard;
  timeouts: ProxyTimeouts;
  allowedConnectPorts: Set<number>;
  /** CONNECT ports whose tunnels Veil looks into for HTTP (see ProxyOptions.cleartextConnectPorts). */
  cleartextConnectPorts: Set<number>;
  allowTrace: boolean;
  /** True when `host:port` is Veil's own listener (a request loop). */
  isSelf(host: string, port: number): boolean;
  nextId(): number;
  sink: RecordSink;
  /** Looks inside CONNECT tunnels before Veil dials them blind (HTTPS inspection); null: none. */
  tunnelInspector: TunnelInspector | null;
  /** Serves the HTTP/1.1 on `stream` with the engine's pipeline, its requests arriving through `way`. */
  serveHttp(stream: Duplex, way: WayIn): void;
  /** Reports a failure that is not any one client's fault (for the `error` event). */
  reportError(code: string, message: string): void;
}
