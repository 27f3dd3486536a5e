import { describe, expect, it } from 'vitest';
import { checkRequestFraming } from '../../proxy-core/src/proxy/request-framing.js';

describe('checkRequestFraming', () => {
  it('says whether a request carries a body', () => {
    expect(checkRequestFraming(['Host', 'x'])).toBe(false);
    expect(checkRequestFraming(['Content-Length', '0'])).toBe(false);
    expect(checkRequestFraming(['Content-Length', '12'])).toBe(true);
    expect(checkRequestFraming(['transfer-encoding', ' Chunked '])).toBe(true);
  });

  it('refuses every framing Veil could read differently from the next hop', () => {
    for (const raw of [
      ['Transfer-Encoding', 'gzip, chunked'],
      ['Transfer-Encoding', 'xchunked'],
      ['Transfer-Encoding', 'chunked', 'Transfer-Encoding', 'chunked'],
      ['Transfer-Encoding', 'chunked', 'Content-Length', '5'],
      ['Content-Length', '5', 'content-length', '5'],
      ['Content-Length', '-1'],
      ['Content-Length', '1e3'],
    ]) {
      expect(() => checkRequestFraming(raw), JSON.stringify(raw)).toThrow(/malformed/);
    }
  });
});
