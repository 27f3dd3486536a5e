import { useSectionForm } from '../../lib/use-section-form.js';
import { SectionCard } from './section-card.js';

/** What Veil's traffic records keep of the values it removed. */
export function TrafficSection() {
  const form = useSectionForm('traffic');
  return (
    <SectionCard title="Traffic records" form={form}>
      <label className="check">
        <input
          type="checkbox"
          aria-describedby="keep-removed-values-hint"
          checked={form.value('keepRemovedValues')}
          onChange={(e) => form.set('keepRemovedValues', e.target.checked)}
        />
        Keep removed values
      </label>
      <p id="keep-removed-values-hint" className="quiet">
        Off: the Traffic view, its exports and the audit log show only the name, length and a short fingerprint of each
        header Veil removed or replaced (a cookie, the real User-Agent), never the value itself, so nothing Veil hid
        from a site is kept on this computer. On: the values are kept, to see exactly what was removed. Veil's own proxy
        password is never kept.
      </p>
    </SectionCard>
  );
}
