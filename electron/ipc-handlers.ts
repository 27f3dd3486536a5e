import { z } from 'zod';
import {
  CommandError,
  type EventName,
  eventNames,
  isCommandName,
  parseCommandArgs,
  type VeilApi,
} from '../proxy-core/src/control/contract.js';
import type { InvokeReply } from './bridge-types.js';

/** What a handler knows of its caller: the sending frame's URL (null once it navigated away or died). */
export interface IpcSender {
  /** The URL of the frame that sent the message, or null. */
  frameUrl: string | null;
  /** Whether that frame is the window's top frame (never an iframe). */
  topFrame: boolean;
  /** Stable id of the sending page, for subscriptions. */
  id: number;
  /** Delivers an event to that page. */
  send(event: EventName, payload: unknown): void;
}

/** True when a frame URL belongs to Veil's own UI (and nothing else: not file://, not another origin). */
export type SenderCheck = (sender: IpcSender) => boolean;

/** Builds the sender check for the app's origins (`veil-app://ui`, a dev server in development). */
export function trustedOrigins(origins: readonly string[]): SenderCheck {
  const allowed = new Set(origins);
  return (sender) => {
    if (!sender.topFrame || !sender.frameUrl) return false;
    try {
      // Built from protocol and host: WHATWG URL gives custom schemes the opaque origin "null".
      const u = new URL(sender.frameUrl);
      return allowed.has(`${u.protocol}//${u.host}`);
    } catch {
      return false;
    }
  };
}

class Forbidden extends Error {}

/**
 * THE wrapper every IPC handler goes through: first the sender frame must be Veil's own UI,
 * then the arguments must pass the contract's schema; only then does `run` see them.
 */
export function secured<A, R>(
  isTrusted: SenderCheck,
  parse: (raw: unknown[]) => A,
  run: (sender: IpcSender, args: A) => R,
) {
  return (sender: IpcSender, ...raw: unknown[]): R => {
    if (!isTrusted(sender)) throw new Forbidden(`IPC from ${sender.frameUrl ?? 'an unknown frame'} refused`);
    return run(sender, parse(raw));
  };
}

const eventSchema = z.enum(eventNames as [EventName, ...EventName[]]);

function toReply(err: unknown): InvokeReply {
  if (err instanceof CommandError) return { ok: false, ...err.payload };
  if (err instanceof Forbidden) return { ok: false, code: 'E_FORBIDDEN', message: err.message };
  return { ok: false, code: 'E_FAILED', message: (err as Error).message };
}

/** The handlers main registers: invoke a command, subscribe to or unsubscribe from an event. */
export function createIpcHandlers(api: VeilApi, isTrusted: SenderCheck) {
  /** Per page: event → unsubscribe from the service. */
  const subscriptions = new Map<number, Map<EventName, () => void>>();

  const invoke = secured(
    isTrusted,
    ([command, args]) => {
      if (!isCommandName(command))
        throw new CommandError({ code: 'E_UNKNOWN_COMMAND', message: `Unknown command ${String(command)}` });
      return { command, args: parseCommandArgs(command, args) };
    },
    async (_sender, { command, args }) => ({ ok: true, value: await api.invoke(command, args as never) }) as const,
  );

  const subscribe = secured(
    isTrusted,
    ([event]) => eventSchema.parse(event),
    (sender, event) => {
      const mine = subscriptions.get(sender.id) ?? new Map<EventName, () => void>();
      subscriptions.set(sender.id, mine);
      if (mine.has(event)) return;
      mine.set(
        event,
        api.on(event, (payload) => sender.send(event, payload)),
      );
    },
  );

  const unsubscribe = secured(
    isTrusted,
    ([event]) => eventSchema.parse(event),
    (sender, event) => {
      const mine = subscriptions.get(sender.id);
      mine?.get(event)?.();
      mine?.delete(event);
    },
  );

  return {
    /** `veil:invoke`: always answers with data (errors included), never rejects. */
    async invoke(sender: IpcSender, ...raw: unknown[]): Promise<InvokeReply> {
      try {
        return await invoke(sender, ...raw);
      } catch (err) {
        return toReply(err);
      }
    },
    /** `veil:subscribe`; a refused or invalid message is dropped (returns false). */
    subscribe(sender: IpcSender, ...raw: unknown[]): boolean {
      try {
        subscribe(sender, ...raw);
        return true;
      } catch {
        return false;
      }
    },
    unsubscribe(sender: IpcSender, ...raw: unknown[]): boolean {
      try {
        unsubscribe(sender, ...raw);
        return true;
      } catch {
        return false;
      }
    },
    /** Drops a page's subscriptions (it closed or reloaded). */
    release(pageId: number): void {
      for (const off of subscriptions.get(pageId)?.values() ?? []) off();
      subscriptions.delete(pageId);
    },
    /** How many events a page is subscribed to (main forwards only these). */
    subscribedCount(pageId: number): number {
      return subscriptions.get(pageId)?.size ?? 0;
    },
  };
}
