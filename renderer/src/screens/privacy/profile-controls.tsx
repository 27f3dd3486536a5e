import { useEffect, useRef, useState } from 'react';
import type { FieldError, PrivacyProfile, ProfileInfo } from '../../../../proxy-core/src/control/contract.js';
import { errorMessage, toBridgeError } from '../../bridge/bridge.js';
import { Field } from '../../components/field.js';
import { cookieLabels, refererLabels, userAgentLabels } from '../../lib/profile-summary.js';
import { linesOf, VALIDATE_DELAY_MS } from '../../lib/use-section-form.js';
import { deleteProfile, saveProfile, setProfile } from '../../store/privacy-actions.js';
import { validateSettings } from '../../store/settings-actions.js';
import { useVeil } from '../../store/store.js';
import { ListInput } from '../settings/section-card.js';

function strip(p: ProfileInfo): PrivacyProfile {
  const { builtIn: _b, ...profile } = p;
  return profile;
}

/** The profile a draft is saved as: a built-in's edits become the user's own copy. */
function asSaved(active: ProfileInfo, draft: PrivacyProfile): PrivacyProfile {
  return active.builtIn ? { ...draft, id: `${active.id}-mine`, name: `${active.name} (mine)` } : draft;
}

/** A profile setting chosen from labelled values (User-Agent, Referer, cookies). */
function ChoiceField<V extends string>(props: {
  label: string;
  error: string | undefined;
  value: V;
  labels: Record<V, string>;
  onChange: (value: V) => void;
}) {
  return (
    <Field label={props.label} error={props.error}>
      {({ id }) => (
        <select id={id} value={props.value} onChange={(e) => props.onChange(e.target.value as V)}>
          {(Object.entries(props.labels) as Array<[V, string]>).map(([k, label]) => (
            <option key={k} value={k}>
              {label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** The active profile's switches. A built-in profile is never changed: edits become your own copy. */
export function ProfileControls({ profiles }: { profiles: ProfileInfo[] }) {
  const activeId = useVeil((s) => s.settings?.privacy.profile);
  const active = profiles.find((p) => p.id === activeId);
  const [draft, setDraft] = useState<PrivacyProfile | null>(active ? strip(active) : null);
  const [dirty, setDirty] = useState(false);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [message, setMessage] = useState<string | null>(null);

  const customProfiles = useVeil((s) => s.settings?.privacy.customProfiles);
  const checkSeq = useRef(0);

  useEffect(() => {
    if (!dirty) setDraft(active ? strip(active) : null);
  }, [active, dirty]);

  // checked as it is typed, by the service's own rules: the draft as the custom profile it would be saved as
  useEffect(() => {
    if (!dirty || !draft || !active) return;
    const candidate = asSaved(active, draft);
    const others = (customProfiles ?? []).filter((c) => c.id !== candidate.id);
    const seq = ++checkSeq.current;
    const timer = setTimeout(async () => {
      try {
        const result = await validateSettings({ privacy: { customProfiles: [...others, candidate] } });
        if (seq === checkSeq.current) setErrors(result.ok ? [] : result.errors);
      } catch {
        // the check could not run (bridge down): Save still answers with the service's verdict
      }
    }, VALIDATE_DELAY_MS);
    return () => clearTimeout(timer);
  }, [draft, dirty, active, customProfiles]);

  if (!active || !draft) return null;
  const set = <K extends keyof PrivacyProfile>(key: K, value: PrivacyProfile[K]) => {
    setDraft({ ...draft, [key]: value });
    setDirty(true);
    setMessage(null);
  };
  const errorFor = (key: string) =>
    errors.find((e) => e.path === key || e.path.endsWith(`.${key}`) || e.path.includes(`.${key}.`))?.message;

  const save = async () => {
    const profile = asSaved(active, draft);
    checkSeq.current++;
    try {
      const result = await saveProfile(profile);
      if (!result.ok) {
        setErrors(result.errors);
        return;
      }
      if (profile.id !== activeId) await setProfile(profile.id);
      setErrors([]);
      setDirty(false);
      setMessage(active.builtIn ? `Saved as your own profile “${profile.name}” and switched to it.` : 'Saved.');
    } catch (err) {
      const e = toBridgeError(err);
      setErrors(e.errors);
      // field errors are shown at their fields; the line here says only that nothing changed
      setMessage(e.errors.length ? null : `Could not save: ${errorMessage(e)}`);
    }
  };

  return (
    <section className="card" aria-labelledby="profile-controls-h">
      <h2 id="profile-controls-h">What “{active.name}” does</h2>
      {active.description && <p className="quiet">{active.description}</p>}
      {active.builtIn && <p className="quiet">Built-in profiles stay as they are; saving your changes makes a copy.</p>}
      <label className="check">
        <input
          type="checkbox"
          checked={draft.removeForwardingHeaders}
          onChange={(e) => set('removeForwardingHeaders', e.target.checked)}
        />
        Hide your address (X-Forwarded-For, Forwarded, Via, X-Real-IP)
      </label>
      <ChoiceField
        label="Browser identity (User-Agent)"
        error={errorFor('userAgent')}
        value={draft.userAgent}
        labels={userAgentLabels}
        onChange={(v) => set('userAgent', v)}
      />
      <label className="check">
        <input
          type="checkbox"
          checked={draft.removeClientHints}
          onChange={(e) => set('removeClientHints', e.target.checked)}
        />
        Hide detailed device hints (Sec-CH-UA)
      </label>
      <ChoiceField
        label="Where you came from (Referer)"
        error={errorFor('referer')}
        value={draft.referer}
        labels={refererLabels}
        onChange={(v) => set('referer', v)}
      />
      <ChoiceField
        label="Cookies"
        error={errorFor('cookies')}
        value={draft.cookies}
        labels={cookieLabels}
        onChange={(v) => set('cookies', v)}
      />
      <label className="check">
        <input type="checkbox" checked={draft.sendGpc} onChange={(e) => set('sendGpc', e.target.checked)} />
        Ask sites not to sell or share your data (Global Privacy Control)
      </label>
      <label className="check">
        <input
          type="checkbox"
          checked={draft.removeThirdPartyEtag}
          onChange={(e) => set('removeThirdPartyEtag', e.target.checked)}
        />
        Stop other sites recognising you by cached files (third-party ETag)
      </label>
      <Field
        label="Language you tell sites (Accept-Language)"
        error={errorFor('acceptLanguage')}
        hint="Empty keeps your browser's."
      >
        {({ id, describedBy, invalid }) => (
          <input
            id={id}
            type="text"
            placeholder="en-US,en;q=0.9"
            aria-describedby={describedBy}
            aria-invalid={invalid}
            value={draft.acceptLanguage ?? ''}
            onChange={(e) => set('acceptLanguage', e.target.value.trim() === '' ? null : e.target.value)}
          />
        )}
      </Field>
      <Field label="Also remove these headers (one per line)" error={errorFor('removeHeaders')}>
        {({ id, describedBy, invalid }) => (
          <ListInput
            id={id}
            value={draft.removeHeaders}
            describedBy={describedBy}
            invalid={invalid}
            placeholder="DNT"
            onChange={(t) => set('removeHeaders', linesOf(t))}
          />
        )}
      </Field>
      <div className="section-actions">
        <button type="button" className="primary" disabled={!dirty || errors.length > 0} onClick={() => void save()}>
          {active.builtIn ? 'Save as my profile' : 'Save'}
        </button>
        <button
          type="button"
          disabled={!dirty}
          onClick={() => {
            setDirty(false);
            setErrors([]);
          }}
        >
          Discard
        </button>
        {!active.builtIn && (
          <button
            type="button"
            onClick={async () => {
              try {
                await setProfile('standard');
                await deleteProfile(active.id);
              } catch (err) {
                setMessage(errorMessage(err));
              }
            }}
          >
            Delete this profile
          </button>
        )}
        {message && <span role="status">{message}</span>}
        {errors.length > 0 &&
          (errors.some((e) => errorFor(e.path.split('.').at(-1) ?? '')) ? (
            <p className="field-error" role="alert">
              Nothing was saved: fix the fields marked above.
            </p>
          ) : (
            <p className="field-error" role="alert">
              {errors.map((e) => e.message).join('; ')}
            </p>
          ))}
      </div>
    </section>
  );
}
