import { applyTheme } from '../../lib/theme.js';
import { useSectionForm } from '../../lib/use-section-form.js';
import { useVeil } from '../../store/store.js';
import { SectionCard } from './section-card.js';

/** Start-up and appearance. */
export function AppSection() {
  const form = useSectionForm('app');
  const theme = form.value('theme');
  const savedTheme = useVeil((s) => s.settings?.app.theme ?? 'system');
  // The theme previews as soon as it is picked; discarding goes back to the saved one.
  const controls = {
    ...form,
    discard: () => {
      form.discard();
      applyTheme(savedTheme);
    },
  };
  return (
    <SectionCard title="App" form={controls}>
      <label className="check">
        <input
          type="checkbox"
          checked={form.value('launchAtLogin')}
          onChange={(e) => form.set('launchAtLogin', e.target.checked)}
        />
        Start Veil when I log in
      </label>
      <fieldset>
        <legend>Theme</legend>
        {(['system', 'light', 'dark'] as const).map((t) => (
          <label key={t} className="check">
            <input
              type="radio"
              name="theme"
              checked={theme === t}
              onChange={() => {
                form.set('theme', t);
                applyTheme(t);
              }}
            />
            {t === 'system' ? 'Follow the system' : t === 'light' ? 'Light' : 'Dark'}
          </label>
        ))}
      </fieldset>
    </SectionCard>
  );
}
