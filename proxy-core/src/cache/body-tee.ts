import type { ResponseBody } from '../proxy/exchange-cache.js';

/**
 * Keeps a copy of a response body as the engine streams it, up to `limit` bytes. Past the
 * limit it lets go of what it held and keeps nothing more, so a large body costs no memory.
 * Calls `done` once: with the body when the response ended whole, or null otherwise.
 */
export function teeBody(body: ResponseBody, limit: number, done: (copy: Buffer | null) => void): void {
  let chunks: Buffer[] | null = [];
  let size = 0;
  let settled = false;
  const settle = (copy: Buffer | null): void => {
    if (settled) return;
    settled = true;
    chunks = null;
    done(copy);
  };
  body.on('data', (chunk: Buffer) => {
    if (!chunks) return;
    size += chunk.length;
    if (size > limit) {
      settle(null);
      return;
    }
    chunks.push(chunk);
  });
  body.on('end', () => {
    if (!chunks || !body.complete) return settle(null);
    settle(Buffer.concat(chunks, size));
  });
  body.on('aborted', () => settle(null));
  body.on('error', () => settle(null));
  body.on('close', () => settle(null));
}
