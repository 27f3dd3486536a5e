import { useState } from 'react';
import type { FieldError, ProfileInfo, SiteRule } from '../../../../proxy-core/src/control/contract.js';
import { errorMessage } from '../../bridge/bridge.js';
import { StateBox } from '../../components/state-box.js';
import { updateSettings, validateSettings } from '../../store/settings-actions.js';
import { useVeil } from '../../store/store.js';

interface Editing {
  /** Index being edited, or -1 for a new rule. */
  index: number;
  pattern: string;
  profile: string;
}

/** Per-site exceptions: a host pattern and the profile it uses instead of the global one. */
export function SiteRules({ profiles }: { profiles: ProfileInfo[] }) {
  const rules = useVeil((s) => s.settings?.privacy.siteRules) ?? [];
  const [editing, setEditing] = useState<Editing | null>(null);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [message, setMessage] = useState<string | null>(null);

  const nameOf = (id: string | null) =>
    id === null ? 'global profile' : (profiles.find((p) => p.id === id)?.name ?? id);

  const commit = async (next: SiteRule[], check: boolean) => {
    setMessage(null);
    try {
      const patch = { privacy: { siteRules: next } };
      const checked = check ? await validateSettings(patch) : { ok: true as const };
      const result = checked.ok ? await updateSettings(patch) : checked;
      if (!result.ok) {
        setErrors(result.errors);
        return false;
      }
      setErrors([]);
      return true;
    } catch (err) {
      setMessage(errorMessage(err));
      return false;
    }
  };

  const saveEdit = async () => {
    if (!editing) return;
    const rule: SiteRule = {
      pattern: editing.pattern.trim(),
      profile: editing.profile || null,
      overrides: editing.index >= 0 ? (rules[editing.index]?.overrides ?? {}) : {},
    };
    const next = editing.index >= 0 ? rules.map((r, i) => (i === editing.index ? rule : r)) : [...rules, rule];
    if (await commit(next, true)) setEditing(null);
  };

  const patternError = errors.find((e) => e.path.endsWith('pattern'))?.message;
  const otherError = errors.find((e) => !e.path.endsWith('pattern'))?.message;

  return (
    <section className="card" aria-labelledby="site-rules-h">
      <h2 id="site-rules-h">Per-site rules</h2>
      {rules.length === 0 && !editing ? (
        <StateBox kind="empty">No site rules: every site uses the profile above.</StateBox>
      ) : (
        <table className="data">
          <thead>
            <tr>
              <th scope="col">Site</th>
              <th scope="col">Uses</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rules.map((r, i) =>
              editing?.index === i ? (
                <EditRow
                  key={r.pattern}
                  editing={editing}
                  setEditing={setEditing}
                  profiles={profiles}
                  error={patternError}
                  onSave={saveEdit}
                />
              ) : (
                <tr key={r.pattern}>
                  <td className="mono">{r.pattern}</td>
                  <td>
                    {nameOf(r.profile)}
                    {Object.keys(r.overrides).length > 0 && ` + ${Object.keys(r.overrides).length} changes`}
                  </td>
                  <td className="actions">
                    <button
                      type="button"
                      aria-label={`Edit ${r.pattern}`}
                      onClick={() => setEditing({ index: i, pattern: r.pattern, profile: r.profile ?? '' })}
                    >
                      Edit
                    </button>
                    <button
                      type="button"
                      aria-label={`Delete ${r.pattern}`}
                      onClick={() =>
                        void commit(
                          rules.filter((_, j) => j !== i),
                          false,
                        )
                      }
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ),
            )}
            {editing?.index === -1 && (
              <EditRow
                editing={editing}
                setEditing={setEditing}
                profiles={profiles}
                error={patternError}
                onSave={saveEdit}
              />
            )}
          </tbody>
        </table>
      )}
      {!editing && (
        <button type="button" onClick={() => setEditing({ index: -1, pattern: '', profile: '' })}>
          Add a site rule
        </button>
      )}
      {(otherError || message) && (
        <p className="field-error" role="alert">
          {otherError ?? message}
        </p>
      )}
    </section>
  );
}

function EditRow({
  editing,
  setEditing,
  profiles,
  error,
  onSave,
}: {
  editing: Editing;
  setEditing: (e: Editing | null) => void;
  profiles: ProfileInfo[];
  error: string | undefined;
  onSave: () => Promise<void>;
}) {
  return (
    <tr className="editing">
      <td>
        <input
          type="text"
          className="mono"
          aria-label="Site pattern"
          placeholder="*.example.com"
          aria-invalid={!!error}
          value={editing.pattern}
          onChange={(e) => setEditing({ ...editing, pattern: e.target.value })}
        />
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
      </td>
      <td>
        <select
          aria-label="Profile for this site"
          value={editing.profile}
          onChange={(e) => setEditing({ ...editing, profile: e.target.value })}
        >
          <option value="">Global profile</option>
          {profiles.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
      </td>
      <td className="actions">
        <button type="button" className="primary" aria-label="Save site rule" onClick={() => void onSave()}>
          Save
        </button>
        <button type="button" onClick={() => setEditing(null)}>
          Cancel
        </button>
      </td>
    </tr>
  );
}
