import { useState } from 'react';
import type { BlocklistInfo } from '../../../../proxy-core/src/control/contract.js';
import { StateBox } from '../../components/state-box.js';
import { Switch } from '../../components/switch.js';
import { formatCount, formatWhen } from '../../lib/format.js';
import { refreshBlocklists, removeBlocklist, setBlocklistEnabled } from '../../store/blocklist-actions.js';
import { useVeil } from '../../store/store.js';
import { TypedListEditor } from './typed-list-editor.js';

function sourceText(l: BlocklistInfo): string {
  if (l.source.type === 'url') return l.source.url;
  if (l.source.type === 'file') return l.source.path;
  return 'typed in';
}

/** The subscribed lists with their switches, sizes and last update. */
export function ListTable({ lists, error }: { lists: BlocklistInfo[]; error: string | null }) {
  const progress = useVeil((s) => s.progress);
  const [editing, setEditing] = useState<string | null>(null);
  if (!lists.length) {
    return (
      <>
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
        <StateBox kind="empty">
          No lists yet. Add one of the suggestions below, a URL, a file, or your own rules.
        </StateBox>
      </>
    );
  }
  return (
    <>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <div className="row">
        <button type="button" onClick={() => void refreshBlocklists()}>
          Refresh all
        </button>
      </div>
      <table className="data">
        <thead>
          <tr>
            <th scope="col">On</th>
            <th scope="col">Name</th>
            <th scope="col">Source</th>
            <th scope="col" className="num">
              Rules
            </th>
            <th scope="col" className="num">
              Blocked
            </th>
            <th scope="col">Updated</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {lists.map((l) => {
            const p = progress[l.id];
            return (
              <tr key={l.id}>
                <td>
                  <Switch
                    checked={l.enabled}
                    label={`Use ${l.name}`}
                    onChange={(on) => void setBlocklistEnabled(l.id, on)}
                  />
                </td>
                <td>
                  {l.name}
                  {l.lastError && <p className="field-error">{l.lastError}</p>}
                  {l.skipped > 0 && <SkippedLines list={l} />}
                  {editing === l.id && l.source.type === 'text' && (
                    <TypedListEditor id={l.id} name={l.name} text={l.source.text} onDone={() => setEditing(null)} />
                  )}
                </td>
                <td className="mono ellipsis" title={sourceText(l)}>
                  {sourceText(l)}
                </td>
                <td className="num">{formatCount(l.rules)}</td>
                <td className="num">{l.hits === undefined ? '—' : formatCount(l.hits)}</td>
                <td>
                  {p && p.phase !== 'done' ? (
                    <span role="status">
                      {p.phase === 'error' ? (
                        <span className="field-error">{p.message ?? 'failed'}</span>
                      ) : (
                        <>
                          {p.phase}…{' '}
                          <progress
                            max={p.total ?? undefined}
                            value={p.total ? p.done : undefined}
                            aria-label={`${l.name} ${p.phase}`}
                          />
                        </>
                      )}
                    </span>
                  ) : (
                    formatWhen(l.lastUpdate)
                  )}
                </td>
                <td className="actions">
                  {l.source.type !== 'text' ? (
                    <button type="button" onClick={() => void refreshBlocklists(l.id)} aria-label={`Refresh ${l.name}`}>
                      Refresh
                    </button>
                  ) : (
                    <button
                      type="button"
                      aria-expanded={editing === l.id}
                      onClick={() => setEditing(editing === l.id ? null : l.id)}
                      aria-label={`Edit ${l.name}`}
                    >
                      Edit
                    </button>
                  )}
                  <button type="button" onClick={() => void removeBlocklist(l.id)} aria-label={`Remove ${l.name}`}>
                    Remove
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}

/** The lines a list could not use, with why: opened in place, not hidden in a tooltip. */
function SkippedLines({ list }: { list: BlocklistInfo }) {
  const shown = list.skippedLines.length;
  return (
    <details className="skipped-lines">
      <summary>{formatCount(list.skipped)} lines skipped</summary>
      <ul className="skipped-list">
        {list.skippedLines.map((s) => (
          <li key={s.line}>
            <span className="num">Line {s.line}</span> <code>{s.text}</code> — {s.reason}
          </li>
        ))}
      </ul>
      {list.skipped > shown && (
        <p className="quiet">
          The first {formatCount(shown)} of {formatCount(list.skipped)} are shown.
        </p>
      )}
    </details>
  );
}
