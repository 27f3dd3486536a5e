import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Origin, startHttpOrigin } from './helpers/origins.js';
import { startProxy, type TestProxy } from './helpers/proxy.js';

const TOTAL = 1024 * 1024 * 1024; // 1 GiB
const BLOCK = Buffer.alloc(256 * 1024, 0x5a);

describe('very large bodies', () => {
  let origin: Origin;
  let proxy: TestProxy;
  let written = 0;

  beforeAll(async () => {
    origin = await startHttpOrigin((req, res) => {
      if (req.method === 'POST') {
        let got = 0;
        req.on('data', (c: Buffer) => {
          got += c.length;
        });
        req.on('end', () => res.end(String(got)));
        return;
      }
      written = 0;
      res.writeHead(200, { 'Content-Length': String(TOTAL), 'Content-Type': 'application/octet-stream' });
      const pump = (): void => {
        while (written < TOTAL) {
          written += BLOCK.length;
          if (!res.write(BLOCK)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
    proxy = await startProxy();
  });

  afterAll(async () => {
    await proxy.close();
    await origin.close();
  });

  it('streams 1 GiB to a slow reader with backpressure and bounded memory', async () => {
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sample = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 50);
    try {
      const received = await new Promise<number>((resolve, reject) => {
        const req = request({
          host: '127.0.0.1',
          port: proxy.port,
          path: `http://127.0.0.1:${origin.port}/huge`,
          agent: false,
        });
        req.on('error', reject);
        req.on('response', async (res) => {
          let got = 0;
          res.once('data', (c: Buffer) => {
            got += c.length;
            res.pause();
            void stallThenResume();
          });
          async function stallThenResume(): Promise<void> {
            // while the client reads nothing, the origin must be held back by the proxy
            let last = -1;
            await expect
              .poll(
                () => {
                  const stalled = written === last;
                  last = written;
                  return stalled;
                },
                { interval: 300, timeout: 15_000 },
              )
              .toBe(true);
            expect(written).toBeLessThan(64 * 1024 * 1024);
            res.on('data', (c: Buffer) => {
              got += c.length;
            });
            res.on('end', () => resolve(got));
            res.on('error', reject);
            res.resume();
          }
        });
        req.end();
      });
      expect(received).toBe(TOTAL);
    } finally {
      clearInterval(sample);
    }
    expect(peak - rssBefore).toBeLessThan(200 * 1024 * 1024);
  }, 120_000);

  it('streams a 512 MiB upload without buffering it', async () => {
    const size = 512 * 1024 * 1024;
    const answer = await new Promise<string>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port: proxy.port,
        method: 'POST',
        path: `http://127.0.0.1:${origin.port}/upload`,
        headers: { 'Content-Length': String(size) },
        agent: false,
      });
      req.on('error', reject);
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () => resolve(body));
      });
      let sent = 0;
      const pump = (): void => {
        while (sent < size) {
          sent += BLOCK.length;
          if (!req.write(BLOCK)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
    expect(answer).toBe(String(size));
  }, 120_000);
});
