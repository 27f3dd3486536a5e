import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import {
  CommandError,
  type CommandErrorPayload,
  type EventName,
  eventNames,
  isCommandName,
  type VeilEvents,
} from './contract.js';
import { checkUpgrade, type GuardConfig, type GuardVerdict } from './request-guard.js';
import type { VeilService } from './service.js';
import {
  WS_MAX_CLIENT_MESSAGE,
  WS_PATH,
  WS_PROTOCOL_VERSION,
  type WsCommandFailure,
  type WsServerMessage,
} from './ws-protocol.js';

/** A connection whose send buffer passes this is not reading: its traffic waits (bounded) in the feed. */
const SEND_BUFFER_READY = 1024 * 1024;
/** A connection whose send buffer passes this is gone for good and is closed. */
const SEND_BUFFER_LIMIT = 32 * 1024 * 1024;

export interface WsTransport {
  /** Open connections. */
  readonly clients: number;
  /** Closes every connection (1001) and stops accepting. */
  close(): Promise<void>;
}

/**
 * Carries the contract over WebSocket (protocol in ws-protocol.ts) on an existing HTTP server's `upgrade`
 * event at WS_PATH. Every upgrade passes the Host, Origin and token checks first or gets an HTTP error.
 */
export function attachWsTransport(server: Server, service: VeilService, guard: () => GuardConfig): WsTransport {
  const wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_CLIENT_MESSAGE });

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const verdict: GuardVerdict =
      path === WS_PATH
        ? checkUpgrade(req, guard())
        : { ok: false, status: 404, reason: `No WebSocket endpoint at ${path}; use ${WS_PATH}.` };
    if (!verdict.ok) {
      refuse(socket, verdict.status, verdict.reason);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws));
  }
  server.on('upgrade', onUpgrade);

  function serve(ws: WebSocket): void {
    const subscriptions = new Map<EventName, () => void>();
    const send = (message: WsServerMessage): void => {
      if (ws.readyState !== WebSocket.OPEN) return;
      if (ws.bufferedAmount > SEND_BUFFER_LIMIT) {
        ws.terminate();
        return;
      }
      ws.send(JSON.stringify(message));
    };
    const ready = () => ws.readyState === WebSocket.OPEN && ws.bufferedAmount < SEND_BUFFER_READY;

    function subscribe(event: EventName): void {
      if (subscriptions.has(event)) return;
      const off = service.subscribe(
        event,
        (payload: VeilEvents[typeof event]) => send({ event, payload } as WsServerMessage),
        {
          ready,
        },
      );
      subscriptions.set(event, off);
    }
    function unsubscribe(event: EventName): void {
      subscriptions.get(event)?.();
      subscriptions.delete(event);
    }

    ws.on('message', (data: RawData, isBinary: boolean) => {
      void handle(data, isBinary);
    });
    ws.on('close', () => {
      for (const off of subscriptions.values()) off();
      subscriptions.clear();
    });
    ws.on('error', () => ws.terminate());

    async function handle(data: RawData, isBinary: boolean): Promise<void> {
      let msg: unknown;
      try {
        if (isBinary) throw new Error('binary frames are not part of the protocol');
        msg = JSON.parse(data.toString());
      } catch (err) {
        return fail(null, { code: 'E_INVALID_ARGS', message: `Not a JSON text message: ${(err as Error).message}` });
      }
      if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
        return fail(null, { code: 'E_INVALID_ARGS', message: 'A message is a JSON object.' });
      }
      const m = msg as Record<string, unknown>;
      if ('subscribe' in m || 'unsubscribe' in m) {
        const names = toEvents(m.subscribe ?? m.unsubscribe);
        if (!names) {
          return fail(idOf(m), {
            code: 'E_INVALID_ARGS',
            message: `subscribe/unsubscribe take a list of events: ${eventNames.join(', ')}.`,
          });
        }
        for (const name of names) 'subscribe' in m ? subscribe(name) : unsubscribe(name);
        return;
      }
      const id = idOf(m);
      if (id === null)
        return fail(null, { code: 'E_INVALID_ARGS', message: 'A command needs an id (number or string).' });
      if (!isCommandName(m.command)) {
        return fail(id, { code: 'E_UNKNOWN_COMMAND', message: `Unknown command ${JSON.stringify(m.command)}.` });
      }
      try {
        const result = await service.invoke(m.command, m.args as never);
        send({ id, result });
      } catch (err) {
        if (err instanceof CommandError) return fail(id, err.payload);
        return fail(id, { code: 'E_FAILED', message: (err as Error).message });
      }
    }

    function fail(id: WsCommandFailure['id'], error: CommandErrorPayload): void {
      send({ id, error });
    }

    send({ hello: { protocol: WS_PROTOCOL_VERSION, events: [...eventNames] } });
  }

  return {
    get clients() {
      return wss.clients.size;
    },
    async close() {
      server.off('upgrade', onUpgrade);
      for (const ws of wss.clients) ws.close(1001, 'Veil is shutting down');
      const closed = new Promise<void>((resolve) => wss.close(() => resolve()));
      // a client that does not answer the close handshake would hold shutdown for ws's 30 s timeout
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          for (const ws of wss.clients) ws.terminate();
          resolve();
        }, 1000);
      });
      await Promise.race([closed, deadline]);
      clearTimeout(timer);
      await closed;
    },
  };
}

function idOf(m: Record<string, unknown>): number | string | null {
  return typeof m.id === 'number' || typeof m.id === 'string' ? m.id : null;
}

function toEvents(value: unknown): EventName[] | null {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0) return null;
  if (!list.every((v) => (eventNames as readonly unknown[]).includes(v))) return null;
  return list as EventName[];
}

function refuse(socket: Duplex, status: number, reason: string): void {
  const text = `${reason}\n`;
  const phrase: Record<number, string> = {
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    421: 'Misdirected Request',
  };
  socket.end(
    `HTTP/1.1 ${status} ${phrase[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
  );
}
