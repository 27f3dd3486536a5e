import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { ExchangeRecord } from '../../../../proxy-core/src/control/contract.js';
import { formatBytes, formatClock, formatDuration, pathOf } from '../../lib/format.js';
import { statusClassOf } from '../../lib/traffic-filter.js';
import { selectExchange } from '../../store/traffic-actions.js';

/** Fixed row height: the virtualizer needs no measuring, and rows never jump. */
export const ROW_HEIGHT = 24;
/** How close to the bottom still counts as "following the newest". */
const STICK_SLACK = ROW_HEIGHT * 1.5;

/**
 * The position of the row with this id, or -1. Rows are in the order exchanges *ended*, which is not id order
 * (a slow exchange started first lands below faster ones), so a binary search by id lands a few rows off.
 * `near` is where to look first: the row is usually where it was.
 */
export function positionOf(rows: readonly ExchangeRecord[], id: number, near = 0): number {
  if (rows[near]?.id === id) return near;
  for (let d = 1; d < rows.length; d++) {
    if (rows[near + d]?.id === id) return near + d;
    if (rows[near - d]?.id === id) return near - d;
    if (near + d >= rows.length && near - d < 0) break;
  }
  return -1;
}

/** The virtualized exchange table: newest at the bottom, following it until the user scrolls up. */
export function TrafficTable({ rows, selectedId }: { rows: ExchangeRecord[]; selectedId: number | null }) {
  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const [following, setFollowing] = useState(true);
  // The rows the view showed before this render: the row at the top of the view is found among them
  // and kept in place when rows drop off or filters change (read at render time, not from the last
  // scroll event, which may not have fired yet).
  const shownRows = useRef(rows);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 15,
    getItemKey: (i) => rows[i]!.id,
    // jsdom and the first paint have no layout yet: render a screenful anyway.
    initialRect: { width: 900, height: 600 },
    // The sticky header row sits above the rows inside the same scroll area.
    scrollMargin: ROW_HEIGHT,
  });

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (stick.current) {
      // Past the end on purpose: the browser clamps it, and reading scrollHeight would force a layout.
      el.scrollTop = (rows.length + 2) * ROW_HEIGHT;
    } else {
      const i = Math.floor(el.scrollTop / ROW_HEIGHT);
      const top = shownRows.current[i];
      const at = top ? positionOf(rows, top.id, i) : -1;
      if (at >= 0) el.scrollTop = at * ROW_HEIGHT + (el.scrollTop - i * ROW_HEIGHT);
    }
    shownRows.current = rows;
  }, [rows]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight <= STICK_SLACK;
    stick.current = atBottom;
    if (atBottom !== following) setFollowing(atBottom);
  };

  const jumpToNewest = () => {
    stick.current = true;
    setFollowing(true);
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
  };

  const onKeyDown = (e: globalThis.KeyboardEvent) => {
    if (!rows.length) return;
    const current = selectedId === null ? -1 : positionOf(rows, selectedId);
    let next: number | null = null;
    if (e.key === 'ArrowDown') next = Math.min(rows.length - 1, current + 1);
    else if (e.key === 'ArrowUp') next = Math.max(0, current < 0 ? rows.length - 1 : current - 1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = rows.length - 1;
    if (next === null) return;
    e.preventDefault();
    selectExchange(rows[next]!.id);
    virtualizer.scrollToIndex(next, { align: 'auto' });
  };

  // Arrow keys on the focused scroll area move the selection (rows themselves are virtual, not focusable).
  const keyHandler = useRef(onKeyDown);
  keyHandler.current = onKeyDown;
  useEffect(() => {
    const el = scroller.current;
    const listener = (e: globalThis.KeyboardEvent) => keyHandler.current(e);
    el?.addEventListener('keydown', listener);
    return () => el?.removeEventListener('keydown', listener);
  }, []);

  return (
    <div className="traffic-table">
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: the scroll area is the table's keyboard handle (arrows move the selection) */}
      <div className="tscroll" ref={scroller} onScroll={onScroll} tabIndex={0}>
        <table aria-label="Exchanges" aria-rowcount={rows.length + 1}>
          <thead>
            <tr className="tr th">
              {['Time', 'Method', 'Host', 'Path', 'Status', 'Size', 'Duration', 'Cache', 'Blocked'].map((h) => (
                <th key={h} scope="col">
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody style={{ height: virtualizer.getTotalSize() }}>
            {virtualizer.getVirtualItems().map((item) => {
              const r = rows[item.index]!;
              return (
                <Row
                  key={item.key}
                  record={r}
                  index={item.index}
                  top={item.start - ROW_HEIGHT}
                  selected={r.id === selectedId}
                />
              );
            })}
          </tbody>
        </table>
      </div>
      {!following && (
        <button type="button" className="jump-newest" onClick={jumpToNewest}>
          ↓ Newest
        </button>
      )}
    </div>
  );
}

const Row = memo(function Row({
  record: r,
  index,
  top,
  selected,
}: {
  record: ExchangeRecord;
  index: number;
  top: number;
  selected: boolean;
}) {
  const cls = statusClassOf(r);
  const tone = r.blocked
    ? 'row-blocked'
    : cls === 'error' || cls === '5xx'
      ? 'row-error'
      : r.cache === 'hit'
        ? 'row-cached'
        : '';
  return (
    <tr
      aria-rowindex={index + 2}
      aria-selected={selected}
      data-id={r.id}
      className={`tr ${tone}${selected ? ' selected' : ''}`}
      style={{ transform: `translateY(${top}px)` }}
      onClick={() => selectExchange(selected ? null : r.id)}
    >
      <td className="num">{formatClock(r.startedAt)}</td>
      <td className="mono">{r.method}</td>
      <td className="mono" title={r.host}>
        {r.host}
      </td>
      <td className="mono" title={r.url}>
        {r.kind === 'connect' ? '(tunnel)' : pathOf(r.url)}
        {r.via === 'transparent' && <span className="tag"> transparent</span>}
      </td>
      <td className="num">{r.status || r.error || (r.state === 'open' ? 'open' : '—')}</td>
      <td className="num">{formatBytes(r.bytesDown)}</td>
      <td className="num" title={r.state === 'open' ? 'Still open: updated when it ends' : undefined}>
        {r.state === 'open' ? `${formatDuration(r.timings.total)}…` : formatDuration(r.timings.total)}
      </td>
      <td>{r.cache ?? ''}</td>
      <td className="mono" title={r.blocked ? `${r.blocked.list}: ${r.blocked.rule}` : undefined}>
        {r.blocked ? r.blocked.rule : ''}
      </td>
    </tr>
  );
});
