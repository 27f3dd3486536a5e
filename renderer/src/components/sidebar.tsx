import { setProxyRunning } from '../store/proxy-actions.js';
import { useVeil } from '../store/store.js';
import { Switch } from './switch.js';

export const SCREENS = ['Home', 'Traffic', 'Blocklists', 'Privacy', 'Settings'] as const;
export type Screen = (typeof SCREENS)[number];

/** The narrow navigation column, with the on/off state always at its top. */
export function Sidebar({ screen, onNavigate }: { screen: Screen; onNavigate: (s: Screen) => void }) {
  const running = useVeil((s) => s.status?.running ?? false);
  const known = useVeil((s) => s.status !== null);
  const toggling = useVeil((s) => s.toggling);
  const connection = useVeil((s) => s.connection);
  return (
    <aside className="sidebar">
      <div className={`sidebar-state ${running ? 'is-on' : 'is-off'}`}>
        <span className="brand">Veil</span>
        <Switch
          checked={running}
          label="Veil on"
          disabled={!known || toggling}
          onChange={(on) => void setProxyRunning(on)}
        />
        <span className="sidebar-state-text" aria-live="polite">
          {!known ? '…' : running ? 'On' : 'Off'}
        </span>
      </div>
      <nav aria-label="Screens">
        <ul>
          {SCREENS.map((name) => (
            <li key={name}>
              <button
                type="button"
                className="nav-item"
                aria-current={screen === name ? 'page' : undefined}
                onClick={() => onNavigate(name)}
              >
                {name}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      {connection !== 'open' && (
        <p className="sidebar-connection" role="status">
          {connection === 'connecting' ? 'Connecting to Veil…' : 'Connection lost. Retrying…'}
        </p>
      )}
    </aside>
  );
}
