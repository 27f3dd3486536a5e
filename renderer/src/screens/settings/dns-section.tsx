import type { Settings } from '../../../../proxy-core/src/control/contract.js';
import { Field } from '../../components/field.js';
import { useSectionForm } from '../../lib/use-section-form.js';
import { ListInput, SectionCard } from './section-card.js';

type DnsServers = Settings['dns']['servers'];

/** One resolver per line: its URL, then (optionally) its own addresses. */
function serversFromText(text: string): DnsServers {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/).filter(Boolean))
    .filter((words) => words.length > 0)
    .map(([url = '', ...bootstrap]) => ({ url, bootstrap }));
}

/** Private DNS for the direct route: DoH/DoT resolvers, their CA, the fallback and the rebinding guard. */
export function DnsSection() {
  const form = useSectionForm('dns');
  const servers = form.value('servers');
  return (
    <SectionCard title="Private DNS" form={form}>
      <Field
        label="Resolvers, one per line"
        error={form.error('servers')}
        hint="https://host/dns-query (DNS over HTTPS) or tls://host (DNS over TLS), tried in order; after the URL, the resolver's own IP addresses so its name is never looked up in the clear. Empty: the system resolver (your network sees the names you visit)."
      >
        {({ id, describedBy, invalid }) => (
          <ListInput
            id={id}
            describedBy={describedBy}
            invalid={invalid}
            placeholder="https://dns.quad9.net/dns-query 9.9.9.9"
            value={servers.map((s) => [s.url, ...s.bootstrap].join(' '))}
            onChange={(text) => form.set('servers', serversFromText(text))}
          />
        )}
      </Field>
      <Field
        label="Extra CA file for the resolvers' certificates"
        error={form.error('ca')}
        hint="A PEM file, for a private resolver. Empty: the system's certificate authorities."
      >
        {({ id, describedBy, invalid }) => (
          <input
            id={id}
            type="text"
            className="mono"
            aria-describedby={describedBy}
            aria-invalid={invalid}
            value={form.value('ca') ?? ''}
            onChange={(e) => form.set('ca', e.target.value.trim() === '' ? null : e.target.value)}
          />
        )}
      </Field>
      <label className="check">
        <input
          type="checkbox"
          checked={form.value('fallback') === 'system'}
          onChange={(e) => form.set('fallback', e.target.checked ? 'system' : 'none')}
        />
        When the resolvers do not answer, use the system resolver (counted on Home; otherwise those requests fail)
      </label>
      <Field
        label="DNS rebinding guard"
        error={form.error('rebindingGuard')}
        hint="Refuses a public name that answers with a private address (your router, this computer)."
      >
        {({ id, describedBy }) => (
          <select
            id={id}
            aria-describedby={describedBy}
            value={form.value('rebindingGuard')}
            onChange={(e) => form.set('rebindingGuard', e.target.value as Settings['dns']['rebindingGuard'])}
          >
            <option value="auto">On when Veil listens beyond this computer</option>
            <option value="on">Always on</option>
            <option value="off">Off</option>
          </select>
        )}
      </Field>
    </SectionCard>
  );
}
