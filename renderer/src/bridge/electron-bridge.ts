import type { Bridge } from './bridge.js';
import { toBridgeError } from './bridge.js';

declare global {
  interface Window {
    /** Set by Electron's preload; absent in a plain browser. */
    veil?: Bridge;
  }
}

/** The Electron preload's `window.veil`, with errors normalised. */
export function createElectronBridge(api: Bridge): Bridge {
  return {
    invoke: (command, args) => api.invoke(command, args).catch((err: unknown) => Promise.reject(toBridgeError(err))),
    on: (event, listener) => api.on(event, listener),
  };
}
