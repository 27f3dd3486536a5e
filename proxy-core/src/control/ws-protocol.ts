import type { CommandErrorPayload, CommandName, CommandResult, EventName, VeilEvents } from './contract.js';

/**
 * The WebSocket wire protocol of `veil serve --ui`: the contract (contract.ts), unchanged, as JSON text frames.
 * The renderer imports this file's types only; the few constants below are repeated there as literals.
 *
 * Connecting
 *   The page is served at `http://127.0.0.1:PORT/` and learns its token from the URL fragment
 *   (`#token=…`, never sent to the server). It opens `ws://<location.host>/ws?token=<token>`.
 *   The server refuses the upgrade with a plain HTTP answer (no WebSocket): 401 when the token is missing
 *   or wrong, 421 when Host is not 127.0.0.1, localhost or [::1] with its port (DNS rebinding), 403 when an
 *   Origin header is present and is not the UI's own origin (CSRF). Non-browser clients may omit Origin.
 *   In a browser all of these surface as the socket's `error` then `close` (code 1006); the UI should say
 *   "open the address `veil serve --ui` printed" rather than retry forever.
 *
 * After the upgrade the server sends one `hello` message. Then:
 *
 * Commands (request → reply, matched by `id`, replies may arrive out of order):
 *   → { id: 7, command: 'settings.update', args: { patch: { proxy: { port: 9000 } } } }
 *   ← { id: 7, result: { ok: true, settings: … } }
 *   ← { id: 7, error: { code: 'E_INVALID_ARGS', message: …, errors: [{ path, message }] } }
 *   `args` is exactly what `VeilApi.invoke(command, args)` takes; omit it for commands without arguments.
 *
 * Events (push, only those the connection subscribed to; nothing is pushed before a subscribe):
 *   → { subscribe: ['status', 'traffic'] }      (add to this connection's subscriptions)
 *   → { unsubscribe: ['traffic'] }              (remove; the traffic feed detaches when none remain)
 *   ← { event: 'traffic', payload: { records: [...], missed: 0 } }
 *   Subscribing is idempotent. Each connection has its own bounded traffic queue: a connection
 *   that cannot keep up gets the newest records and `missed` counts what it lost.
 *
 * A malformed message gets `{ id: <its id or null>, error: { code: 'E_INVALID_ARGS', … } }`; the
 * connection stays open. Close codes: 1001 (server shutting down), 1009 (message larger than WS_MAX_CLIENT_MESSAGE).
 */

/** Bumped on any incompatible change to these message shapes. */
export const WS_PROTOCOL_VERSION = 1;
/** The WebSocket endpoint's path; the token goes in the `token` query parameter. */
export const WS_PATH = '/ws';
/** Largest client message the server accepts, in bytes. */
export const WS_MAX_CLIENT_MESSAGE = 1024 * 1024;

// ---------- client → server ----------

export interface WsCommandRequest<C extends CommandName = CommandName> {
  /** Chosen by the client, echoed in the reply. */
  id: number | string;
  command: C;
  args?: unknown;
}

export interface WsSubscribe {
  subscribe: EventName[];
}

export interface WsUnsubscribe {
  unsubscribe: EventName[];
}

export type WsClientMessage = WsCommandRequest | WsSubscribe | WsUnsubscribe;

// ---------- server → client ----------

export interface WsHello {
  hello: { protocol: typeof WS_PROTOCOL_VERSION; events: EventName[] };
}

export interface WsCommandResult<C extends CommandName = CommandName> {
  id: number | string;
  result: CommandResult<C>;
}

export interface WsCommandFailure {
  /** null when the request was too malformed to carry an id. */
  id: number | string | null;
  error: CommandErrorPayload;
}

export type WsEventMessage = { [E in EventName]: { event: E; payload: VeilEvents[E] } }[EventName];

export type WsServerMessage = WsHello | WsCommandResult | WsCommandFailure | WsEventMessage;
