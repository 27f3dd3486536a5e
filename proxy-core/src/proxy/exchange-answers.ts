import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EngineContext } from './engine-context.js';
import { errorPageFor, renderErrorPage } from './error-page.js';
import type { BlockDecision } from './exchange-policy.js';
import type { ExchangeRecorder } from './exchange-recorder.js';
import { getHeader } from './header-list.js';
import { ProxyError, upstreamFailure } from './proxy-error.js';

// A 1x1 transparent GIF: blocked images answer with it so pages keep their layout (Privoxy's handle-as-image).
const BLANK_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

// Exchanges still reading their request body, so a parse failure found by the server can abort them.
const inFlight = new WeakMap<ServerResponse, (code: string) => void>();

/** Aborts the upstream side of the exchange answering `res` (its request body broke off or broke framing). */
export function abortExchange(res: ServerResponse, code: string): void {
  inFlight.get(res)?.(code);
}

function wantsImage(req: IncomingMessage): boolean {
  const accept = getHeader(req.rawHeaders, 'accept') ?? '';
  const dest = getHeader(req.rawHeaders, 'sec-fetch-dest');
  if (dest) return dest === 'image';
  return accept.startsWith('image/');
}

/** Answers a blocked request: 403 with the rule named, or a transparent GIF for images. */
export function sendBlocked(
  req: IncomingMessage,
  res: ServerResponse,
  rec: ExchangeRecorder,
  block: BlockDecision,
): void {
  const { hint, ...info } = block;
  rec.blocked = info;
  rec.error = 'E_BLOCKED';
  req.resume();
  if (wantsImage(req)) {
    rec.status = 200;
    res.writeHead(200, {
      'Content-Type': 'image/gif',
      'Content-Length': String(BLANK_GIF.length),
      'Cache-Control': 'no-store',
      'X-Veil-Blocked': block.rule,
    });
    res.end(BLANK_GIF);
  } else {
    rec.status = 403;
    const where = block.line ? ` (line ${block.line})` : '';
    const body = renderErrorPage(
      403,
      'Blocked by Veil',
      `This request matched the rule ${block.rule} in ${block.list}${where}.`,
      hint ?? 'To allow it, add an allow rule for this host in Veil → Blocklists, or disable the list.',
    );
    res.writeHead(403, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(body)),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(body);
  }
  res.once('finish', () => rec.finish());
}

/** The one failure path for HTTP exchanges: a page naming the cause, or a cut connection once the response began. */
export function sendError(ctx: EngineContext, res: ServerResponse, rec: ExchangeRecorder, err: unknown): void {
  const failure = err instanceof ProxyError ? err : upstreamFailure(err, rec.host || 'upstream');
  rec.error = failure.code;
  if (failure.code === 'E_INTERNAL') ctx.reportError(failure.code, failure.message);
  if (res.headersSent || res.destroyed) {
    // never let a truncated body look complete: cut the connection instead of ending the message
    res.destroy();
    rec.finish();
    return;
  }
  rec.status = failure.status;
  const body = errorPageFor(failure);
  res.writeHead(failure.status, {
    ...failure.headers,
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    // the cause as a code, for programs (Veil's own list updater) that cannot read the page
    'X-Veil-Error': failure.code,
  });
  res.end(body);
  res.once('finish', () => rec.finish());
  res.once('close', () => rec.finish());
}

/** Lets a parse failure the server finds in the request body abort the exchange answering `res`. */
export function watchBodyAbort(res: ServerResponse, abort: (code: string) => void): void {
  inFlight.set(res, abort);
}
