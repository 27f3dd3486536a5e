import { useCallback, useEffect, useState } from 'react';
import type { CacheStats } from '../../../../proxy-core/src/control/contract.js';
import { errorMessage } from '../../bridge/bridge.js';
import { Field } from '../../components/field.js';
import { formatBytes, formatCount, formatPercent } from '../../lib/format.js';
import { numberOrText, useSectionForm } from '../../lib/use-section-form.js';
import { bridge } from '../../store/bridge-ref.js';
import { SectionCard } from './section-card.js';

/** The shared cache: on/off, size, purge and what it has saved. */
export function CacheSection() {
  const form = useSectionForm('cache');
  const [stats, setStats] = useState<CacheStats | null>(null);
  const [note, setNote] = useState<string | null>(null);

  const loadStats = useCallback(async () => {
    try {
      setStats(await bridge().invoke('cache.stats'));
    } catch (err) {
      setNote(`Cache figures unavailable: ${errorMessage(err)}`);
    }
  }, []);
  useEffect(() => {
    void loadStats();
  }, [loadStats]);

  const purge = async () => {
    try {
      const { removed } = await bridge().invoke('cache.purge', {});
      setNote(`Removed ${formatCount(removed)} entries.`);
      await loadStats();
    } catch (err) {
      setNote(`Purge failed: ${errorMessage(err)}`);
    }
  };

  return (
    <SectionCard title="Cache" form={form}>
      <label className="check">
        <input
          type="checkbox"
          checked={form.value('enabled')}
          onChange={(e) => form.set('enabled', e.target.checked)}
        />
        Keep copies of cacheable responses
      </label>
      <Field label="Size limit (MB)" error={form.error('maxSizeMb')}>
        {({ id, describedBy, invalid }) => (
          <input
            id={id}
            type="number"
            min={0}
            className="narrow"
            aria-describedby={describedBy}
            aria-invalid={invalid}
            value={String(form.value('maxSizeMb') ?? '')}
            onChange={(e) => form.set('maxSizeMb', numberOrText(e.target.value))}
          />
        )}
      </Field>
      {stats && (
        <p className="quiet num">
          {formatCount(stats.entries)} entries, {formatBytes(stats.bytes)} of {formatBytes(stats.maxBytes)} · hit ratio{' '}
          {formatPercent(stats.hits, stats.hits + stats.misses)} · saved {formatBytes(stats.bytesSaved)}
        </p>
      )}
      <div className="row">
        <button type="button" onClick={() => void purge()}>
          Purge cache
        </button>
        {note && <span className="quiet">{note}</span>}
      </div>
    </SectionCard>
  );
}
