import { useEffect } from 'react';
import { StateBox } from '../../components/state-box.js';
import { loadProfiles } from '../../store/privacy-actions.js';
import { useVeil } from '../../store/store.js';
import { CookieAllowList } from './cookie-allow-list.js';
import { ProfileControls } from './profile-controls.js';
import { ProfilePicker } from './profile-picker.js';
import { SiteRules } from './site-rules.js';

/** What Veil hides, in plain words: the profile, its switches, per-site exceptions, trusted cookies. */
export function PrivacyScreen() {
  const profiles = useVeil((s) => s.profiles);
  const error = useVeil((s) => s.profilesError);
  const settingsLoaded = useVeil((s) => s.settings !== null);
  useEffect(() => {
    void loadProfiles();
  }, []);

  if (profiles === null || !settingsLoaded) {
    return error ? (
      <StateBox kind="error" onRetry={() => void loadProfiles()}>
        Could not load the privacy profiles: {error}
      </StateBox>
    ) : (
      <StateBox kind="loading">Loading privacy profiles…</StateBox>
    );
  }
  return (
    <div className="screen privacy">
      <h1>Privacy</h1>
      <p className="https-note">
        For HTTPS sites Veil passes an encrypted tunnel it cannot open: it sees the site's name and can block it, but it
        cannot remove cookies, the User-Agent or other headers inside. Those are cleaned on plain HTTP, and your IP
        address is hidden either way when you use an upstream such as Tor.
      </p>
      {profiles.length === 0 ? (
        <StateBox kind="empty">No profiles are available.</StateBox>
      ) : (
        <>
          <ProfilePicker profiles={profiles} />
          <ProfileControls profiles={profiles} />
        </>
      )}
      <SiteRules profiles={profiles} />
      <CookieAllowList />
    </div>
  );
}
