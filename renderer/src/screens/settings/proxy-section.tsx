import { Field } from '../../components/field.js';
import { linesOf, numberOrText, useSectionForm } from '../../lib/use-section-form.js';
import { ListInput, SectionCard } from './section-card.js';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i;

/** Port and listen address, with the open-proxy warning when Veil would listen beyond this computer. */
export function ProxySection() {
  const form = useSectionForm('proxy');
  const listen = String(form.value('listen') ?? '');
  const exposed = listen !== '' && !LOOPBACK.test(listen.trim());
  const clients = form.value('allowedClients') ?? [];
  return (
    <SectionCard title="Listener" form={form}>
      <div className="field-row">
        <Field label="Port" error={form.error('port')} hint="0 picks a free port.">
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              type="number"
              min={0}
              max={65535}
              className="narrow"
              aria-describedby={describedBy}
              aria-invalid={invalid}
              value={String(form.value('port') ?? '')}
              onChange={(e) => form.set('port', numberOrText(e.target.value))}
            />
          )}
        </Field>
        <Field
          label="Listen address"
          error={form.error('listen')}
          warning={
            exposed
              ? clients.length
                ? form.error('allowedClients')
                  ? undefined
                  : `Veil will accept connections from ${clients.join(', ')} on this network.`
                : 'Anyone who can reach this computer could use Veil as an open proxy. List the allowed clients below.'
              : undefined
          }
        >
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              type="text"
              className="mono"
              aria-describedby={describedBy}
              aria-invalid={invalid}
              value={listen}
              onChange={(e) => form.set('listen', e.target.value)}
            />
          )}
        </Field>
      </div>
      {exposed && (
        <Field label="Allowed clients (one address or CIDR range per line)" error={form.error('allowedClients')}>
          {({ id, describedBy, invalid }) => (
            <ListInput
              id={id}
              value={clients}
              describedBy={describedBy}
              invalid={invalid}
              placeholder="192.168.1.0/24"
              onChange={(t) => form.set('allowedClients', linesOf(t))}
            />
          )}
        </Field>
      )}
    </SectionCard>
  );
}
