import { useEffect, useState } from 'react';
import type { LineError } from '../../../../proxy-core/src/control/contract.js';
import { errorMessage } from '../../bridge/bridge.js';
import { saveUserRules } from '../../store/blocklist-actions.js';
import { useVeil } from '../../store/store.js';

/** Non-empty lines with their 1-based line number in the text, so errors point at what the user sees. */
function rulesOf(text: string): { rules: string[]; lineOf: number[] } {
  const rules: string[] = [];
  const lineOf: number[] = [];
  text.split('\n').forEach((l, i) => {
    if (l.trim()) {
      rules.push(l.trim());
      lineOf.push(i + 1);
    }
  });
  return { rules, lineOf };
}

/** The user's own block and allow rules, saved together; a bad line is named and nothing is lost. */
export function UserRulesEditor() {
  const savedBlock = useVeil((s) => s.settings?.blocklists.userBlock.join('\n'));
  const savedAllow = useVeil((s) => s.settings?.blocklists.userAllow.join('\n'));
  const [block, setBlock] = useState(savedBlock ?? '');
  const [allow, setAllow] = useState(savedAllow ?? '');
  const [touched, setTouched] = useState(false);
  const [errors, setErrors] = useState<{ block: LineError[]; allow: LineError[] }>({ block: [], allow: [] });
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!touched) {
      setBlock(savedBlock ?? '');
      setAllow(savedAllow ?? '');
    }
  }, [savedBlock, savedAllow, touched]);

  const save = async () => {
    const b = rulesOf(block);
    const a = rulesOf(allow);
    setBusy(true);
    setMessage(null);
    try {
      const result = await saveUserRules(b.rules, a.rules);
      if (result.ok) {
        setErrors({ block: [], allow: [] });
        setTouched(false);
        setMessage({ ok: true, text: `Saved ${b.rules.length} block and ${a.rules.length} allow rules.` });
      } else {
        const remap = (errs: LineError[], lineOf: number[]) =>
          errs.map((e) => ({ ...e, line: lineOf[e.line - 1] ?? e.line }));
        setErrors({ block: remap(result.block, b.lineOf), allow: remap(result.allow, a.lineOf) });
        setMessage({ ok: false, text: 'Nothing was saved: fix the lines marked below.' });
      }
    } catch (err) {
      setMessage({ ok: false, text: `Could not save: ${errorMessage(err)}` });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="user-rules-h">
      <h2 id="user-rules-h">Your rules</h2>
      <p className="quiet">
        One rule per line: <code>ads.example.com</code>, <code>||tracker.example^</code>, or a hosts line. Allow rules
        win over every block rule.
      </p>
      <div className="two-columns">
        <RulesBox
          label="Block"
          value={block}
          errors={errors.block}
          onChange={(v) => {
            setBlock(v);
            setTouched(true);
          }}
        />
        <RulesBox
          label="Allow"
          value={allow}
          errors={errors.allow}
          onChange={(v) => {
            setAllow(v);
            setTouched(true);
          }}
        />
      </div>
      <div className="section-actions">
        <button type="button" className="primary" disabled={busy || !touched} onClick={() => void save()}>
          {busy ? 'Saving…' : 'Save rules'}
        </button>
        {message && (
          <span className={message.ok ? 'field-ok' : 'field-error'} role={message.ok ? 'status' : 'alert'}>
            {message.text}
          </span>
        )}
      </div>
    </section>
  );
}

function RulesBox({
  label,
  value,
  errors,
  onChange,
}: {
  label: string;
  value: string;
  errors: LineError[];
  onChange: (v: string) => void;
}) {
  const id = `rules-${label.toLowerCase()}`;
  return (
    <div className={`field${errors.length ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        rows={8}
        className="mono"
        spellCheck={false}
        aria-invalid={errors.length > 0}
        aria-describedby={errors.length ? `${id}-errors` : undefined}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
      {errors.length > 0 && (
        <ul className="line-errors" id={`${id}-errors`}>
          {errors.map((e) => (
            <li key={`${e.line}-${e.message}`} className="field-error">
              Line {e.line}: {e.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
