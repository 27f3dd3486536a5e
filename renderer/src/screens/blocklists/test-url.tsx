import { useState } from 'react';
import type { BlockTestResult } from '../../../../proxy-core/src/control/contract.js';
import { errorMessage } from '../../bridge/bridge.js';
import { Field } from '../../components/field.js';
import { testBlockUrl } from '../../store/blocklist-actions.js';

/** "Would this URL be blocked, and by which rule?" */
export function TestUrl() {
  const [url, setUrl] = useState('');
  const [result, setResult] = useState<BlockTestResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    setError(null);
    setResult(null);
    try {
      setResult(await testBlockUrl(url.trim()));
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <section className="card" aria-labelledby="test-url-h">
      <h2 id="test-url-h">Test a URL</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <Field label="URL" error={error ?? undefined}>
          {({ id, describedBy, invalid }) => (
            <div className="input-with-button">
              <input
                id={id}
                type="text"
                className="mono"
                placeholder="https://ads.example.com/pixel.gif"
                aria-describedby={describedBy}
                aria-invalid={invalid}
                value={url}
                onChange={(e) => setUrl(e.target.value)}
              />
              <button type="submit" disabled={!url.trim()}>
                Test
              </button>
            </div>
          )}
        </Field>
      </form>
      {result && (
        <div className={`decision decision-${result.decision}`} role="status">
          <strong>
            {result.decision === 'block'
              ? 'Blocked'
              : result.decision === 'allow'
                ? 'Allowed by a rule'
                : 'Not blocked'}
          </strong>
          <p>{result.explanation}</p>
          {result.rule && (
            <p className="mono">
              {result.rule.rule} — {result.rule.list}
              {result.rule.line !== undefined && `, line ${result.rule.line}`}
            </p>
          )}
        </div>
      )}
    </section>
  );
}
