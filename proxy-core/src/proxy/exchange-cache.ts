import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ExchangePolicy, RequestFacts } from './exchange-policy.js';
import type { ExchangeRecorder } from './exchange-recorder.js';
import type { HeaderList } from './header-list.js';

/**
 * Sees an upstream response after the response policy ran and before the client gets it.
 * Return 'answered' when the cache answered the client itself (a 304 that revalidated a
 * stored entry); the engine then leaves the exchange alone. The tap may add its own
 * listeners to `body` to keep a copy; it never changes what the engine streams.
 */
export type ResponseTap = (
  status: number,
  statusMessage: string | undefined,
  headers: HeaderList,
  body: ResponseBody,
) => 'answered' | undefined;

/** Sees an upstream failure before any answer; 'answered' when it answered the client itself. */
export type FailureTap = (err: unknown) => 'answered' | undefined;

/**
 * The upstream response body as a tap sees it: the chunks the engine streams, then `end`
 * (with `complete` set) or `aborted`, then `close`. The engine reads the body either way;
 * `resume()` is there for taps written against Node streams and changes nothing.
 */
export interface ResponseBody {
  readonly complete: boolean;
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'end' | 'aborted' | 'close', listener: () => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  resume(): this;
}

/** One plain-HTTP exchange as the engine lends it to the response cache. */
export interface CacheExchange {
  req: IncomingMessage;
  res: ServerResponse;
  rec: ExchangeRecorder;
  facts: RequestFacts;
  /** The policy this exchange runs under (hits pass their headers through `rewriteResponse`). */
  policy: ExchangePolicy;
  /** Headers about to go upstream, after rewriteRequest; the cache may add validators in place. */
  forwarded: HeaderList;
  /**
   * Sends the request upstream through the engine's normal path; `tap` sees the response first.
   * `onFailure` sees a failure before any answer (origin unreachable, reset, silent) and may
   * answer the client itself ('answered'), e.g. with a stored copy under stale-if-error.
   */
  forward(tap?: ResponseTap, onFailure?: FailureTap): void;
  /**
   * Sends `forwarded` upstream once more for the cache alone, after the client was answered
   * (a stale-while-revalidate revalidation): the response goes only to `tap`, nothing of it
   * reaches this exchange's client, and it has a traffic record of its own.
   */
  background(tap: ResponseTap, onFailure: FailureTap): void;
  /** Answers through the engine's one failure path. */
  fail(err: unknown): void;
}

/** The response cache hook: it answers from its store or calls `forward` (cache/ implements it). */
export interface ExchangeCache {
  handle(exchange: CacheExchange): void;
}
