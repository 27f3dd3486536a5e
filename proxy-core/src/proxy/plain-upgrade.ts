import { type IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { EngineContext } from './engine-context.js';
import { getHeader } from './header-list.js';
import { forwardHttp } from './http-forward.js';
import { checkRequestFraming } from './request-framing.js';

/**
 * True for an upgrade request Veil should forward as a plain request: Upgrade is hop-by-hop,
 * so an offer other than WebSocket (e.g. `h2c` from `curl --http2`) is dropped and the
 * request answered normally. Requests with a body are left to the upgrade path (400):
 * Node stops parsing at an upgrade, so their body could not be framed.
 */
export function isPlainUpgrade(req: IncomingMessage): boolean {
  const offer = (getHeader(req.rawHeaders, 'upgrade') ?? '').toLowerCase();
  if (offer.split(',').some((t) => t.trim() === 'websocket')) return false;
  try {
    return !checkRequestFraming(req.rawHeaders);
  } catch {
    return false;
  }
}

/** Answers an upgrade request as a plain exchange on its own response, then closes the connection. */
export function forwardPlainUpgrade(ctx: EngineContext, req: IncomingMessage, socket: Socket): void {
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket);
  res.on('finish', () => {
    res.detachSocket(socket);
    socket.destroySoon();
  });
  socket.on('error', () => socket.destroy());
  forwardHttp(ctx, req, res);
}
