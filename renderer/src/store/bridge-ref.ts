import type { Bridge } from '../bridge/bridge.js';

let current: Bridge | null = null;

/** Sets the Bridge every action talks through (once at start-up; per test in component tests). */
export function setBridge(bridge: Bridge | null): void {
  current = bridge;
}

/** The Bridge in use; throws if start-up has not picked one. */
export function bridge(): Bridge {
  if (!current) throw new Error('No Bridge: call setBridge() at start-up.');
  return current;
}
