import type { ExchangeRecord } from '../../../../proxy-core/src/control/contract.js';
import { formatBytes, formatClock, formatDuration } from '../../lib/format.js';
import { selectExchange } from '../../store/traffic-actions.js';
import { HeaderReceipt } from './header-receipt.js';

/** Everything about one exchange: the receipt, the blocking rule, headers both ways, timings. */
export function ExchangeDetails({ record: r }: { record: ExchangeRecord }) {
  const requestReceipt = r.receipt.filter((e) => e.direction === 'request');
  const responseReceipt = r.receipt.filter((e) => e.direction === 'response');
  return (
    <aside className="details" aria-label="Exchange details">
      <header className="details-head">
        <h2 className="mono" title={r.url}>
          {r.method} {r.url}
        </h2>
        <button type="button" className="icon" aria-label="Close details (Escape)" onClick={() => selectExchange(null)}>
          ×
        </button>
      </header>
      <p className="details-meta num">
        {formatClock(r.startedAt)} · {r.state === 'open' ? 'open · ' : ''}
        {r.status || (r.state === 'open' ? 'waiting for the answer' : 'no response')} {r.error ? `· ${r.error}` : ''} ·{' '}
        {r.route}
        {r.profile ? ` · profile ${r.profile}` : ''}
        {r.cache ? ` · cache ${r.cache}` : ''}
        {r.via === 'transparent'
          ? ` · transparent${r.originalDestination ? ` (to ${r.originalDestination})` : ''}`
          : ''}
      </p>
      {r.hostMismatch && (
        <p className="notice notice-warning">
          The name {r.host} does not resolve to the address the client connected to: Veil sent it there anyway and did
          not cache it.
        </p>
      )}

      {r.blocked && (
        <section className="blocked-by" aria-label="Blocked by">
          <h3>Blocked</h3>
          <p>
            <code>{r.blocked.rule}</code> from <strong>{r.blocked.list}</strong>
            {r.blocked.line !== undefined && `, line ${r.blocked.line}`} ({r.blocked.kind})
          </p>
        </section>
      )}

      <section className="receipt" aria-label="Receipt">
        <h3>Receipt</h3>
        {r.receipt.length === 0 ? (
          <p className="quiet">
            {r.kind === 'connect'
              ? tunnelSentence(r)
              : r.via === 'tls'
                ? 'Veil changed nothing in this request (read inside an inspected HTTPS tunnel).'
                : 'Veil changed nothing in this exchange.'}
          </p>
        ) : (
          <ul>
            {r.receipt.map((e, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a receipt is an ordered log
              <li key={i}>
                <span className={`tag tag-${e.action}`}>{e.action}</span> <span className="mono">{e.header}</span>
                <span className="rule"> — {e.rule}</span>
                {e.direction === 'response' && <span className="quiet"> (response)</span>}
              </li>
            ))}
          </ul>
        )}
      </section>

      <HeaderReceipt
        title="Request headers (as the client sent them)"
        headers={r.requestHeaders}
        receipt={requestReceipt}
      />
      <HeaderReceipt
        title="Response headers (as the server sent them)"
        headers={r.responseHeaders}
        receipt={responseReceipt}
      />
      <details>
        <summary>As Veil forwarded them</summary>
        <HeaderReceipt title="Request headers sent upstream" headers={r.forwardedRequestHeaders} receipt={[]} />
        <HeaderReceipt title="Response headers sent to the client" headers={r.forwardedResponseHeaders} receipt={[]} />
      </details>

      <section aria-label="Timings">
        <h3>Timings</h3>
        <dl className="timings num">
          <dt>DNS</dt>
          <dd>{formatDuration(r.timings.dns)}</dd>
          <dt>Connect</dt>
          <dd>{formatDuration(r.timings.connect)}</dd>
          <dt>First byte</dt>
          <dd>{formatDuration(r.timings.firstByte)}</dd>
          <dt>Total</dt>
          <dd>{formatDuration(r.timings.total)}</dd>
          <dt>Sent / received</dt>
          <dd>
            {formatBytes(r.bytesUp)} / {formatBytes(r.bytesDown)}
          </dd>
        </dl>
      </section>
    </aside>
  );
}

/** What a CONNECT tunnel's record says about inspection, in words. */
function tunnelSentence(r: ExchangeRecord): string {
  const t = r.tunnel;
  if (t?.mode === 'inspected') {
    return 'Inspected: Veil opened this HTTPS tunnel; each request inside has its own record and receipt.';
  }
  if (t?.mode === 'excluded') return `Not inspected: ${t.reason ?? 'an exclusion'} is on the list of sites left alone.`;
  if (t?.mode === 'passed-through') {
    if (t.reason === 'origin-certificate') {
      return t.answer === 'error-page'
        ? `Not inspected: the site's certificate failed (${t.fault ?? 'invalid'}); Veil showed its error page.`
        : `Not inspected: the site's certificate failed (${t.fault ?? 'invalid'}); the browser saw the site's own certificate.`;
    }
    if (t.reason === 'refused-certificate') return "Not inspected: the app refused Veil's certificate before.";
    return `Not inspected (${t.reason ?? 'passed through'}): Veil relayed the tunnel untouched.`;
  }
  return 'An HTTPS tunnel is encrypted end to end: Veil saw only the host name and could not change headers inside it.';
}
