import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Origin, startHttpOrigin } from './helpers/origins.js';
import { startProxy, type TestProxy } from './helpers/proxy.js';
import { rawExchange, statusOf } from './helpers/raw-client.js';

describe('request smuggling shapes', () => {
  let origin: Origin;
  let proxy: TestProxy;
  let target: string;
  const completed: string[] = [];

  beforeAll(async () => {
    origin = await startHttpOrigin((req, res) => {
      req.on('error', () => {});
      req.resume();
      req.on('end', () => {
        completed.push(`${req.method} ${req.url}`);
        res.end('origin answered');
      });
    });
    proxy = await startProxy();
    target = `http://127.0.0.1:${origin.port}/smuggle`;
  });

  afterAll(async () => {
    await proxy.close();
    await origin.close();
  });

  // Each is refused before anything is forwarded: the header block itself is ambiguous.
  const headerShapes: Record<string, string> = {
    'Content-Length and Transfer-Encoding together': 'Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    'duplicate Content-Length, different values': 'Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd',
    'duplicate Content-Length, same value': 'Content-Length: 4\r\nContent-Length: 4\r\n\r\nabcd',
    'Content-Length list': 'Content-Length: 4, 4\r\n\r\nabcd',
    'Content-Length with a sign': 'Content-Length: +4\r\n\r\nabcd',
    'Content-Length not a number': 'Content-Length: 4a\r\n\r\nabcd',
    'Transfer-Encoding not ending in chunked': 'Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n',
    'Transfer-Encoding with an unknown coding': 'Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n',
    'Transfer-Encoding with a coding before chunked': 'Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n',
    'Transfer-Encoding twice': 'Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    'Transfer-Encoding with a vertical tab': 'Transfer-Encoding:\x0bchunked\r\n\r\n0\r\n\r\n',
    'whitespace before the colon': 'Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n',
    'obs-fold continuation line': 'X-Folded: a\r\n b\r\nContent-Length: 0\r\n\r\n',
    'obs-fold hiding Transfer-Encoding': 'X-Folded: a\r\n Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    'bare LF line ending': 'X-Bare: a\nContent-Length: 0\r\n\r\n',
    'bare CR inside a header': 'X-Bare: a\rContent-Length: 5\r\n\r\n',
    'NUL inside a header value': 'X-Nul: a\x00b\r\n\r\n',
  };

  for (const [name, rest] of Object.entries(headerShapes)) {
    it(`refuses ${name} with 400 and forwards nothing`, async () => {
      const before = origin.seen.length;
      const res = await rawExchange(proxy.port, `POST ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${rest}`, {
        waitMs: 5000,
      });
      expect(statusOf(res.text)).toBe(400);
      expect(res.text).not.toContain('origin answered');
      expect(origin.seen.length).toBe(before);
    });
  }

  it('refuses a bare LF in the request line', async () => {
    const before = origin.seen.length;
    const res = await rawExchange(proxy.port, `GET ${target} HTTP/1.1\nHost: 127.0.0.1\r\n\r\n`, { waitMs: 5000 });
    expect(statusOf(res.text)).toBe(400);
    expect(origin.seen.length).toBe(before);
  });

  const bodyShapes: Record<string, string> = {
    'a chunk size that is not hex': 'Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n',
    'chunk data longer than its size': 'Transfer-Encoding: chunked\r\n\r\n2\r\nhello\r\n0\r\n\r\n',
    'a chunk size with a bare LF': 'Transfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n',
  };

  for (const [name, rest] of Object.entries(bodyShapes)) {
    it(`answers a body with ${name} with 400 and never completes the upstream request`, async () => {
      const path = `/chunk-${Object.keys(bodyShapes).indexOf(name)}`;
      const res = await rawExchange(
        proxy.port,
        [`POST http://127.0.0.1:${origin.port}${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${rest}`],
        { waitMs: 5000 },
      );
      expect(statusOf(res.text)).toBe(400);
      expect(res.ending).not.toBe('open');
      // the origin may have seen the head, but never a complete (and so smuggled) request
      expect(completed.some((c) => c.endsWith(path))).toBe(false);
      expect(completed.some((c) => c.includes('hello'))).toBe(false);
    });
  }

  it('still forwards a well-formed chunked request afterwards', async () => {
    const res = await rawExchange(
      proxy.port,
      `POST ${target}-ok HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
    );
    expect(statusOf(res.text)).toBe(200);
    expect(completed).toContain('POST /smuggle-ok');
  });
});
