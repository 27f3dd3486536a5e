import { Field } from '../../components/field.js';
import { linesOf, useSectionForm } from '../../lib/use-section-form.js';
import { ListInput, SectionCard } from './section-card.js';

/** How Veil points the operating system at itself, and what happens if Veil stops. */
export function SystemProxySection() {
  const form = useSectionForm('systemProxy');
  return (
    <SectionCard title="System proxy" form={form}>
      <label className="check">
        <input
          type="checkbox"
          checked={form.value('enabled')}
          onChange={(e) => form.set('enabled', e.target.checked)}
        />
        Point this computer at Veil while it runs
      </label>
      <fieldset>
        <legend>Mode</legend>
        <label className="check">
          <input
            type="radio"
            name="sp-mode"
            checked={form.value('mode') === 'pac'}
            onChange={() => form.set('mode', 'pac')}
          />
          Automatic configuration (PAC) — recommended
        </label>
        <label className="check">
          <input
            type="radio"
            name="sp-mode"
            checked={form.value('mode') === 'manual'}
            onChange={() => form.set('mode', 'manual')}
          />
          Manual proxy settings
        </label>
      </fieldset>
      <fieldset>
        <legend>If Veil stops unexpectedly</legend>
        <label className="check">
          <input
            type="radio"
            name="sp-fail"
            checked={form.value('failClosed')}
            onChange={() => form.set('failClosed', true)}
          />
          Fail closed: nothing goes out until Veil is back
        </label>
        <label className="check">
          <input
            type="radio"
            name="sp-fail"
            checked={!form.value('failClosed')}
            onChange={() => form.set('failClosed', false)}
          />
          Fail open: go direct, without protection
        </label>
      </fieldset>
      <Field
        label="Bypass Veil for (one host per line)"
        error={form.error('bypass')}
        hint="Local addresses and private networks always bypass."
      >
        {({ id, describedBy, invalid }) => (
          <ListInput
            id={id}
            value={form.value('bypass') ?? []}
            describedBy={describedBy}
            invalid={invalid}
            placeholder="intranet.example.com"
            onChange={(t) => form.set('bypass', linesOf(t))}
          />
        )}
      </Field>
      <label className="check">
        <input type="checkbox" checked={form.value('guard')} onChange={(e) => form.set('guard', e.target.checked)} />
        Warn me when another program changes the system proxy
      </label>
    </SectionCard>
  );
}
