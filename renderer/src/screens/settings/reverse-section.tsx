import { useState } from 'react';
import type { Settings } from '../../../../proxy-core/src/control/contract.js';
import { Field } from '../../components/field.js';
import { linesOf, useSectionForm } from '../../lib/use-section-form.js';
import { JsonLinesInput } from './json-lines-input.js';
import { ListInput, SectionCard } from './section-card.js';

type Reverse = Settings['reverse'];

const MODES: Array<{ value: Reverse['clientAddress']; label: string }> = [
  { value: 'anonymous', label: 'Nothing: backends never see visitors’ addresses (anonymous)' },
  { value: 'pseudonymous', label: 'A pseudonym per visitor that changes every day (pseudonymous)' },
  { value: 'forward', label: 'The address, in X-Forwarded-For (forward, for trusted chains)' },
];

/** The reverse proxy: listeners and routes in front of your own services, and what each side learns. */
export function ReverseSection() {
  const form = useSectionForm('reverse');
  const [listenerText, setListenerText] = useState<string | null>(null);
  const [routeText, setRouteText] = useState<string | null>(null);
  const mode = form.value('clientAddress');
  return (
    <SectionCard title="Reverse proxy" form={form}>
      <label className="check">
        <input
          type="checkbox"
          checked={form.value('enabled')}
          onChange={(e) => form.set('enabled', e.target.checked)}
        />
        Serve my own services through Veil (hides the backends from visitors and visitors from the backends)
      </label>
      <Field
        label="Listeners (one JSON object per line)"
        error={listenerText ?? form.error('listeners')}
        hint='Where visitors connect. Add "tls": {"cert": FILE, "key": FILE, "sni": {"name": {"cert": FILE, "key": FILE}}} for HTTPS.'
      >
        {({ id, describedBy, invalid }) => (
          <JsonLinesInput
            id={id}
            describedBy={describedBy}
            invalid={invalid}
            placeholder='{"address": "127.0.0.1", "port": 8080}'
            value={form.value('listeners')}
            onParseError={setListenerText}
            onChange={(v) => form.set('listeners', v as Reverse['listeners'])}
          />
        )}
      </Field>
      <Field
        label="Routes (one JSON object per line)"
        error={routeText ?? form.error('routes')}
        hint="By Host (exact or *.domain) and path prefix, the longest first. Fields: host, pathPrefix, stripPrefix, balance (round-robin, least-connections, sticky), backends, ca, cache, blockPaths, blockUserAgents, healthCheck."
      >
        {({ id, describedBy, invalid }) => (
          <JsonLinesInput
            id={id}
            describedBy={describedBy}
            invalid={invalid}
            placeholder='{"host": "photos.home.example", "backends": ["http://127.0.0.1:2342"]}'
            value={form.value('routes')}
            onParseError={setRouteText}
            onChange={(v) => form.set('routes', v as Reverse['routes'])}
          />
        )}
      </Field>
      <Field label="What backends learn about visitors" error={form.error('clientAddress')}>
        {({ id, describedBy, invalid }) => (
          <select
            id={id}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            value={mode}
            onChange={(e) => form.set('clientAddress', e.target.value as Reverse['clientAddress'])}
          >
            {MODES.map((m) => (
              <option key={m.value} value={m.value}>
                {m.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      {mode === 'forward' && (
        <Field
          label="Trusted proxies in front of Veil (one address or CIDR range per line)"
          error={form.error('trustedProxies')}
          hint="Only their X-Forwarded-For is passed on; everyone else’s is removed."
        >
          {({ id, describedBy, invalid }) => (
            <ListInput
              id={id}
              value={form.value('trustedProxies')}
              describedBy={describedBy}
              invalid={invalid}
              onChange={(t) => form.set('trustedProxies', linesOf(t))}
            />
          )}
        </Field>
      )}
      <Field
        label="More response headers to remove (one per line)"
        error={form.error('removeResponseHeaders')}
        hint="Server, X-Powered-By, X-AspNet-Version, X-Runtime and Via are always removed."
      >
        {({ id, describedBy, invalid }) => (
          <ListInput
            id={id}
            value={form.value('removeResponseHeaders')}
            describedBy={describedBy}
            invalid={invalid}
            onChange={(t) => form.set('removeResponseHeaders', linesOf(t))}
          />
        )}
      </Field>
      <label className="check">
        <input
          type="checkbox"
          checked={form.value('maskVisitorAddresses')}
          onChange={(e) => form.set('maskVisitorAddresses', e.target.checked)}
        />
        Keep only visitors’ networks (/24, /48) in Traffic and the audit log
      </label>
    </SectionCard>
  );
}
