import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REUSE_PORT_SUPPORTED, reusePortSupported } from '../../proxy-core/src/proxy/accept-listeners.js';
import { startProxy, type TestProxy } from '../support/engine.js';
import { type Origin, startHttpOrigin } from '../support/origins.js';
import { viaProxy } from '../support/proxy-client.js';

/** Listening TCP sockets on `port`, as the kernel lists them (state 0A = LISTEN). */
function listeningOn(port: number): number {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  let n = 0;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'latin1');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[1]?.endsWith(`:${hex}`) && cols[3] === '0A') n++;
    }
  }
  return n;
}

describe('several listening sockets on one port where the runtime can share it', () => {
  let origin: Origin;
  let proxy: TestProxy;
  const expected = REUSE_PORT_SUPPORTED ? 4 : 1;
  beforeAll(async () => {
    origin = await startHttpOrigin((_req, res) => res.end('ok'));
    proxy = await startProxy({ acceptors: 4, timeouts: { headersMs: 600 } });
  });
  afterAll(async () => {
    await proxy.close();
    await origin.close();
  });

  it(`opens ${expected} listener(s) on Node ${process.versions.node}, and says so`, () => {
    expect(reusePortSupported('22.12.0')).toBe(true);
    expect(reusePortSupported('22.11.9')).toBe(false);
    expect(reusePortSupported('20.20.2')).toBe(false);
    expect(reusePortSupported('24.0.0')).toBe(true);
    expect(proxy.engine.acceptors).toBe(expected);
    expect(listeningOn(proxy.port)).toBe(expected);
  });

  it('serves every connection the same, whichever socket accepted it', async () => {
    const answers = await Promise.all(
      Array.from({ length: 40 }, () => viaProxy(proxy.port, `http://127.0.0.1:${origin.port}/`)),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(40).fill(200));
  });

  it('holds every connection to the header timeout (slowloris), whichever socket accepted it', async () => {
    const closedAfter = await Promise.all(
      Array.from(
        { length: 12 },
        () =>
          new Promise<number>((resolve) => {
            const started = Date.now();
            const s = connect(proxy.port, '127.0.0.1', () => s.write('GET http://127.0.0.1/ HTTP/1.1\r\n'));
            s.on('error', () => {});
            s.resume();
            s.on('close', () => resolve(Date.now() - started));
          }),
      ),
    );
    for (const ms of closedAfter) {
      expect(ms).toBeGreaterThanOrEqual(450);
      expect(ms).toBeLessThan(5000);
    }
  });

  it('closes every listening socket on close()', async () => {
    const other = await startProxy({ acceptors: 4 });
    const port = other.port;
    expect(listeningOn(port)).toBe(expected);
    await other.close();
    expect(listeningOn(port)).toBe(0);
  });
});
