import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { pickBridge } from './bridge/pick-bridge.js';
import type { ConnectionState } from './bridge/ws-bridge.js';
import { connectStore } from './store/connect.js';
import { loadStatus } from './store/proxy-actions.js';
import { loadSettings } from './store/settings-actions.js';
import { useVeil } from './store/store.js';
import { loadTraffic } from './store/traffic-actions.js';
import './styles.css';

let wasOpen = false;
function onConnection(state: ConnectionState): void {
  useVeil.setState({ connection: state });
  // After a reconnect the service may have restarted: reload what the screens show.
  if (state === 'open' && wasOpen) {
    // a restarted Veil numbers its exchanges from 1 again: rows (and the open receipt) from before would
    // share ids with new ones, so the table starts over from the service's own record
    useVeil.setState({ records: [], selectedId: null, missed: 0 });
    void loadStatus();
    void loadSettings();
    void loadTraffic();
  }
  if (state === 'open') wasOpen = true;
}

const picked = pickBridge(onConnection);
if ('error' in picked) useVeil.setState({ fatal: picked.error });
else connectStore(picked);

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
