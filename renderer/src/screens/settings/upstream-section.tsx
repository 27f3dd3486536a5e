import { useState } from 'react';
import type { UpstreamTestResult } from '../../../../proxy-core/src/control/contract.js';
import { errorMessage } from '../../bridge/bridge.js';
import { Field } from '../../components/field.js';
import { useSectionForm } from '../../lib/use-section-form.js';
import { bridge } from '../../store/bridge-ref.js';
import { SectionCard } from './section-card.js';

/** The upstream proxy (Tor, a SOCKS server, a company proxy) with a button that tries it. */
export function UpstreamSection() {
  const form = useSectionForm('upstream');
  const url = form.value('default') ?? '';
  const [test, setTest] = useState<UpstreamTestResult | { failed: string } | null>(null);
  const [testing, setTesting] = useState(false);

  const runTest = async () => {
    setTesting(true);
    setTest(null);
    try {
      setTest(await bridge().invoke('upstream.test', { url }));
    } catch (err) {
      setTest({ failed: errorMessage(err) });
    } finally {
      setTesting(false);
    }
  };

  return (
    <SectionCard title="Upstream" form={form}>
      <Field
        label="Upstream proxy URL"
        error={form.error('default')}
        hint="Empty goes direct. Tor: socks5h://127.0.0.1:9050 (the h lets Tor resolve names)."
      >
        {({ id, describedBy, invalid }) => (
          <div className="input-with-button">
            <input
              id={id}
              type="text"
              className="mono"
              placeholder="socks5h://127.0.0.1:9050"
              aria-describedby={describedBy}
              aria-invalid={invalid}
              value={url}
              onChange={(e) => form.set('default', e.target.value.trim() === '' ? null : e.target.value)}
            />
            <button type="button" disabled={!url || testing} onClick={() => void runTest()}>
              {testing ? 'Testing…' : 'Test'}
            </button>
          </div>
        )}
      </Field>
      {test && (
        <p className={'failed' in test || !test.ok ? 'field-error' : 'field-ok'} role="status">
          {'failed' in test
            ? test.failed
            : test.ok
              ? `Reachable in ${test.ms} ms.`
              : `Not reachable: ${(test.error ?? 'no answer').replace(/\.+$/, '')}.`}
        </p>
      )}
      <label className="check">
        <input
          type="checkbox"
          checked={form.value('allowDirectFallback')}
          onChange={(e) => form.set('allowDirectFallback', e.target.checked)}
        />
        Go direct when the upstream is down (otherwise requests fail, which keeps your address hidden)
      </label>
      <label className="check">
        <input
          type="checkbox"
          checked={form.value('localDns')}
          onChange={(e) => form.set('localDns', e.target.checked)}
        />
        Resolve names on this computer before SOCKS (reveals the sites you visit to your DNS server)
      </label>
    </SectionCard>
  );
}
