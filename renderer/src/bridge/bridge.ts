import type { CommandErrorPayload, FieldError, VeilApi } from '../../../proxy-core/src/control/contract.js';

/** What the UI talks to. Electron's preload and the WebSocket transport both have this shape. */
export type Bridge = VeilApi;

/** A command that failed, with the service's code and any field errors, as the UI shows them. */
export class BridgeError extends Error {
  readonly code: CommandErrorPayload['code'] | 'E_DISCONNECTED' | 'E_TIMEOUT';
  readonly errors: FieldError[];
  constructor(payload: { code: BridgeError['code']; message: string; errors?: FieldError[] }) {
    super(payload.message);
    this.name = 'BridgeError';
    this.code = payload.code;
    this.errors = payload.errors ?? [];
  }
}

/** Turns whatever a transport rejected with into a BridgeError. */
export function toBridgeError(err: unknown): BridgeError {
  if (err instanceof BridgeError) return err;
  if (err && typeof err === 'object' && 'code' in err && 'message' in err) {
    const e = err as { code: unknown; message: unknown; errors?: unknown };
    return new BridgeError({
      code: typeof e.code === 'string' ? (e.code as BridgeError['code']) : 'E_FAILED',
      message: String(e.message),
      errors: Array.isArray(e.errors) ? (e.errors as FieldError[]) : [],
    });
  }
  return new BridgeError({ code: 'E_FAILED', message: err instanceof Error ? err.message : String(err) });
}

/** The message to show for a failed command. */
export function errorMessage(err: unknown): string {
  return toBridgeError(err).message;
}
