/**
 * A way in other than a client speaking to Veil's listener directly: the inside of a CONNECT
 * tunnel (cleartext HTTP, or TLS once inspection decrypts it), a reverse listener's
 * connection, a transparently redirected one. The engine serves the HTTP/1.1 on such a stream
 * with its one pipeline; the way in says where origin-form requests on it go and lands in
 * every record made on it.
 */
export type WayInKind = 'tunnel' | 'tls' | 'reverse' | 'transparent';

export interface WayIn {
  kind: WayInKind;
  /** Scheme of the requests on this stream: `https` for a decrypted TLS tunnel. */
  scheme: 'http' | 'https';
  /**
   * Where origin-form requests (`GET /path`) go: the tunnel's authority. An absolute-form
   * request on the stream must name the same authority. null: each request's Host header
   * names its destination (transparent mode).
   */
  authority: { host: string; port: number } | null;
  /** The client's address (a decrypted or wrapped stream has none of its own). */
  clientAddress: string;
  /**
   * True when the client was admitted when the stream opened (a CONNECT that passed access
   * and credentials): its inner requests carry no proxy credentials and are not asked for them.
   */
  admitted: boolean;
  /** The record id of the exchange that opened the stream (the CONNECT), when there is one. */
  openedBy?: number;
  /**
   * Connect here, whatever the Host says: a transparently redirected connection's original
   * destination. The client chose this address; a forged Host must not send it elsewhere.
   */
  dial?: { address: string; port: number };
  /** The host name checked against `dial` when the stream opened, and whether it resolved there. */
  hostCheck?: { host: string; matches: boolean };
}

// keyed by the stream object the HTTP server reads (req.socket): the engine's own bookkeeping
const ways = new WeakMap<object, WayIn>();

/** Marks a stream as arriving through `way` (before it is handed to the HTTP server). */
export function markWayIn(stream: object, way: WayIn): void {
  ways.set(stream, way);
}

/** The way a request's stream came in, or undefined for a direct client of the listener. */
export function wayInOf(stream: object | null | undefined): WayIn | undefined {
  return stream ? ways.get(stream) : undefined;
}

/** `host:port` with IPv6 literals bracketed. */
export function formatAuthority(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The client address of a request: its stream's own, or the one its way in carried. */
export function clientAddressOf(req: { socket: { remoteAddress?: string | undefined } | null }): string {
  const socket = req.socket;
  return wayInOf(socket)?.clientAddress ?? socket?.remoteAddress ?? '';
}
