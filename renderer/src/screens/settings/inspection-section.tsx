import { useCallback, useEffect, useState } from 'react';
import type { InspectionState } from '../../../../proxy-core/src/control/contract.js';
import { errorMessage } from '../../bridge/bridge.js';
import { Field } from '../../components/field.js';
import { linesOf, useSectionForm } from '../../lib/use-section-form.js';
import { bridge } from '../../store/bridge-ref.js';
import { ListInput, SectionCard } from './section-card.js';

/** HTTPS inspection: the switch with what it means, the sites left alone, and the apps that refused. */
export function InspectionSection() {
  const form = useSectionForm('inspection');
  const [state, setState] = useState<InspectionState | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const enabledSaved = form.value('enabled');

  const load = useCallback(async () => {
    try {
      setState(await bridge().invoke('inspection.state'));
    } catch (err) {
      setNote(`Inspection state unavailable: ${errorMessage(err)}`);
    }
  }, []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the state is read again when the saved switch changes
  useEffect(() => {
    void load();
  }, [load, enabledSaved]);

  const forget = async (host: string) => {
    try {
      setState(await bridge().invoke('inspection.forget', { host }));
    } catch (err) {
      setNote(`Could not reset ${host}: ${errorMessage(err)}`);
    }
  };

  return (
    <SectionCard title="HTTPS inspection" form={form}>
      <p className="quiet">
        Without inspection, Veil sees only the name of each HTTPS site: the cookies, browser fingerprint and referrer
        inside the encrypted connection reach the site untouched. With inspection, Veil opens the connection on this
        computer with a certificate authority made for this install only, applies your privacy rules and blocklists
        inside, and checks every site's own certificate before it does. Your browser must trust Veil's authority first:
        run <code>veil ca install</code> (or import <code>veil ca cert</code>). Anyone holding that authority's key
        could read your HTTPS traffic; it never leaves this computer.
      </p>
      <label className="check">
        <input
          type="checkbox"
          checked={form.value('enabled')}
          onChange={(e) => form.set('enabled', e.target.checked)}
        />
        Inspect HTTPS so privacy rules and blocklists work inside it
      </label>
      {state && (
        <p className="quiet num">
          {state.active ? 'Inspection is running.' : 'Inspection is off.'}{' '}
          {state.caFingerprint
            ? `Veil's authority: SHA-256 ${state.caFingerprint.slice(0, 23)}…, valid until ${new Date(state.caExpires ?? 0).toLocaleDateString()}.`
            : 'Veil’s authority is created when inspection first runs.'}
          {state.renewSoon && ' It expires soon: run veil ca regenerate, then veil ca install.'}
        </p>
      )}
      {state && !state.active && !enabledSaved && state.caFingerprint && (
        <p className="quiet">
          Inspection is off, but your browsers may still trust Veil's authority. To undo that, run{' '}
          <code>veil ca remove</code> (add <code>--scope system</code> if you installed it for the whole machine), then
          delete the <code>ca</code> folder next to Veil's settings file to remove the key.
        </p>
      )}
      <fieldset>
        <legend>When a site's own certificate fails</legend>
        <label className="check">
          <input
            type="radio"
            name="insp-cert"
            checked={form.value('onOriginCertError') === 'pass-through'}
            onChange={() => form.set('onOriginCertError', 'pass-through')}
          />
          Step aside: the browser sees the site's certificate and shows its own warning (recommended)
        </label>
        <label className="check">
          <input
            type="radio"
            name="insp-cert"
            checked={form.value('onOriginCertError') === 'error-page'}
            onChange={() => form.set('onOriginCertError', 'error-page')}
          />
          Show Veil's page naming the problem
        </label>
      </fieldset>
      <Field
        label="Never inspect these sites (one per line)"
        error={form.error('exclude')}
        hint="Starts with apps that pin their certificates, system updates, password managers, sign-in pages and banks. *.example.com includes its subdomains."
      >
        {({ id, describedBy, invalid }) => (
          <ListInput
            id={id}
            value={form.value('exclude') ?? []}
            describedBy={describedBy}
            invalid={invalid}
            rows={6}
            placeholder="bank.example"
            onChange={(t) => form.set('exclude', linesOf(t))}
          />
        )}
      </Field>
      <Field
        label="More certificate authorities to trust for sites (PEM files, one path per line)"
        error={form.error('extraCa')}
        hint="For sites signed by your company's or your lab's own authority."
      >
        {({ id, describedBy, invalid }) => (
          <ListInput
            id={id}
            value={form.value('extraCa') ?? []}
            describedBy={describedBy}
            invalid={invalid}
            rows={2}
            placeholder="/etc/ssl/company-ca.pem"
            onChange={(t) => form.set('extraCa', linesOf(t))}
          />
        )}
      </Field>
      {state && state.refused.length > 0 && (
        <div>
          <h3>Sites Veil stopped inspecting</h3>
          <ul className="plain">
            {state.refused.map((r) => (
              <li key={r.host}>
                Veil stopped inspecting <code>{r.host}</code> because the app refused its certificate ({r.failures}{' '}
                times).{' '}
                <button type="button" onClick={() => void forget(r.host)}>
                  Inspect again
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
      {note && <p className="quiet">{note}</p>}
    </SectionCard>
  );
}
