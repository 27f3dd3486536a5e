import { useEffect, useMemo, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { StateBox } from '../../components/state-box.js';
import { applyFilter } from '../../lib/traffic-filter.js';
import { useVeil } from '../../store/store.js';
import { loadTraffic, selectExchange } from '../../store/traffic-actions.js';
import { ExchangeDetails } from './exchange-details.js';
import { TrafficTable } from './traffic-table.js';
import { TrafficToolbar } from './traffic-toolbar.js';

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/** Live traffic: a dense table with the details of the selected exchange beside it. */
export function TrafficScreen() {
  const { records, filter, loaded, error, selectedId } = useVeil(
    useShallow((s) => ({
      records: s.records,
      filter: s.filter,
      loaded: s.trafficLoaded,
      error: s.trafficError,
      selectedId: s.selectedId,
    })),
  );
  const filterInput = useRef<HTMLInputElement>(null);
  const shown = useMemo(() => applyFilter(records, filter), [records, filter]);
  const selected = useMemo(
    () => (selectedId === null ? null : (records.find((r) => r.id === selectedId) ?? null)),
    [records, selectedId],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === '/' && !isTyping(e.target)) {
        e.preventDefault();
        filterInput.current?.focus();
      } else if (e.key === 'Escape' && useVeil.getState().selectedId !== null) {
        selectExchange(null);
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  let body: React.ReactNode;
  if (!loaded && !records.length) body = <StateBox kind="loading">Loading recorded traffic…</StateBox>;
  else if (error && !records.length)
    body = (
      <StateBox kind="error" onRetry={() => void loadTraffic()}>
        Could not load traffic: {error}
      </StateBox>
    );
  else if (!records.length)
    body = (
      <StateBox kind="empty">
        No traffic yet. Point a browser or curl at Veil and requests appear here as they happen.
      </StateBox>
    );
  else body = <TrafficTable rows={shown} selectedId={selectedId} />;

  return (
    <div className={`screen traffic${selected ? ' with-details' : ''}`}>
      <TrafficToolbar filterRef={filterInput} shown={shown.length} total={records.length} />
      {error && records.length > 0 && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <div className="traffic-body">
        <div className="traffic-main">{body}</div>
        {selected && <ExchangeDetails record={selected} />}
      </div>
    </div>
  );
}
