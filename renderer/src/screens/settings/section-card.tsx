import { type ReactNode, useEffect, useState } from 'react';
import type { FormControls } from '../../lib/use-section-form.js';

/** One settings section with its Save and Discard buttons and any error that belongs to no field. */
export function SectionCard({ title, form, children }: { title: string; form: FormControls; children: ReactNode }) {
  const id = `section-${title.toLowerCase().replace(/\W+/g, '-')}`;
  return (
    <section className="card settings-section" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
      <div className="section-actions">
        <button
          type="button"
          className="primary"
          disabled={!form.dirty || form.saving || form.blocked}
          title={form.blocked && form.dirty ? 'Fix the fields marked above first.' : undefined}
          onClick={() => void form.save()}
        >
          {form.saving ? 'Saving…' : 'Save'}
        </button>
        <button type="button" disabled={!form.dirty || form.saving} onClick={form.discard}>
          Discard
        </button>
        {form.saved && !form.dirty && (
          <span className="quiet" role="status">
            Saved.
          </span>
        )}
        {form.formError && (
          <p className="field-error" role="alert">
            {form.formError}
          </p>
        )}
      </div>
    </section>
  );
}

/** A textarea edited as text and sent as one item per line; the text is kept exactly as typed. */
export function ListInput({
  id,
  value,
  onChange,
  describedBy,
  invalid,
  rows = 3,
  placeholder,
}: {
  id: string;
  value: string[];
  onChange: (text: string) => void;
  describedBy: string | undefined;
  invalid: boolean;
  rows?: number;
  placeholder?: string;
}) {
  const [text, setText] = useState(value.join('\n'));
  const joined = value.join('\n');
  // Follow the saved value when it changes from outside, unless the text already means the same.
  useEffect(() => {
    setText((t) =>
      t
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .join('\n') === joined
        ? t
        : joined,
    );
  }, [joined]);
  return (
    <textarea
      id={id}
      rows={rows}
      spellCheck={false}
      aria-describedby={describedBy}
      aria-invalid={invalid}
      placeholder={placeholder}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        onChange(e.target.value);
      }}
    />
  );
}
