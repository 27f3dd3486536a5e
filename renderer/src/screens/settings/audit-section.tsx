import { useEffect, useState } from 'react';
import type { AuditStatus } from '../../../../proxy-core/src/control/contract.js';
import { Field } from '../../components/field.js';
import { formatBytes } from '../../lib/format.js';
import { useSectionForm } from '../../lib/use-section-form.js';
import { bridge } from '../../store/bridge-ref.js';
import { SectionCard } from './section-card.js';

/** The audit log: a file of every exchange, with what to leave out of it. */
export function AuditSection() {
  const form = useSectionForm('audit');
  const [status, setStatus] = useState<AuditStatus | null>(null);
  useEffect(() => {
    bridge()
      .invoke('audit.status')
      .then(setStatus, () => setStatus(null));
  }, []);
  return (
    <SectionCard title="Audit log" form={form}>
      <label className="check">
        <input
          type="checkbox"
          checked={form.value('enabled')}
          onChange={(e) => form.set('enabled', e.target.checked)}
        />
        Write every exchange to a log file
      </label>
      <Field
        label="Log file"
        error={form.error('path')}
        hint={status ? `Now: ${status.path}` : 'Empty uses the default.'}
      >
        {({ id, describedBy, invalid }) => (
          <input
            id={id}
            type="text"
            className="mono"
            aria-describedby={describedBy}
            aria-invalid={invalid}
            value={form.value('path') ?? ''}
            onChange={(e) => form.set('path', e.target.value.trim() === '' ? null : e.target.value)}
          />
        )}
      </Field>
      <label className="check">
        <input
          type="checkbox"
          checked={form.value('redactQuery')}
          onChange={(e) => form.set('redactQuery', e.target.checked)}
        />
        Leave query strings out
      </label>
      <label className="check">
        <input
          type="checkbox"
          checked={form.value('redactHeaderValues')}
          onChange={(e) => form.set('redactHeaderValues', e.target.checked)}
        />
        Leave header values out
      </label>
      {status && (
        <p className="quiet">
          {status.files} file(s), {formatBytes(status.bytes)}
        </p>
      )}
    </SectionCard>
  );
}
