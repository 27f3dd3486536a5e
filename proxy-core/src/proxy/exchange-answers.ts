import { type IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { EngineContext } from './engine-context.js';
import { errorPageFor, renderErrorPage } from './error-page.js';
import type { BlockDecision } from './exchange-policy.js';
import type { ExchangeRecorder } from './exchange-recorder.js';
import { serializeResponseHead } from './head-codec.js';
import { getHeader, type HeaderList } from './header-list.js';
import { ProxyError, upstreamFailure } from './proxy-error.js';

// A 1x1 transparent GIF: blocked images answer with it so pages keep their layout (Privoxy's handle-as-image).
const BLANK_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/**
 * After Veil's last word on a raw socket it half-closes; a client that never closes its side
 * must not keep the socket (and a connection slot) for that: destroyed after this grace.
 */
export const CLOSE_GRACE_MS = 1_000;

/** Where a refusal goes: an HTTP exchange's response, or a raw socket (CONNECT, Upgrade, a parse error). */
export type AnswerTarget = ServerResponse | Duplex;

// Exchanges still reading their request body, so a parse failure found by the server can abort them.
const inFlight = new WeakMap<ServerResponse, (code: string) => void>();

/** Aborts the upstream side of the exchange answering `res` (its request body broke off or broke framing). */
export function abortExchange(res: ServerResponse, code: string): void {
  inFlight.get(res)?.(code);
}

/** Lets a parse failure the server finds in the request body abort the exchange answering `res`. */
export function watchBodyAbort(res: ServerResponse, abort: (code: string) => void): void {
  inFlight.set(res, abort);
}

function wantsImage(headers: HeaderList): boolean {
  const dest = getHeader(headers, 'sec-fetch-dest');
  if (dest) return dest === 'image';
  return (getHeader(headers, 'accept') ?? '').startsWith('image/');
}

/** The refusal for a blocklist or content-filter match: 403 naming the rule (one page for every way in). */
export function blockedError(block: BlockDecision): ProxyError {
  const where = block.line ? ` (line ${block.line})` : '';
  return new ProxyError('E_BLOCKED', 403, `This request matched the rule ${block.rule} in ${block.list}${where}.`, {
    'Cache-Control': 'no-store',
  });
}

function blockedPage(block: BlockDecision): string {
  const err = blockedError(block);
  return renderErrorPage(
    403,
    'Blocked by Veil',
    err.message,
    block.hint ?? 'To allow it, add an allow rule for this host in Veil → Blocklists, or disable the list.',
  );
}

/**
 * Answers a blocked request: 403 with the rule named, or a transparent GIF for images (on an
 * HTTP exchange; a tunnel can only be refused). `req` is the request whose Accept decides.
 */
export function sendBlocked(
  req: IncomingMessage | null,
  to: AnswerTarget,
  rec: ExchangeRecorder,
  block: BlockDecision,
): void {
  const { hint: _hint, ...info } = block;
  rec.blocked = info;
  rec.error = 'E_BLOCKED';
  req?.resume();
  const image = to instanceof ServerResponse && req !== null && wantsImage(req.rawHeaders);
  if (image) {
    answer(
      to,
      rec,
      200,
      ['Content-Type', 'image/gif', 'Cache-Control', 'no-store', 'X-Veil-Blocked', block.rule],
      BLANK_GIF,
    );
  } else {
    answer(to, rec, 403, pageHeaders({ 'Cache-Control': 'no-store' }), Buffer.from(blockedPage(block)));
  }
}

/**
 * The one refusal and failure path, for every way in: a page naming the cause on a response
 * or a raw socket alike, the same record either way; a cut connection once the response began.
 */
export function sendError(ctx: EngineContext, to: AnswerTarget, rec: ExchangeRecorder, err: unknown): void {
  const failure = err instanceof ProxyError ? err : upstreamFailure(err, rec.host || 'upstream');
  rec.error = failure.code;
  if (failure.code === 'E_INTERNAL') ctx.reportError(failure.code, failure.message);
  const begun = to instanceof ServerResponse ? to.headersSent || to.destroyed : !to.writable;
  if (begun) {
    // never let a truncated body look complete: cut the connection instead of ending the message
    to.destroy();
    rec.finish();
    return;
  }
  // X-Veil-Error: the cause as a code, for programs (Veil's own list updater) that cannot read the page
  const headers = pageHeaders(failure.headers);
  headers.push('X-Veil-Error', failure.code);
  answer(to, rec, failure.status, headers, Buffer.from(errorPageFor(failure)));
}

/** The refusal path under its issue name: `refuse(ctx, to, rec, err)`. */
export const refuse = sendError;

function pageHeaders(extra: Record<string, string>): HeaderList {
  const out: HeaderList = [];
  for (const [k, v] of Object.entries(extra)) out.push(k, v);
  if (!extra['Cache-Control']) out.push('Cache-Control', 'no-store');
  out.push('Content-Type', 'text/html; charset=utf-8', 'X-Content-Type-Options', 'nosniff');
  return out;
}

/** Writes a whole answer; on a raw socket it is the last thing said there (Connection: close). */
function answer(to: AnswerTarget, rec: ExchangeRecorder, status: number, headers: HeaderList, body: Buffer): void {
  rec.status = status;
  if (to instanceof ServerResponse) {
    to.writeHead(status, [...headers, 'Content-Length', String(body.length)]);
    to.end(body);
    to.once('finish', () => rec.finish());
    to.once('close', () => rec.finish());
    return;
  }
  const head = serializeResponseHead(status, undefined, [
    ...headers,
    'Content-Length',
    String(body.length),
    'Connection',
    'close',
  ]);
  endAndRelease(to, Buffer.concat([Buffer.from(head, 'latin1'), body]));
  rec.finish();
}

/**
 * Ends a raw client socket with `data` and destroys it after a short grace, so the peer gets
 * the answer but cannot hold the socket by never closing its side (Veil's server is half-open).
 */
export function endAndRelease(socket: Duplex, data?: Buffer | string): void {
  socket.on('error', () => socket.destroy());
  if (socket.destroyed) return;
  if (data === undefined) socket.end();
  else socket.end(data);
  const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/** A raw HTTP/1.1 error answer (the same page a ServerResponse gets), for callers writing to a socket themselves. */
export function rawErrorAnswer(err: ProxyError): Buffer {
  const body = Buffer.from(errorPageFor(err));
  const head = serializeResponseHead(err.status, undefined, [
    ...pageHeaders(err.headers),
    'Content-Length',
    String(body.length),
    'Connection',
    'close',
  ]);
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}
