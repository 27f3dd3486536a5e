import { useState } from 'react';
import { saveTypedList } from '../../store/blocklist-actions.js';

/** A typed list's rules, edited in place: the text is the list. */
export function TypedListEditor({
  id,
  name,
  text,
  onDone,
}: {
  id: string;
  name: string;
  text: string;
  onDone: () => void;
}) {
  const [draft, setDraft] = useState(text);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const save = async () => {
    setBusy(true);
    const problem = await saveTypedList(id, draft);
    setBusy(false);
    if (problem) setError(problem);
    else onDone();
  };
  return (
    <div className="typed-list-editor">
      <label htmlFor={`typed-${id}`}>Rules of {name}</label>
      <textarea
        id={`typed-${id}`}
        className="mono"
        rows={6}
        spellCheck={false}
        value={draft}
        onChange={(e) => {
          setDraft(e.target.value);
          setError(null);
        }}
      />
      <div className="row">
        <button type="button" className="primary" disabled={busy || draft === text} onClick={() => void save()}>
          {busy ? 'Saving…' : 'Save list'}
        </button>
        <button type="button" disabled={busy} onClick={onDone}>
          Cancel
        </button>
        {error && (
          <span className="field-error" role="alert">
            {error}
          </span>
        )}
      </div>
    </div>
  );
}
