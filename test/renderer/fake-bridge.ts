import type {
  CommandArgs,
  CommandName,
  CommandResult,
  EventName,
  VeilApi,
  VeilEvents,
} from '../../proxy-core/src/control/contract.js';

type Handler<C extends CommandName> = (
  args: CommandArgs<C> | undefined,
) => CommandResult<C> | Promise<CommandResult<C>>;
export type Handlers = { [C in CommandName]?: Handler<C> | CommandResult<C> };

/**
 * An in-memory Bridge for component tests only: the UI's one boundary, answered from a table.
 * Commands without an answer stay pending (the "loading" state); a thrown error is the "error" state.
 */
export class FakeBridge implements VeilApi {
  readonly calls: Array<{ command: CommandName; args: unknown }> = [];
  private readonly listeners = new Map<EventName, Set<(payload: unknown) => void>>();

  constructor(private readonly handlers: Handlers = {}) {}

  /** Replaces or adds answers. */
  answer(more: Handlers): void {
    Object.assign(this.handlers, more);
  }

  invoke<C extends CommandName>(command: C, args?: CommandArgs<C>): Promise<CommandResult<C>> {
    this.calls.push({ command, args });
    const h: unknown = (this.handlers as Record<string, unknown>)[command];
    if (h === undefined) return new Promise(() => {});
    try {
      const answer = typeof h === 'function' ? (h as (a: unknown) => unknown)(args) : h;
      return Promise.resolve(answer as CommandResult<C>);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  on<E extends EventName>(event: E, listener: (payload: VeilEvents[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as (payload: unknown) => void);
    return () => set.delete(listener as (payload: unknown) => void);
  }

  /** Pushes an event as the service would. */
  emit<E extends EventName>(event: E, payload: VeilEvents[E]): void {
    for (const l of this.listeners.get(event) ?? []) l(payload);
  }

  /** The arguments of every call to one command. */
  argsOf<C extends CommandName>(command: C): Array<CommandArgs<C> | undefined> {
    return this.calls.filter((c) => c.command === command).map((c) => c.args as CommandArgs<C>);
  }
}

/** An error shaped like the service's CommandErrorPayload. */
export function failure(message: string, code = 'E_FAILED'): () => never {
  return () => {
    throw { code, message };
  };
}
