import { StateBox } from '../../components/state-box.js';
import { loadSettings } from '../../store/settings-actions.js';
import { useVeil } from '../../store/store.js';
import { AppSection } from './app-section.js';
import { AuditSection } from './audit-section.js';
import { CacheSection } from './cache-section.js';
import { DnsSection } from './dns-section.js';
import { InspectionSection } from './inspection-section.js';
import { ProxySection } from './proxy-section.js';
import { ReverseSection } from './reverse-section.js';
import { SystemProxySection } from './system-section.js';
import { TrafficSection } from './traffic-section.js';
import { UpstreamSection } from './upstream-section.js';

/** Every setting, section by section; each section saves on its own. */
export function SettingsScreen() {
  const loaded = useVeil((s) => s.settings !== null);
  const error = useVeil((s) => s.settingsError);
  if (!loaded) {
    return error ? (
      <StateBox kind="error" onRetry={() => void loadSettings()}>
        Could not load the settings: {error}
      </StateBox>
    ) : (
      <StateBox kind="loading">Loading settings…</StateBox>
    );
  }
  return (
    <div className="screen settings">
      <h1>Settings</h1>
      <ProxySection />
      <UpstreamSection />
      <DnsSection />
      <SystemProxySection />
      <InspectionSection />
      <CacheSection />
      <TrafficSection />
      <AuditSection />
      <ReverseSection />
      <AppSection />
    </div>
  );
}
