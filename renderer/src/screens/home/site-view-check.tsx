import { useState } from 'react';
import type { CheckResult, SelfTestReport } from '../../../../proxy-core/src/control/contract.js';
import { bridge } from '../../store/bridge-ref.js';

const TITLES: Record<CheckResult['id'], string> = {
  'forwarding-headers': 'Forwarding headers',
  'proxy-headers': 'Proxy headers',
  'client-address': 'Your address',
  'user-agent': 'User-Agent',
  referer: 'Referer',
  'client-hints': 'Client hints',
  cookies: 'Third-party cookies',
  https: 'HTTPS',
  route: 'Route',
  dns: 'DNS',
  'system-proxy': 'System proxy',
  environment: 'HTTP_PROXY',
  'audit-log': 'Audit log',
};

const MARK: Record<CheckResult['status'], string> = { pass: '✓', warn: '!', fail: '✗' };

/** Home's "Check what sites see": the self-test's checks, one line each, and the page that shows the browser's side. */
export function SiteViewCheck() {
  const [report, setReport] = useState<SelfTestReport | null>(null);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function run(): Promise<void> {
    setRunning(true);
    setError(null);
    try {
      setReport(await bridge().invoke('selftest.run'));
    } catch (err) {
      setError(`The check could not run: ${(err as Error).message}`);
    } finally {
      setRunning(false);
    }
  }

  return (
    <section className="card site-view" aria-labelledby="site-view">
      <div className="site-view-head">
        <h2 id="site-view">What sites see</h2>
        <button type="button" onClick={() => void run()} disabled={running} aria-busy={running}>
          {running ? 'Checking…' : 'Check what sites see'}
        </button>
      </div>
      <p className="quiet">
        Sends a test request through Veil with your settings and checks what arrives. For what only your browser reveals
        (WebRTC, its own DNS, requests that bypass Veil), open <code>http://veil.invalid/</code> in it.
      </p>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {report && (
        <>
          <p className="quiet" aria-live="polite">
            {report.counts.fail === 0 && report.counts.warn === 0
              ? 'Everything checked passed.'
              : `${report.counts.fail} failed, ${report.counts.warn} to look at, ${report.counts.pass} passed.`}
          </p>
          <ul className="check-list">
            {report.checks.map((c) => (
              <li key={c.id} className={`check-row ${c.status}`} data-check={c.id}>
                <span className="check-mark" title={c.status}>
                  {MARK[c.status]}
                  <span className="visually-hidden"> {c.status}</span>
                </span>
                <span className="check-title">{TITLES[c.id]}</span>
                <span className="check-message">{c.message}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
