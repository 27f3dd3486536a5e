import type { Bridge } from '../bridge/bridge.js';
import { receiveBlocklistProgress } from './blocklist-actions.js';
import { setBridge } from './bridge-ref.js';
import { loadProfiles } from './privacy-actions.js';
import { loadStatus, receiveStatus } from './proxy-actions.js';
import { loadSettings, receiveSettings } from './settings-actions.js';
import { useVeil } from './store.js';
import { loadTraffic, receiveTraffic } from './traffic-actions.js';

/** How often Home's counters refresh while the window is visible. */
const POLL_MS = 1000;

/** Wires a Bridge to the store: events to actions, first loads, and a status poll while visible. */
export function connectStore(b: Bridge): () => void {
  setBridge(b);
  const offs = [
    b.on('status', receiveStatus),
    b.on('settings', receiveSettings),
    b.on('traffic', receiveTraffic),
    b.on('blocklist.progress', receiveBlocklistProgress),
    b.on('notice', (notice) =>
      useVeil.setState((s) =>
        s.status && !s.status.notices.some((n) => n.id === notice.id)
          ? { status: { ...s.status, notices: [...s.status.notices, notice] } }
          : {},
      ),
    ),
  ];
  void loadStatus();
  void loadSettings();
  void loadTraffic();
  void loadProfiles();
  // Counters change with every request but are only pushed on settings changes: poll, but never when hidden.
  const timer = setInterval(() => {
    if (!document.hidden) void loadStatus();
  }, POLL_MS);
  return () => {
    clearInterval(timer);
    for (const off of offs) off();
  };
}
