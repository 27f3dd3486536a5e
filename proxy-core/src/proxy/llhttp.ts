import { createRequire } from 'node:module';

/**
 * Node's own llhttp binding, the strict C parser behind `http`, used for upstream responses.
 *
 * Why not `http.request`: measured on this project's bench, Node's client machinery
 * (ClientRequest, Agent, IncomingMessage streams) cost about half of Veil's CPU per exchange;
 * parsing with llhttp directly and writing each request in one write halves it. Why not a
 * parser of our own: llhttp is the maintained, fuzzed, strict parser Node itself trusts.
 * `node:_http_common` carries a documentation-only deprecation (DEP0199, Node 24+); the
 * binding is checked at load so a Node without it fails loudly in tests, not silently.
 */
export interface LlhttpParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenientFlags: number): void;
  /** Bytes parsed, or the parse error (its `code` is an `HPE_…` name). */
  execute(data: Buffer): number | (Error & { code?: string });
  /** Signals end of input: completes a body delimited by the connection's close, or fails a truncated one. */
  finish(): undefined | (Error & { code?: string });
  close(): void;
  [key: number]: unknown;
}

interface LlhttpStatics {
  new (): LlhttpParser;
  RESPONSE: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
  kLenientNone?: number;
}

function load(): LlhttpStatics {
  const common = createRequire(import.meta.url)('node:_http_common') as { HTTPParser?: LlhttpStatics };
  const parser = common.HTTPParser;
  if (typeof parser !== 'function' || typeof parser.kOnHeadersComplete !== 'number') {
    throw new Error(`This Node.js (${process.version}) does not expose its HTTP parser; Veil needs Node 20 to 24.`);
  }
  return parser;
}

export const HTTPParser = load();

/** Called with header name/value pairs flushed before the head is complete, or with trailers. */
export type OnHeaders = (headers: string[]) => void;
/** Returns 0 to read a body, 1 to skip it (answers to HEAD, 1xx). */
export type OnHeadersComplete = (
  versionMajor: number,
  versionMinor: number,
  headers: string[] | undefined,
  method: number | undefined,
  url: string | undefined,
  statusCode: number,
  statusMessage: string,
  upgrade: boolean,
  shouldKeepAlive: boolean,
) => number;

/** A response parser in strict mode (never the lenient flags: they let desync shapes through). */
export function responseParser(
  maxHeaderSize: number,
  handlers: {
    onHeaders: OnHeaders;
    onHeadersComplete: OnHeadersComplete;
    onBody: (chunk: Buffer) => void;
    onMessageComplete: () => void;
  },
): LlhttpParser {
  const parser = new HTTPParser();
  parser.initialize(HTTPParser.RESPONSE, {}, maxHeaderSize, HTTPParser.kLenientNone ?? 0);
  parser[HTTPParser.kOnHeaders] = handlers.onHeaders;
  parser[HTTPParser.kOnHeadersComplete] = handlers.onHeadersComplete;
  parser[HTTPParser.kOnBody] = handlers.onBody;
  parser[HTTPParser.kOnMessageComplete] = handlers.onMessageComplete;
  return parser;
}
