import type { Status } from '../../../../proxy-core/src/control/contract.js';
import { Notices } from '../../components/notices.js';
import { RateGraph } from '../../components/rate-graph.js';
import { StateBox } from '../../components/state-box.js';
import { Switch } from '../../components/switch.js';
import { formatBytes, formatCount, formatPercent, plural } from '../../lib/format.js';
import { loadStatus, setProxyRunning, setSystemProxy } from '../../store/proxy-actions.js';
import { useVeil } from '../../store/store.js';
import { SiteViewCheck } from './site-view-check.js';

/** "Am I protected right now?" in one glance: the switch, the state in words, what needs attention. */
export function HomeScreen() {
  const status = useVeil((s) => s.status);
  const statusError = useVeil((s) => s.statusError);
  const toggling = useVeil((s) => s.toggling);
  const toggleError = useVeil((s) => s.toggleError);
  const profileName = useVeil((s) => s.profiles?.find((p) => p.id === s.status?.profile)?.name);

  if (!status) {
    return statusError ? (
      <StateBox kind="error" onRetry={() => void loadStatus()}>
        Could not reach Veil: {statusError}
      </StateBox>
    ) : (
      <StateBox kind="loading">Asking Veil for its state…</StateBox>
    );
  }
  const { counters, systemProxy, upstream, dns } = status;
  const where = status.listening ? `${status.listening.host}:${status.listening.port}` : null;
  return (
    <div className="screen home">
      <section className="hero" aria-label="Protection">
        <Switch
          size="large"
          checked={status.running}
          label="Veil on"
          disabled={toggling}
          onChange={(on) => void setProxyRunning(on)}
        />
        <div>
          <h1 className="hero-title">{status.running ? 'Veil is on' : 'Veil is off'}</h1>
          <p className="hero-summary">
            {status.running
              ? `${plural(counters.requests, 'request')}, ${formatCount(counters.blocked)} blocked, ${plural(
                  counters.headersRemoved,
                  'identifying header',
                )} removed.`
              : 'Traffic sent to Veil is refused until you turn it on.'}
          </p>
          {where && (
            <p className="quiet">
              Listening on <code>{where}</code>
            </p>
          )}
          {toggleError && (
            <p className="field-error" role="alert">
              {toggleError}
            </p>
          )}
          {status.error && !toggleError?.includes(status.error) && (
            <p className="field-error" role="alert">
              {status.error}
            </p>
          )}
          {statusError && (
            <p className="field-error" role="alert">
              {statusError}
            </p>
          )}
        </div>
      </section>

      <section className="cards" aria-label="Summary">
        <div className="card">
          <h2>System proxy</h2>
          <Switch
            showLabel
            checked={systemProxy.active}
            label={systemProxy.active ? 'This computer uses Veil' : 'This computer does not use Veil'}
            disabled={systemProxy.platform === 'unsupported'}
            onChange={(on) => void setSystemProxy(on)}
          />
          {systemProxy.platform === 'unsupported' && (
            <p className="quiet">Not available here: point your browser at {where ?? 'Veil'} by hand.</p>
          )}
          {systemProxy.error && <p className="field-error">{systemProxy.error}</p>}
          {systemProxy.foreignChange && <p className="field-warning">{systemProxy.foreignChange}</p>}
        </div>
        <div className="card">
          <h2>Privacy profile</h2>
          <p className="big">{profileName ?? status.profile}</p>
        </div>
        <div className="card">
          <h2>Upstream</h2>
          <p className="big mono">{upstream.name}</p>
          <p className="quiet">
            {upstream.reachable === null ? 'Not checked yet' : upstream.reachable ? 'Reachable' : 'Not reachable'}
          </p>
        </div>
        {dns && (
          <div className="card">
            <h2>DNS</h2>
            <p className="big">{dns.mode === 'private' ? 'Private' : 'System resolver'}</p>
            <p className={dns.fallbacks > 0 ? 'field-warning' : 'quiet'}>
              {dns.mode === 'private'
                ? dns.fallbacks > 0
                  ? `${plural(dns.fallbacks, 'lookup')} fell back to the system resolver`
                  : 'Names are not sent in cleartext'
                : 'Your network sees the names you visit'}
            </p>
          </div>
        )}
      </section>

      {status.reverse && <ReverseCard reverse={status.reverse} />}

      <section className="card counters" aria-label="Counters">
        <dl>
          <Counter label="Requests" value={formatCount(counters.requests)} />
          <Counter label="Blocked" value={formatCount(counters.blocked)} />
          <Counter label="Headers removed" value={formatCount(counters.headersRemoved)} />
          <Counter label="Sent" value={formatBytes(counters.bytesUp)} />
          <Counter label="Received" value={formatBytes(counters.bytesDown)} />
          <Counter label="Cache hits" value={formatPercent(counters.cacheHits, counters.requests)} />
        </dl>
        <RateGraph />
      </section>

      <SiteViewCheck />

      <section aria-labelledby="attention">
        <h2 id="attention">Needs attention</h2>
        <Notices />
      </section>
    </div>
  );
}

/** The reverse proxy at a glance: where it serves and how many backends answer. */
function ReverseCard({ reverse }: { reverse: NonNullable<Status['reverse']> }) {
  const backends = reverse.routes.flatMap((r) => r.backends);
  const up = backends.filter((b) => b.state === 'up').length;
  return (
    <section className="card" aria-labelledby="reverse-title">
      <h2 id="reverse-title">Reverse proxy</h2>
      {reverse.running ? (
        <>
          <p>
            Serving on{' '}
            {reverse.listening.map((l, i) => (
              <span key={`${l.host}:${l.port}`}>
                {i > 0 && ', '}
                <code>{`${l.tls ? 'https' : 'http'}://${l.host.includes(':') ? `[${l.host}]` : l.host}:${l.port}`}</code>
              </span>
            ))}
          </p>
          <p className={up < backends.length ? 'field-warning' : 'quiet'}>
            {up} of {plural(backends.length, 'backend')} answering
            {up < backends.length &&
              `; out: ${backends
                .filter((b) => b.state !== 'up')
                .map((b) => b.url)
                .join(', ')}`}
          </p>
        </>
      ) : (
        <p className="field-error" role="alert">
          {reverse.error}
        </p>
      )}
    </section>
  );
}

function Counter({ label, value }: { label: string; value: string }) {
  return (
    <div className="counter">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}
