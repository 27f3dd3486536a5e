import { useState } from 'react';
import type { CommandArgs } from '../../../../proxy-core/src/control/contract.js';
import { errorMessage, toBridgeError } from '../../bridge/bridge.js';
import { Field } from '../../components/field.js';
import { addBlocklist } from '../../store/blocklist-actions.js';
import { useVeil } from '../../store/store.js';

type Kind = 'url' | 'file' | 'text';

/** Adds a list by URL (or a suggestion), by file path on the service's machine, or typed in. */
export function AddListForm() {
  const suggestions = useVeil((s) => s.suggestions);
  const lists = useVeil((s) => s.lists);
  const [kind, setKind] = useState<Kind>('url');
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (args: CommandArgs<'blocklist.add'>) => {
    setBusy(true);
    setError(null);
    try {
      await addBlocklist(args);
      setValue('');
      setName('');
    } catch (err) {
      const e = toBridgeError(err);
      setError(e.errors.length ? e.errors.map((x) => x.message).join('; ') : errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const source = (): CommandArgs<'blocklist.add'>['source'] =>
    kind === 'url'
      ? { type: 'url', url: value.trim() }
      : kind === 'file'
        ? { type: 'file', path: value.trim() }
        : { type: 'text', text: value };

  const subscribed = new Set((lists ?? []).map((l) => (l.source.type === 'url' ? l.source.url : '')));
  const unused = suggestions.filter((s) => !subscribed.has(s.url));

  return (
    <div className="add-list">
      <h3>Add a list</h3>
      {unused.length > 0 && (
        <ul className="suggestions" aria-label="Suggested lists">
          {unused.map((s) => (
            <li key={s.url}>
              <div>
                <strong>{s.name}</strong> <span className="quiet">{s.description}</span>
              </div>
              <button
                type="button"
                disabled={busy}
                onClick={() => void submit({ name: s.name, source: { type: 'url', url: s.url }, format: s.format })}
              >
                Add
              </button>
            </li>
          ))}
        </ul>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (kind === 'url' && !/^https?:\/\/[^/\s]+/i.test(value.trim())) {
            setError('Enter the full address of the list, starting with https://');
            return;
          }
          void submit({ ...(name.trim() ? { name: name.trim() } : {}), source: source() });
        }}
      >
        <fieldset className="segmented">
          <legend className="visually-hidden">Source</legend>
          {(['url', 'file', 'text'] as const).map((k) => (
            <label key={k}>
              <input type="radio" name="list-kind" checked={kind === k} onChange={() => setKind(k)} />
              {k === 'url' ? 'From a URL' : k === 'file' ? 'From a file' : 'Type rules'}
            </label>
          ))}
        </fieldset>
        <Field label="Name (optional)">
          {({ id }) => <input id={id} type="text" value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field
          label={kind === 'url' ? 'List URL' : kind === 'file' ? 'File path' : 'Rules, one per line'}
          error={error ?? undefined}
          hint={kind === 'file' ? 'A path on the computer Veil runs on.' : undefined}
        >
          {({ id, describedBy, invalid }) =>
            kind === 'text' ? (
              <textarea
                id={id}
                rows={4}
                className="mono"
                spellCheck={false}
                aria-describedby={describedBy}
                aria-invalid={invalid}
                placeholder="||ads.example.com^"
                value={value}
                onChange={(e) => setValue(e.target.value)}
              />
            ) : (
              <input
                id={id}
                type="text"
                inputMode={kind === 'url' ? 'url' : undefined}
                className="mono"
                aria-describedby={describedBy}
                aria-invalid={invalid}
                placeholder={kind === 'url' ? 'https://example.org/hosts.txt' : '/home/me/blocklist.txt'}
                value={value}
                onChange={(e) => setValue(e.target.value)}
              />
            )
          }
        </Field>
        <button type="submit" className="primary" disabled={busy || !value.trim()}>
          {busy ? 'Adding…' : 'Add list'}
        </button>
      </form>
    </div>
  );
}
