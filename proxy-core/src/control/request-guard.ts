import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Who may talk to the UI server: checked on every HTTP request and WebSocket upgrade. */
export interface GuardConfig {
  /** The port the UI server is bound to. */
  port: number;
  /** The secret the WebSocket must present (`?token=`). */
  token: string;
  /** More origins allowed to open the WebSocket (e.g. a Vite dev server), exact `scheme://host:port`. */
  extraOrigins?: string[];
}

export type GuardVerdict = { ok: true } | { ok: false; status: 401 | 403 | 404 | 421; reason: string };

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/** The Host values the server answers to: its loopback names with its port. */
export function allowedHosts(port: number): string[] {
  return LOOPBACK_NAMES.map((name) => `${name}:${port}`);
}

/**
 * Host must be a loopback name with our port: a page on attacker.example that rebinds its DNS to 127.0.0.1
 * still sends `Host: attacker.example:PORT`, so DNS rebinding cannot reach the API.
 */
export function checkHost(req: IncomingMessage, cfg: GuardConfig): GuardVerdict {
  const host = (req.headers.host ?? '').toLowerCase();
  if (allowedHosts(cfg.port).includes(host)) return { ok: true };
  return {
    ok: false,
    status: 421,
    reason: `Host "${host || '(none)'}" is not this server; open http://127.0.0.1:${cfg.port}/ instead.`,
  };
}

/**
 * A browser always sends Origin on a WebSocket handshake; a foreign one means another site's page is trying
 * to drive Veil (CSRF). Clients that are not browsers send none and are still held to the token.
 */
export function checkOrigin(req: IncomingMessage, cfg: GuardConfig): GuardVerdict {
  const origin = req.headers.origin;
  if (origin === undefined) return { ok: true };
  const allowed = [...allowedHosts(cfg.port).map((h) => `http://${h}`), ...(cfg.extraOrigins ?? [])];
  if (allowed.includes(origin.toLowerCase())) return { ok: true };
  return { ok: false, status: 403, reason: `Origin "${origin}" may not use the Veil API.` };
}

/** The `token` query parameter must equal the server's token (compared in constant time). */
export function checkToken(req: IncomingMessage, cfg: GuardConfig): GuardVerdict {
  const given = new URL(req.url ?? '/', 'http://x').searchParams.get('token') ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(cfg.token);
  if (a.length === b.length && timingSafeEqual(a, b)) return { ok: true };
  return {
    ok: false,
    status: 401,
    reason: given
      ? 'The token is not the current one (an old link, or the token was rotated). Run `veil ui-url` for the current address.'
      : 'A token is required. Run `veil ui-url` for the address with its #token=….',
  };
}

/** All checks for a WebSocket upgrade, the first failure wins. */
export function checkUpgrade(req: IncomingMessage, cfg: GuardConfig): GuardVerdict {
  for (const check of [checkHost, checkOrigin, checkToken]) {
    const verdict = check(req, cfg);
    if (!verdict.ok) return verdict;
  }
  return { ok: true };
}
