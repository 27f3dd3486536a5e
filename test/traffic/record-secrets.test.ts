import { describe, expect, it } from 'vitest';
import type { ReceiptEntry } from '../../proxy-core/src/proxy/exchange-record.js';
import {
  CREDENTIALS_PLACEHOLDER,
  recordedHeaders,
  recordedReceipt,
  removedPlaceholder,
  shortHash,
} from '../../proxy-core/src/proxy/record-secrets.js';

const receipt: ReceiptEntry[] = [
  { direction: 'request', action: 'removed', header: 'Cookie', oldValue: 'b=2', rule: 'strict/cookies' },
  {
    direction: 'request',
    action: 'replaced',
    header: 'User-Agent',
    oldValue: 'Mine/1',
    newValue: 'Generic',
    rule: 'r',
  },
  { direction: 'request', action: 'added', header: 'Sec-GPC', newValue: '1', rule: 'strict/gpc' },
  { direction: 'response', action: 'removed', header: 'Set-Cookie', oldValue: 't=1', rule: 'strict/cookies' },
];

describe('what a record keeps of removed values', () => {
  it('replaces only the removed occurrence of a repeated header, and Proxy-Authorization always', () => {
    const pairs: Array<[string, string]> = [
      ['Cookie', 'a=1'],
      ['cookie', 'b=2'],
      ['User-Agent', 'Mine/1'],
      ['Proxy-Authorization', 'Basic c2VjcmV0'],
    ];
    expect(recordedHeaders(pairs, receipt, 'request', false)).toEqual([
      ['Cookie', 'a=1'],
      ['cookie', removedPlaceholder('b=2')],
      ['User-Agent', removedPlaceholder('Mine/1')],
      ['Proxy-Authorization', CREDENTIALS_PLACEHOLDER],
    ]);
    expect(removedPlaceholder('b=2')).toBe(`[not kept: 3 bytes, sha256 ${shortHash('b=2')}]`);
    // response entries never touch request headers, and the other way round
    expect(recordedHeaders([['Set-Cookie', 't=1']], receipt, 'request', false)).toEqual([['Set-Cookie', 't=1']]);
    expect(recordedHeaders([['Set-Cookie', 't=1']], receipt, 'response', false)).toEqual([
      ['Set-Cookie', removedPlaceholder('t=1')],
    ]);
  });

  it('keeps values only when asked, never the credentials', () => {
    const pairs: Array<[string, string]> = [
      ['Cookie', 'b=2'],
      ['Proxy-Authorization', 'Basic c2VjcmV0'],
    ];
    expect(recordedHeaders(pairs, receipt, 'request', true)).toEqual([
      ['Cookie', 'b=2'],
      ['Proxy-Authorization', CREDENTIALS_PLACEHOLDER],
    ]);
  });

  it('turns old values into length and hash in the receipt, leaving the privacy engine’s own receipt alone', () => {
    const out = recordedReceipt(receipt, false);
    expect(out[0]).toEqual({
      direction: 'request',
      action: 'removed',
      header: 'Cookie',
      oldLength: 3,
      oldHash: shortHash('b=2'),
      rule: 'strict/cookies',
    });
    expect(out[1]).toMatchObject({ newValue: 'Generic', oldLength: 6 });
    expect(out[2]).toEqual(receipt[2]);
    expect(receipt[0]!.oldValue).toBe('b=2');
    expect(recordedReceipt(receipt, true)[0]).toMatchObject({ oldValue: 'b=2', oldHash: shortHash('b=2') });
    expect(shortHash('b=2')).toMatch(/^[0-9a-f]{8}$/);
    expect(shortHash('b=2')).not.toBe(shortHash('b=3'));
  });
});
