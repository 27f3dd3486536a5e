import { useState } from 'react';
import type { FieldError, ProfileInfo, SiteRule } from '../../../../proxy-core/src/control/contract.js';
import { errorMessage } from '../../bridge/bridge.js';
import { StateBox } from '../../components/state-box.js';
import { cookieLabels, refererLabels, userAgentLabels } from '../../lib/profile-summary.js';
import { updateSettings, validateSettings } from '../../store/settings-actions.js';
import { useVeil } from '../../store/store.js';

type Overrides = SiteRule['overrides'];

interface Editing {
  /** Index being edited, or -1 for a new rule. */
  index: number;
  pattern: string;
  profile: string;
  /** Only the settings this site changes; an absent one follows the profile. */
  overrides: Overrides;
}

/** The on/off settings a site may change, with what each does when on. */
const SWITCHES: Array<[keyof Overrides, string]> = [
  ['removeForwardingHeaders', 'Hide your address (forwarding headers)'],
  ['removeClientHints', 'Hide detailed device hints (Sec-CH-UA)'],
  ['sendGpc', 'Send Global Privacy Control'],
  ['removeThirdPartyEtag', 'Stop third-party ETag tracking'],
];

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
      overrides: editing.overrides,
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
                      onClick={() =>
                        setEditing({ index: i, pattern: r.pattern, profile: r.profile ?? '', overrides: r.overrides })
                      }
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
        <button type="button" onClick={() => setEditing({ index: -1, pattern: '', profile: '', overrides: {} })}>
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
    <>
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
      <tr className="editing">
        <td colSpan={3}>
          <OverrideFields
            overrides={editing.overrides}
            onChange={(overrides) => setEditing({ ...editing, overrides })}
          />
        </td>
      </tr>
    </>
  );
}

/** What this site does differently from its profile; “As the profile” leaves a setting alone. */
function OverrideFields({ overrides, onChange }: { overrides: Overrides; onChange: (o: Overrides) => void }) {
  const set = <K extends keyof Overrides>(key: K, value: Overrides[K] | undefined) => {
    const next = { ...overrides };
    if (value === undefined) delete next[key];
    else next[key] = value;
    onChange(next);
  };
  return (
    <fieldset className="site-overrides">
      <legend>On this site only</legend>
      <OverrideChoice
        label="User-Agent on this site"
        value={overrides.userAgent}
        labels={userAgentLabels}
        onChange={(v) => set('userAgent', v)}
      />
      <OverrideChoice
        label="Referer on this site"
        value={overrides.referer}
        labels={refererLabels}
        onChange={(v) => set('referer', v)}
      />
      <OverrideChoice
        label="Cookies on this site"
        value={overrides.cookies}
        labels={cookieLabels}
        onChange={(v) => set('cookies', v)}
      />
      {SWITCHES.map(([key, label]) => (
        <OverrideChoice
          key={key}
          label={label}
          value={overrides[key] === undefined ? undefined : overrides[key] ? 'on' : 'off'}
          labels={{ on: 'On', off: 'Off' }}
          onChange={(v) => set(key, v === undefined ? undefined : v === 'on')}
        />
      ))}
    </fieldset>
  );
}

function OverrideChoice<V extends string>(props: {
  label: string;
  value: V | undefined;
  labels: Record<V, string>;
  onChange: (value: V | undefined) => void;
}) {
  return (
    <label className="override">
      <span>{props.label}</span>
      <select
        aria-label={props.label}
        value={props.value ?? ''}
        onChange={(e) => props.onChange(e.target.value === '' ? undefined : (e.target.value as V))}
      >
        <option value="">As the profile</option>
        {(Object.entries(props.labels) as Array<[V, string]>).map(([k, label]) => (
          <option key={k} value={k}>
            {label}
          </option>
        ))}
      </select>
    </label>
  );
}
