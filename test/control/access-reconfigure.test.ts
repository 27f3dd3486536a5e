import { once } from 'node:events';
import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type EchoOrigin, type RunningVeil, startEchoOrigin, startVeil } from '../privacy/harness.js';
import { openTunnel, rawRequest, readHead } from '../privacy/raw-client.js';

let origin: EchoOrigin;
const running: RunningVeil[] = [];

beforeAll(async () => {
  origin = await startEchoOrigin();
});
afterAll(async () => {
  await origin.close();
});
afterEach(async () => {
  for (const v of running.splice(0)) await v.stop();
});

/** The next head on a raw socket that an earlier read left paused. */
function nextHead(socket: Socket): ReturnType<typeof readHead> {
  const head = readHead(socket);
  socket.resume();
  return head;
}

/** Reads one response with a Content-Length body from a raw socket; returns its head. */
async function readResponse(socket: Socket): Promise<string> {
  const { head, rest } = await nextHead(socket);
  const length = Number(/^content-length:\s*(\d+)/im.exec(head)?.[1] ?? 0);
  let got = rest.length;
  if (got < length) {
    socket.resume();
    await new Promise<void>((resolve) => {
      const onData = (c: Buffer): void => {
        got += c.length;
        if (got >= length) {
          socket.off('data', onData);
          socket.pause();
          resolve();
        }
      };
      socket.on('data', onData);
    });
  }
  return head;
}

describe('changing access settings while listening', () => {
  it('keeps open client connections and applies the new CONNECT ports to their next request', async () => {
    const v = await startVeil({ proxy: { allowedConnectPorts: [443] } });
    running.push(v);
    const authority = `127.0.0.1:${origin.port}`;

    const before = await openTunnel(v.port, authority);
    before.socket.destroy();
    expect(before.status).toBe(403);

    const client = await rawRequest(v.port, `GET http://${authority}/one HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
    let closed = false;
    client.once('close', () => {
      closed = true;
    });
    try {
      expect(await readResponse(client)).toMatch(/^HTTP\/1\.1 200/);
      expect((await v.service.invoke('status.get', {})).listening?.port).toBe(v.port);

      const updated = await v.service.invoke('settings.update', {
        patch: { proxy: { allowedConnectPorts: [443, origin.port] } },
      });
      expect(updated.ok).toBe(true);
      expect((await v.service.invoke('status.get', {})).listening?.port).toBe(v.port);

      // the kept-alive connection is still served, and its CONNECT sees the new rule
      client.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
      const { head } = await nextHead(client);
      expect(head).toMatch(/^HTTP\/1\.1 200/);
      expect(closed).toBe(false);
      client.write(`GET /tunneled HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
      expect(await readResponse(client)).toMatch(/^HTTP\/1\.1 200/);
      expect(origin.seen.at(-1)?.url).toBe('/tunneled');
    } finally {
      client.destroy();
      if (!client.closed) await once(client, 'close');
    }

    // and taking the port away again refuses the next tunnel, still on the same listener
    await v.service.invoke('settings.update', { patch: { proxy: { allowedConnectPorts: [443] } } });
    const after = await openTunnel(v.port, authority);
    after.socket.destroy();
    expect(after.status).toBe(403);
  });
});
