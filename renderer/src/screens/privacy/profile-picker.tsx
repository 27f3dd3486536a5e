import { useState } from 'react';
import type { ProfileInfo } from '../../../../proxy-core/src/control/contract.js';
import { errorMessage } from '../../bridge/bridge.js';
import { summarizeProfile } from '../../lib/profile-summary.js';
import { setProfile } from '../../store/privacy-actions.js';
import { useVeil } from '../../store/store.js';

/** The profiles side by side, each explained in plain words; choosing one applies it at once. */
export function ProfilePicker({ profiles }: { profiles: ProfileInfo[] }) {
  const active = useVeil((s) => s.settings?.privacy.profile);
  const [error, setError] = useState<string | null>(null);
  const choose = async (id: string) => {
    setError(null);
    try {
      const result = await setProfile(id);
      if (!result.ok) setError(result.errors.map((e) => e.message).join('; '));
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <fieldset className="profile-picker">
      <legend>Profile</legend>
      <div className="profile-cards">
        {profiles.map((p) => (
          <label key={p.id} className={`profile-card${p.id === active ? ' active' : ''}`}>
            <input
              type="radio"
              name="profile"
              value={p.id}
              checked={p.id === active}
              onChange={() => void choose(p.id)}
            />
            <span className="profile-name">
              {p.name}
              {!p.builtIn && <span className="tag">yours</span>}
            </span>
            <ul className="profile-summary">
              {summarizeProfile(p).map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          </label>
        ))}
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </fieldset>
  );
}
