import { act, cleanup, render } from '@testing-library/react';
import { afterEach } from 'vitest';
import { App } from '../../renderer/src/app.js';
import type { Screen } from '../../renderer/src/components/sidebar.js';
import { connectStore } from '../../renderer/src/store/connect.js';
import { resetStore, useVeil } from '../../renderer/src/store/store.js';
import type { FakeBridge } from './fake-bridge.js';

// jsdom has no layout and no canvas: give scroll areas a size so the virtualized table renders rows,
// and let the graph find no 2D context (it then draws nothing, as in a hidden window).
Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 600 });
Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 900 });
HTMLCanvasElement.prototype.getContext = (() => null) as typeof HTMLCanvasElement.prototype.getContext;

let disconnect: (() => void) | null = null;

afterEach(() => {
  cleanup();
  disconnect?.();
  disconnect = null;
  resetStore();
});

/** Renders the whole app on one screen against a fake Bridge, the way main.tsx wires it. */
export async function renderApp(bridge: FakeBridge, screen: Screen = 'Home') {
  resetStore();
  disconnect = connectStore(bridge);
  useVeil.setState({ connection: 'open' });
  const view = render(<App initial={screen} />);
  // Let the first loads settle.
  await act(async () => {
    await new Promise((r) => setTimeout(r, 0));
  });
  return view;
}
