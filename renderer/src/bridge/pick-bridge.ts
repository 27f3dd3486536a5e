import type { Bridge } from './bridge.js';
import { createElectronBridge } from './electron-bridge.js';
import { type ConnectionState, checkTokenAt, createWsBridge, tokenFromHash, wsUrlFor } from './ws-bridge.js';

/** The preload's API when running in Electron, else the page's WebSocket; null with a reason when neither. */
export function pickBridge(onState: (state: ConnectionState) => void): Bridge | { error: string } {
  if (window.veil) {
    onState('open');
    return createElectronBridge(window.veil);
  }
  const token = tokenFromHash(window.location.hash);
  if (!token) {
    return {
      error:
        'This page needs its address with the #token=… part. Run `veil ui-url` in a terminal and open the address it prints.',
    };
  }
  return createWsBridge({
    url: wsUrlFor(window.location, token),
    onState,
    checkToken: () => checkTokenAt(window.location.origin, token),
  });
}
