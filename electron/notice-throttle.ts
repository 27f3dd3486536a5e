import type { Notice } from '../proxy-core/src/control/contract.js';

/**
 * Passes a notice on to the desktop at most once per code per window: a burst (a connection
 * limit hit a hundred times) becomes one notification, while the full list stays on Home.
 */
export function throttleNotices(
  show: (notice: Pick<Notice, 'message' | 'action'>) => void,
  windowMs = 60_000,
  now: () => number = Date.now,
): (notice: Pick<Notice, 'code' | 'message' | 'action'>) => void {
  const last = new Map<string, number>();
  return (notice) => {
    const t = now();
    const prev = last.get(notice.code);
    if (prev !== undefined && t - prev < windowMs) return;
    last.set(notice.code, t);
    show(notice);
  };
}
