import { useCallback, useEffect, useRef, useState } from 'react';
import type { FieldError, Settings } from '../../../proxy-core/src/control/contract.js';
import { errorMessage } from '../bridge/bridge.js';
import { updateSettings, validateSettings } from '../store/settings-actions.js';
import { useVeil } from '../store/store.js';

type Section = Exclude<keyof Settings, 'version'>;

/** How long typing pauses before the draft is checked with the service. */
/** How long typing pauses before a field is checked with the service's rules. */
export const VALIDATE_DELAY_MS = 250;

/** The parts of a form its Save/Discard bar needs. */
export interface FormControls {
  dirty: boolean;
  saving: boolean;
  /** A field is wrong: Save waits until it is fixed (Save itself runs the same checks). */
  blocked: boolean;
  /** A failure that belongs to no field (lost connection…). */
  formError: string | null;
  saved: boolean;
  save(): Promise<boolean>;
  discard(): void;
}

export interface SectionForm<S extends Section> extends FormControls {
  /** The value to show: the draft if edited, else the saved one. */
  value<K extends keyof Settings[S]>(key: K): Settings[S][K];
  set<K extends keyof Settings[S]>(key: K, value: Settings[S][K] | string): void;
  /** The message for `section.key`, from checking or saving. */
  error(key: keyof Settings[S] & string): string | undefined;
}

function byPath(errors: FieldError[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of errors) {
    out[e.path] ??= e.message;
    // `privacy.cookieAllowList.2` belongs to the cookieAllowList field: name the line there.
    const [section, key, index] = e.path.split('.');
    if (index !== undefined && /^\d+$/.test(index))
      out[`${section}.${key}`] ??= `Line ${Number(index) + 1}: ${e.message}`;
  }
  return out;
}

/**
 * A form over one settings section. Edits stay in a draft (never lost on an error), are checked with
 * `settings.validate` as the user types, and saved with `settings.update`; field errors land by path.
 */
export function useSectionForm<S extends Section>(section: S): SectionForm<S> {
  const saved = useVeil((s) => s.settings?.[section]) as Settings[S] | undefined;
  const [draft, setDraft] = useState<Record<string, unknown>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saving, setSaving] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const [justSaved, setJustSaved] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const checkSeq = useRef(0);

  useEffect(() => () => clearTimeout(timer.current), []);

  const check = useCallback(
    (next: Record<string, unknown>) => {
      clearTimeout(timer.current);
      if (!Object.keys(next).length) {
        setErrors({});
        return;
      }
      timer.current = setTimeout(async () => {
        const seq = ++checkSeq.current;
        try {
          const result = await validateSettings({ [section]: next });
          if (seq !== checkSeq.current) return;
          setErrors(result.ok ? {} : byPath(result.errors));
          setFormError(null);
        } catch (err) {
          if (seq === checkSeq.current) setFormError(errorMessage(err));
        }
      }, VALIDATE_DELAY_MS);
    },
    [section],
  );

  return {
    value: (key) =>
      (Object.hasOwn(draft, key as string) ? draft[key as string] : saved?.[key]) as Settings[S][typeof key],
    set: (key, value) => {
      const next = { ...draft, [key as string]: value };
      setDraft(next);
      setJustSaved(false);
      check(next);
    },
    error: (key) => errors[`${section}.${key}`],
    dirty: Object.keys(draft).length > 0,
    saving,
    blocked: Object.keys(errors).length > 0,
    formError,
    saved: justSaved,
    async save() {
      clearTimeout(timer.current);
      checkSeq.current++;
      setSaving(true);
      setFormError(null);
      try {
        const result = await updateSettings({ [section]: draft });
        if (!result.ok) {
          setErrors(byPath(result.errors));
          const unplaced = result.errors.filter((e) => !e.path.startsWith(`${section}.`));
          if (unplaced.length) setFormError(unplaced.map((e) => `${e.path}: ${e.message}`).join('; '));
          return false;
        }
        setDraft({});
        setErrors({});
        setJustSaved(true);
        return true;
      } catch (err) {
        setFormError(errorMessage(err));
        return false;
      } finally {
        setSaving(false);
      }
    },
    discard() {
      clearTimeout(timer.current);
      checkSeq.current++;
      setDraft({});
      setErrors({});
      setFormError(null);
    },
  };
}

/** "a\nb\n\n" → ["a", "b"]: list fields are edited one item per line. */
export function linesOf(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

/** A number input's text as a number when it is one, else the text (so the service names the problem). */
export function numberOrText(text: string): number | string {
  return text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
}
