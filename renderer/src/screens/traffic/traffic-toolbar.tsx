import { type RefObject, useState } from 'react';
import type { TrafficFilter } from '../../../../proxy-core/src/control/contract.js';
import { errorMessage } from '../../bridge/bridge.js';
import { downloadText } from '../../lib/download.js';
import { formatCount } from '../../lib/format.js';
import { useVeil } from '../../store/store.js';
import { clearTraffic, exportHar, setTrafficFilter, setTrafficPaused } from '../../store/traffic-actions.js';

const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx', 'error'] as const;
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'CONNECT'];

/** Filters, pause, clear and export above the traffic table. */
export function TrafficToolbar({
  filterRef,
  shown,
  total,
}: {
  filterRef: RefObject<HTMLInputElement | null>;
  shown: number;
  total: number;
}) {
  const filter = useVeil((s) => s.filter);
  const paused = useVeil((s) => s.paused);
  const missed = useVeil((s) => s.missed);
  const missedWhilePaused = useVeil((s) => s.missedWhilePaused);
  const [exportError, setExportError] = useState<string | null>(null);

  const onExport = async () => {
    setExportError(null);
    try {
      const har = await exportHar(filter);
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      downloadText(`veil-${stamp}.har`, JSON.stringify(har, null, 2));
    } catch (err) {
      setExportError(`Export failed: ${errorMessage(err)}`);
    }
  };

  return (
    <div className="toolbar" role="toolbar" aria-label="Traffic">
      <input
        ref={filterRef}
        type="search"
        className="filter-text"
        aria-label="Filter (press / to focus)"
        placeholder="Filter  /"
        value={filter.text ?? ''}
        onChange={(e) => setTrafficFilter({ text: e.target.value })}
      />
      <input
        type="text"
        className="filter-host"
        aria-label="Host"
        placeholder="host"
        value={filter.host ?? ''}
        onChange={(e) => setTrafficFilter({ host: e.target.value.trim() })}
      />
      <select
        aria-label="Status"
        value={filter.statusClass ?? ''}
        onChange={(e) =>
          setTrafficFilter({ statusClass: (e.target.value || undefined) as TrafficFilter['statusClass'] })
        }
      >
        <option value="">any status</option>
        {STATUS_CLASSES.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
      <select
        aria-label="Method"
        value={filter.method ?? ''}
        onChange={(e) => setTrafficFilter({ method: e.target.value || undefined })}
      >
        <option value="">any method</option>
        {METHODS.map((m) => (
          <option key={m} value={m}>
            {m}
          </option>
        ))}
      </select>
      <label className="check">
        <input
          type="checkbox"
          checked={filter.blocked ?? false}
          onChange={(e) => setTrafficFilter({ blocked: e.target.checked })}
        />
        Blocked only
      </label>
      <span className="toolbar-spacer" />
      <span className="quiet count" aria-live="off">
        {shown === total ? formatCount(total) : `${formatCount(shown)} of ${formatCount(total)}`}
        {missed > 0 && ` (${formatCount(missed)} skipped while busy)`}
      </span>
      {paused && (
        <span className="quiet paused-note" role="status">
          Paused: new requests still go through Veil but are not recorded here.
        </span>
      )}
      {!paused && missedWhilePaused > 0 && (
        <span className="quiet paused-note" role="status">
          {formatCount(missedWhilePaused)} {missedWhilePaused === 1 ? 'request' : 'requests'} made while paused{' '}
          {missedWhilePaused === 1 ? 'is' : 'are'} not shown.
        </span>
      )}
      <button type="button" onClick={() => void setTrafficPaused(!paused)} aria-pressed={paused}>
        {paused ? 'Resume' : 'Pause'}
      </button>
      <button type="button" onClick={() => void clearTraffic()}>
        Clear
      </button>
      <button type="button" onClick={() => void onExport()}>
        Export HAR
      </button>
      {exportError && (
        <p className="field-error toolbar-error" role="alert">
          {exportError}
        </p>
      )}
    </div>
  );
}
