import { describe, expect, it } from 'vitest';
import { composePolicy } from '../../proxy-core/src/control/compose-policy.js';
import type { RequestFacts } from '../../proxy-core/src/proxy/exchange-policy.js';

const facts = { host: 'a.example', headers: [] } as unknown as RequestFacts;
const receipt = (rule: string) => ({ direction: 'request' as const, action: 'removed' as const, header: 'X', rule });

describe('composePolicy', () => {
  it('lets the first block decision win and skips the parts after it', () => {
    let asked = 0;
    const policy = composePolicy([
      { checkRequest: () => null },
      { checkRequest: () => ({ kind: 'blocklist', rule: '||a.example^', list: 'first' }) },
      {
        checkRequest: () => {
          asked++;
          return { kind: 'blocklist', rule: 'other', list: 'second' };
        },
      },
    ]);
    expect(policy.checkRequest?.(facts)?.list).toBe('first');
    expect(asked).toBe(0);
  });

  it('runs rewrites in order and concatenates their receipts', () => {
    const policy = composePolicy([
      {
        rewriteRequest: (_f, h) => {
          h.push('A', '1');
          return [receipt('one')];
        },
      },
      {},
      {
        rewriteRequest: (_f, h) => {
          h.push('B', '2');
          return [receipt('two')];
        },
      },
    ]);
    const headers: string[] = [];
    expect(policy.rewriteRequest?.(facts, headers).map((r) => r.rule)).toEqual(['one', 'two']);
    expect(headers).toEqual(['A', '1', 'B', '2']);
  });

  it('hands a single part through unchanged and leaves absent hooks absent', () => {
    const only = (): [] => [];
    const policy = composePolicy([{ rewriteResponse: only }, {}]);
    expect(policy.rewriteResponse).toBe(only);
    expect(policy.checkRequest).toBeUndefined();
    expect(policy.rewriteRequest).toBeUndefined();
  });
});
