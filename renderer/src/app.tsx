import { useState } from 'react';
import { type Screen, Sidebar } from './components/sidebar.js';
import { StateBox } from './components/state-box.js';
import { BlocklistsScreen } from './screens/blocklists/blocklists-screen.js';
import { HomeScreen } from './screens/home/home-screen.js';
import { PrivacyScreen } from './screens/privacy/privacy-screen.js';
import { SettingsScreen } from './screens/settings/settings-screen.js';
import { TrafficScreen } from './screens/traffic/traffic-screen.js';
import { useVeil } from './store/store.js';

const screens: Record<Screen, () => React.JSX.Element> = {
  Home: HomeScreen,
  Traffic: TrafficScreen,
  Blocklists: BlocklistsScreen,
  Privacy: PrivacyScreen,
  Settings: SettingsScreen,
};

/** The window: sidebar on the left, the chosen screen on the right. */
export function App({ initial = 'Home' }: { initial?: Screen }) {
  const [screen, setScreen] = useState<Screen>(initial);
  const fatal = useVeil((s) => s.fatal);
  const refused = useVeil((s) => s.connection === 'refused');
  if (refused) {
    return (
      <main className="fatal">
        <StateBox kind="error">
          <strong>This link no longer opens Veil.</strong> Its token is not the current one: it is an old link or
          bookmark, or the token was rotated. Run <code>veil ui-url</code> in a terminal and open the address it prints.
        </StateBox>
      </main>
    );
  }
  if (fatal) {
    return (
      <main className="fatal">
        <StateBox kind="error">{fatal}</StateBox>
      </main>
    );
  }
  const Current = screens[screen];
  return (
    <div className="app">
      <Sidebar screen={screen} onNavigate={setScreen} />
      <main className="content" aria-label={screen}>
        <Current />
      </main>
    </div>
  );
}
