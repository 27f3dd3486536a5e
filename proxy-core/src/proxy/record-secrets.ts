import { createHash } from 'node:crypto';
import type { ReceiptEntry } from './exchange-record.js';

/**
 * What a record must not keep: the values Veil removed (the user asked for them to go, so a record or a
 * log holding them would defeat the point) and Veil's own proxy credentials (never, whatever the settings).
 */

/** The value recorded in place of a client's `Proxy-Authorization`: Veil's credentials never reach a record. */
export const CREDENTIALS_PLACEHOLDER = '[Veil proxy credentials: not recorded]';

/** The first 8 hex digits of the value's SHA-256: enough to tell two values apart, not to read one. */
export function shortHash(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 8);
}

/** What a record shows where a removed or replaced value was. */
export function removedPlaceholder(value: string): string {
  return `[not kept: ${Buffer.byteLength(value)} bytes, sha256 ${shortHash(value)}]`;
}

/** The receipt as recorded: each old value becomes its length and short hash unless `keepValues`. */
export function recordedReceipt(receipt: readonly ReceiptEntry[], keepValues: boolean): ReceiptEntry[] {
  return receipt.map((e) => {
    if (e.oldValue === undefined) return { ...e };
    const { oldValue, ...rest } = e;
    const out: ReceiptEntry = { ...rest, oldLength: Buffer.byteLength(oldValue), oldHash: shortHash(oldValue) };
    if (keepValues) out.oldValue = oldValue;
    return out;
  });
}

/**
 * Header pairs as recorded: `Proxy-Authorization` values always replaced; the values the receipt names as
 * removed or replaced (in `direction`) replaced by their placeholder unless `keepValues`.
 */
export function recordedHeaders(
  pairs: Array<[string, string]>,
  receipt: readonly ReceiptEntry[],
  direction: ReceiptEntry['direction'],
  keepValues: boolean,
): Array<[string, string]> {
  const changed = keepValues ? [] : receipt.filter((e) => e.direction === direction && e.oldValue !== undefined);
  for (const pair of pairs) {
    const lower = pair[0].toLowerCase();
    if (direction === 'request' && lower === 'proxy-authorization') {
      pair[1] = CREDENTIALS_PLACEHOLDER;
      continue;
    }
    const i = changed.findIndex((e) => e.header.toLowerCase() === lower && e.oldValue === pair[1]);
    if (i < 0) continue;
    changed.splice(i, 1);
    pair[1] = removedPlaceholder(pair[1]);
  }
  return pairs;
}
