import { describe, expect, it } from 'vitest';
import { positionOf } from '../../renderer/src/screens/traffic/traffic-table.js';
import { makeRecord } from './fixtures.js';

describe('positionOf (the row kept at the top of the view)', () => {
  // Rows arrive in the order exchanges end: with four connections, ids 1 and 2 can end after 3.
  const rows = [3, 1, 2, 4, 5, 7, 6, 8].map((id) => makeRecord({ id }));

  it('finds each row where it is, even when rows are not in id order', () => {
    // a binary search by id put id 3 at position 3 (72 px off with 24 px rows): the flaky e2e failure
    for (const [i, r] of rows.entries()) expect(positionOf(rows, r.id)).toBe(i);
    for (const [i, r] of rows.entries()) expect(positionOf(rows, r.id, 7 - i)).toBe(i);
  });

  it('says -1 for a row that is gone', () => {
    expect(positionOf(rows, 99, 4)).toBe(-1);
    expect(positionOf([], 1)).toBe(-1);
  });
});
