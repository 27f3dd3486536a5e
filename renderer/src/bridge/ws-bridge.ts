import type { CommandName, EventName, VeilEvents } from '../../../proxy-core/src/control/contract.js';
import type { WsClientMessage, WsServerMessage } from '../../../proxy-core/src/control/ws-protocol.js';
import { type Bridge, BridgeError, toBridgeError } from './bridge.js';

/**
 * Connection state for the UI's "reconnecting" banner. `refused`: the server runs but does not take this
 * page's token (an old link, or the token was rotated); retrying cannot help, a new link does.
 */
export type ConnectionState = 'connecting' | 'open' | 'closed' | 'refused';

/** What the server says of a token: current, not current, or no answer (Veil is not running). */
export type TokenVerdict = 'ok' | 'stale' | 'unknown';

export interface WsBridgeOptions {
  /** ws:// URL including the token. */
  url: string;
  /** Per-command deadline; the service answers quickly, refresh of lists may take longer. */
  timeoutMs?: number;
  /** Called whenever the socket opens or drops. */
  onState?: (state: ConnectionState) => void;
  /** Injected for tests of the transport itself; the browser's WebSocket by default. */
  WebSocketImpl?: typeof WebSocket;
  /** Asked when a connection closes before it opened: a browser cannot see the 401 of a refused upgrade. */
  checkToken?: () => Promise<TokenVerdict>;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: BridgeError) => void;
  timer: ReturnType<typeof setTimeout>;
}

// The wire format is ws-protocol.ts; its constants (the /ws path) are repeated here as literals because
// the renderer imports types only.
type ServerMessage = WsServerMessage;

function encode(message: WsClientMessage): string {
  return JSON.stringify(message);
}

const MAX_BACKOFF_MS = 10_000;

/** A Bridge over the `veil serve --ui` WebSocket: request ids, timeouts, reconnect with backoff. */
export function createWsBridge(options: WsBridgeOptions): Bridge & { close(): void } {
  const Impl = options.WebSocketImpl ?? WebSocket;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const pending = new Map<number, Pending>();
  const listeners = new Map<EventName, Set<(payload: never) => void>>();
  const queue: string[] = [];
  let socket: WebSocket | null = null;
  let nextId = 1;
  let attempt = 0;
  let closed = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  function connect(): void {
    options.onState?.('connecting');
    const ws = new Impl(options.url);
    socket = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      attempt = 0;
      // Nothing is pushed before a subscribe; after a reconnect the subscriptions start over.
      const events = [...listeners].filter(([, set]) => set.size > 0).map(([name]) => name);
      if (events.length) ws.send(encode({ subscribe: events }));
      for (const message of queue.splice(0)) ws.send(message);
      options.onState?.('open');
    };
    ws.onmessage = (ev) => receive(String(ev.data));
    // A refused or failed connection is followed by close, which does the retrying.
    ws.onerror = () => {};
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      options.onState?.('closed');
      // Commands in flight may or may not have run; the caller decides whether to retry.
      for (const [id, p] of pending) {
        clearTimeout(p.timer);
        p.reject(new BridgeError({ code: 'E_DISCONNECTED', message: 'Lost the connection to Veil. Retrying…' }));
        pending.delete(id);
      }
      if (closed) return;
      if (opened || !options.checkToken) {
        scheduleReconnect();
        return;
      }
      void options.checkToken().then((verdict) => {
        if (closed) return;
        if (verdict === 'stale') options.onState?.('refused');
        else scheduleReconnect();
      });
    };
  }

  function scheduleReconnect(): void {
    const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** attempt) * (0.75 + Math.random() * 0.5);
    attempt++;
    retryTimer = setTimeout(connect, delay);
  }

  function receive(text: string): void {
    let msg: ServerMessage;
    try {
      msg = JSON.parse(text) as ServerMessage;
    } catch {
      return;
    }
    if ('hello' in msg) return;
    if ('event' in msg) {
      for (const l of listeners.get(msg.event) ?? []) (l as (p: unknown) => void)(msg.payload);
      return;
    }
    if (typeof msg.id !== 'number') return;
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    clearTimeout(p.timer);
    if ('error' in msg) p.reject(toBridgeError(msg.error));
    else p.resolve(msg.result);
  }

  function send(message: string): void {
    if (socket && socket.readyState === Impl.OPEN) socket.send(message);
    else queue.push(message);
  }

  connect();

  return {
    invoke<C extends CommandName>(command: C, args?: unknown) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new BridgeError({ code: 'E_TIMEOUT', message: `Veil did not answer ${command} in time.` }));
        }, timeoutMs);
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
        send(encode(args === undefined ? { id, command } : { id, command, args }));
      });
    },
    on<E extends EventName>(event: E, listener: (payload: VeilEvents[E]) => void) {
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
      }
      if (set.size === 0 && socket?.readyState === Impl.OPEN) socket.send(encode({ subscribe: [event] }));
      set.add(listener as (payload: never) => void);
      return () => {
        set.delete(listener as (payload: never) => void);
        if (set.size === 0 && socket?.readyState === Impl.OPEN) socket.send(encode({ unsubscribe: [event] }));
      };
    },
    close() {
      closed = true;
      clearTimeout(retryTimer);
      socket?.close();
    },
  } as Bridge & { close(): void };
}

/** The token `veil serve --ui` put in the page's fragment (`#token=…`). */
export function tokenFromHash(hash: string): string | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  return params.get('token');
}

/** Asks the page's own server whether `token` is the current one (GET /token-check, see ui-server.ts). */
export async function checkTokenAt(origin: string, token: string): Promise<TokenVerdict> {
  try {
    const res = await fetch(`${origin}/token-check?token=${encodeURIComponent(token)}`, { cache: 'no-store' });
    if (res.ok) return 'ok';
    return res.status === 401 ? 'stale' : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The WebSocket URL on the page's own origin. */
export function wsUrlFor(location: Pick<Location, 'protocol' | 'host'>, token: string): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws?token=${encodeURIComponent(token)}`;
}
