import type {
  CommandArgs,
  CommandName,
  CommandResult,
  EventName,
  VeilApi,
  VeilEvents,
} from '../proxy-core/src/control/contract.js';

/** `status.get` → `status`. */
type Area<C extends string> = C extends `${infer A}.${string}` ? A : never;
/** `system.enable` in area `system` → `enable`. */
type Verb<C extends string, A extends string> = C extends `${A}.${infer V}` ? V : never;

/** One named, typed function per command: `veil.system.enable()`, `veil.settings.update({ patch })`. */
export type VeilCommandFunctions = {
  [A in Area<CommandName>]: {
    [C in CommandName as Verb<C, A>]: (args?: CommandArgs<C>) => Promise<CommandResult<C>>;
  };
};

/** `blocklist.progress` → `BlocklistProgress`. */
type Pascal<S extends string> = S extends `${infer H}.${infer T}` ? `${Capitalize<H>}${Pascal<T>}` : Capitalize<S>;

/** One named subscription per event: `veil.onStatus(listener)` returns its unsubscribe. */
export type VeilEventFunctions = {
  [E in EventName as `on${Pascal<E>}`]: (listener: (payload: VeilEvents[E]) => void) => () => void;
};

/**
 * What the preload exposes as `window.veil`: the contract's named functions, plus the generic
 * `invoke`/`on` pair the renderer's Bridge uses (checked against the contract's names).
 */
export type VeilDesktopApi = VeilApi & VeilCommandFunctions & VeilEventFunctions;

/** The names main hands the preload (a sandboxed preload cannot import the contract module). */
export interface ContractNames {
  commands: CommandName[];
  events: EventName[];
}

/** The argument that carries ContractNames into the preload's process.argv. */
export const CONTRACT_ARG = '--veil-contract=';

/** IPC channels: the only ones main answers. */
export const IPC = {
  invoke: 'veil:invoke',
  subscribe: 'veil:subscribe',
  unsubscribe: 'veil:unsubscribe',
  event: 'veil:event',
} as const;

/** What `veil:invoke` answers: errors travel as data, since Electron keeps only an Error's message. */
export type InvokeReply = { ok: true; value: unknown } | { ok: false; code: string; message: string; errors?: unknown };
