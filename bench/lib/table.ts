import type { Table } from './scenario.js';

/** Renders a table with aligned columns (numbers right-aligned). */
export function renderTable(table: Table): string {
  const widths = table.columns.map((c, i) => Math.max(c.length, ...table.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (i === 0 || !/^[\d.x( )-]/.test(cell) ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [
    `== ${table.title}`,
    line(table.columns),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...table.rows.map(line),
  ].join('\n');
}

/** A figure with its ratio to the direct one: `12.3k (0.45x)`. */
export function withRatio(value: number | null, direct: number | null, format: (v: number) => string): string {
  if (value === null || Number.isNaN(value)) return '-';
  if (direct === null || !direct) return format(value);
  return `${format(value)} (${(value / direct).toFixed(2)}x)`;
}

export const fmtRps = (v: number): string => (v >= 1000 ? `${(v / 1000).toFixed(1)}k` : v.toFixed(0));
export const fmtMs = (v: number): string => (v >= 100 ? v.toFixed(0) : v.toFixed(2));
export const fmtMBps = (v: number): string => v.toFixed(0);
