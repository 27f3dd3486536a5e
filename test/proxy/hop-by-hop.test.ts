import { describe, expect, it } from 'vitest';
import { connectionListed, isHopByHop, stripHopByHop } from '../../proxy-core/src/proxy/hop-by-hop.js';

describe('hop-by-hop headers', () => {
  it('knows the RFC 9110 connection-specific fields and the proxy credentials', () => {
    for (const h of [
      'connection',
      'keep-alive',
      'te',
      'trailer',
      'transfer-encoding',
      'upgrade',
      'proxy-authorization',
    ]) {
      expect(isHopByHop(h)).toBe(true);
    }
    expect(isHopByHop('cookie')).toBe(false);
  });

  it('collects the names listed in Connection and Proxy-Connection', () => {
    expect([...connectionListed(['Connection', 'close, X-Foo', 'Proxy-Connection', ' x-bar '])]).toEqual([
      'close',
      'x-foo',
      'x-bar',
    ]);
  });

  it('strips hop-by-hop and listed headers but keeps the rest in order', () => {
    const out = stripHopByHop([
      'Host',
      'a',
      'Connection',
      'X-Secret',
      'X-Secret',
      '1',
      'TE',
      'trailers',
      'Accept',
      '*/*',
    ]);
    expect(out).toEqual(['Host', 'a', 'Accept', '*/*']);
  });

  it('keeps Upgrade for a real protocol switch', () => {
    const out = stripHopByHop(['Connection', 'Upgrade', 'Upgrade', 'websocket', 'Host', 'a'], true);
    expect(out).toEqual(['Upgrade', 'websocket', 'Host', 'a', 'Connection', 'Upgrade']);
  });
});
