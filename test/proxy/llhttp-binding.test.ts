import { describe, expect, it } from 'vitest';
import { HTTPParser, type LlhttpParser, responseParser } from '../../proxy-core/src/proxy/llhttp.js';

/**
 * Veil's upstream client parses responses with Node's internal llhttp binding (`node:_http_common`), not a
 * public API. These tests pin every part of it Veil relies on: the statics, the callback slots and their
 * argument order, skipping bodies, close-delimited bodies, trailers, header flushes and strictness. They run
 * on the system Node and, in `.ci/run`, on Node 22 (the one Electron 45 embeds): if a Node release changes
 * the binding, this file fails and names the runtime.
 */
const runtime = `Node ${process.version}`;

interface Seen {
  heads: Array<{
    major: number;
    minor: number;
    headers: string[];
    status: number;
    message: string;
    keepAlive: boolean;
  }>;
  flushed: string[][];
  body: string[];
  complete: number;
}

function parse(skipBody = false): { parser: LlhttpParser; seen: Seen } {
  const seen: Seen = { heads: [], flushed: [], body: [], complete: 0 };
  const parser = responseParser(16 * 1024, {
    onHeaders: (headers) => seen.flushed.push(headers),
    onHeadersComplete: (major, minor, headers, _method, _url, status, message, _upgrade, keepAlive) => {
      seen.heads.push({ major, minor, headers: headers ?? [], status, message, keepAlive });
      return skipBody ? 1 : 0;
    },
    onBody: (chunk) => seen.body.push(chunk.toString()),
    onMessageComplete: () => seen.complete++,
  });
  return { parser, seen };
}

describe(`Node's llhttp binding as Veil uses it (${runtime})`, () => {
  it('has the statics Veil reads', () => {
    expect(typeof HTTPParser, runtime).toBe('function');
    for (const key of ['RESPONSE', 'kOnHeaders', 'kOnHeadersComplete', 'kOnBody', 'kOnMessageComplete'] as const) {
      expect(HTTPParser[key], `${runtime}: HTTPParser.${key}`).toBeTypeOf('number');
    }
    expect(HTTPParser.kLenientNone ?? 0, `${runtime}: kLenientNone`).toBe(0);
  });

  it('calls onHeadersComplete with (major, minor, headers, method, url, status, message, upgrade, keepAlive)', () => {
    const { parser, seen } = parse();
    const input = Buffer.from('HTTP/1.1 203 Fine Thanks\r\nX-A: 1\r\nContent-Length: 2\r\n\r\nhi');
    expect(parser.execute(input), runtime).toBe(input.length);
    expect(seen.heads, runtime).toEqual([
      {
        major: 1,
        minor: 1,
        headers: ['X-A', '1', 'Content-Length', '2'],
        status: 203,
        message: 'Fine Thanks',
        keepAlive: true,
      },
    ]);
    expect(seen.body, runtime).toEqual(['hi']);
    expect(seen.complete, runtime).toBe(1);
  });

  it('skips the body when onHeadersComplete returns 1 (answers to HEAD)', () => {
    const { parser, seen } = parse(true);
    parser.execute(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n'));
    expect(seen.body, runtime).toEqual([]);
    expect(seen.complete, runtime).toBe(1);
  });

  it('ends a close-delimited body at finish(), and fails a truncated one there', () => {
    const open = parse();
    open.parser.execute(Buffer.from('HTTP/1.0 200 OK\r\n\r\nuntil close'));
    expect(open.seen.complete, runtime).toBe(0);
    expect(open.parser.finish(), runtime).toBeUndefined();
    expect(open.seen.complete, runtime).toBe(1);
    expect(open.seen.body.join(''), runtime).toBe('until close');

    const cut = parse();
    cut.parser.execute(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort'));
    const err = cut.parser.finish();
    expect(err, runtime).toBeInstanceOf(Error);
    expect(err?.code, runtime).toMatch(/^HPE_/);
  });

  it('hands trailers to onHeaders after the body', () => {
    const { parser, seen } = parse();
    parser.execute(
      Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nX-Checksum: abc\r\n\r\n'),
    );
    expect(seen.body, runtime).toEqual(['hi']);
    expect(seen.flushed.at(-1), runtime).toEqual(['X-Checksum', 'abc']);
    expect(seen.complete, runtime).toBe(1);
  });

  it('flushes long header lists through onHeaders before the head completes', () => {
    const { parser, seen } = parse();
    const lines = Array.from({ length: 40 }, (_, i) => `X-H${i}: ${i}\r\n`).join('');
    parser.execute(Buffer.from(`HTTP/1.1 204 No Content\r\n${lines}\r\n`));
    const all = [...seen.flushed.flat(), ...seen.heads[0]!.headers];
    expect(all.length, runtime).toBe(80);
    expect(all.slice(0, 2), runtime).toEqual(['X-H0', '0']);
    expect(seen.flushed.length, `${runtime}: no flush before the head completed`).toBeGreaterThan(0);
  });

  it('is strict: obs-fold, a space before the colon and a bad chunk size are errors with an HPE_ code', () => {
    for (const bad of [
      'HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\nContent-Length: 0\r\n\r\n',
      'HTTP/1.1 200 OK\r\nX-A : 1\r\nContent-Length: 0\r\n\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    ]) {
      const result = parse().parser.execute(Buffer.from(bad));
      expect(result, `${runtime}: ${JSON.stringify(bad)}`).toBeInstanceOf(Error);
      expect((result as Error & { code?: string }).code, runtime).toMatch(/^HPE_/);
    }
  });
});
