import { useEffect, useRef, useState } from 'react';
import type { LineError } from '../../../../proxy-core/src/control/contract.js';
import { errorMessage } from '../../bridge/bridge.js';
import { checkUserRules, saveUserRules } from '../../store/blocklist-actions.js';
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

/** How long typing pauses before the rules are checked with the service. */
const CHECK_DELAY_MS = 250;

/** Service line numbers (of non-empty lines) back to the lines the user sees. */
function remap(errs: LineError[], lineOf: number[]): LineError[] {
  return errs.map((e) => ({ ...e, line: lineOf[e.line - 1] ?? e.line }));
}

/**
 * The user's own block and allow rules, saved together. Each line is checked as it is typed and a bad one
 * is marked where it is, with why beside the box; nothing is saved while a line is wrong.
 */
export function UserRulesEditor() {
  const savedBlock = useVeil((s) => s.settings?.blocklists.userBlock.join('\n'));
  const savedAllow = useVeil((s) => s.settings?.blocklists.userAllow.join('\n'));
  const [block, setBlock] = useState(savedBlock ?? '');
  const [allow, setAllow] = useState(savedAllow ?? '');
  const [touched, setTouched] = useState(false);
  const [errors, setErrors] = useState<{ block: LineError[]; allow: LineError[] }>({ block: [], allow: [] });
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const seq = useRef(0);

  useEffect(() => {
    if (!touched) {
      setBlock(savedBlock ?? '');
      setAllow(savedAllow ?? '');
    }
  }, [savedBlock, savedAllow, touched]);
  useEffect(() => () => clearTimeout(timer.current), []);

  const check = (nextBlock: string, nextAllow: string) => {
    clearTimeout(timer.current);
    timer.current = setTimeout(async () => {
      const mine = ++seq.current;
      const b = rulesOf(nextBlock);
      const a = rulesOf(nextAllow);
      try {
        const result = await checkUserRules(b.rules, a.rules);
        if (mine !== seq.current) return;
        setErrors(
          result.ok
            ? { block: [], allow: [] }
            : { block: remap(result.block, b.lineOf), allow: remap(result.allow, a.lineOf) },
        );
      } catch (err) {
        if (mine === seq.current) setMessage({ ok: false, text: `Could not check the rules: ${errorMessage(err)}` });
      }
    }, CHECK_DELAY_MS);
  };

  const edit = (which: 'block' | 'allow', text: string) => {
    if (which === 'block') setBlock(text);
    else setAllow(text);
    setTouched(true);
    // an old "Saved …" would describe rules that are no longer what the boxes hold
    setMessage(null);
    check(which === 'block' ? text : block, which === 'allow' ? text : allow);
  };

  const save = async () => {
    clearTimeout(timer.current);
    seq.current++;
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
        setErrors({ block: remap(result.block, b.lineOf), allow: remap(result.allow, a.lineOf) });
        setMessage({ ok: false, text: 'Nothing was saved: fix the marked lines.' });
      }
    } catch (err) {
      setMessage({ ok: false, text: `Could not save: ${errorMessage(err)}` });
    } finally {
      setBusy(false);
    }
  };

  const bad = errors.block.length + errors.allow.length;
  return (
    <section className="card" aria-labelledby="user-rules-h">
      <h2 id="user-rules-h">Your rules</h2>
      <p className="quiet">
        One rule per line: <code>ads.example.com</code>, <code>||tracker.example^</code>, or a hosts line. Allow rules
        win over every block rule.
      </p>
      <div className="two-columns">
        <RulesBox label="Block" value={block} errors={errors.block} onChange={(v) => edit('block', v)} />
        <RulesBox label="Allow" value={allow} errors={errors.allow} onChange={(v) => edit('allow', v)} />
      </div>
      <div className="section-actions">
        <button type="button" className="primary" disabled={busy || !touched || bad > 0} onClick={() => void save()}>
          {busy ? 'Saving…' : 'Save rules'}
        </button>
        {bad > 0 && !message && (
          <span className="field-error">
            {bad === 1 ? 'One line is' : `${bad} lines are`} marked: fix {bad === 1 ? 'it' : 'them'} to save.
          </span>
        )}
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
  const gutter = useRef<HTMLDivElement>(null);
  const lines = value.split('\n').length;
  const badLines = new Map(errors.map((e) => [e.line, e.message]));
  return (
    <div className={`field${errors.length ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <div className="rules-box">
        {/* line numbers with the bad ones marked, scrolled with the text; the list below says the same in words */}
        <div className="rules-gutter mono" ref={gutter} aria-hidden="true">
          {Array.from({ length: Math.max(lines, 8) }, (_, i) => {
            const n = i + 1;
            const why = badLines.get(n);
            return (
              <div key={n} className={why ? 'gutter-line bad' : 'gutter-line'} title={why} data-line={n}>
                {n <= lines ? n : ''}
              </div>
            );
          })}
        </div>
        <textarea
          id={id}
          rows={8}
          wrap="off"
          className="mono"
          spellCheck={false}
          aria-invalid={errors.length > 0}
          aria-describedby={errors.length ? `${id}-errors` : undefined}
          value={value}
          onScroll={(e) => {
            if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop;
          }}
          onChange={(e) => onChange(e.target.value)}
        />
      </div>
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
