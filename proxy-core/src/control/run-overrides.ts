import { InvalidOverridesError } from './listen-failure.js';
import { mergeSettings, validateSettings } from './settings-merge.js';
import type { Settings, SettingsPatch } from './settings-schema.js';

type Held = Record<string, Record<string, unknown>>;

/**
 * This run's flag overrides (`veil serve --port …`): laid over the stored settings, never written to the
 * file; a field the user later changes on purpose (UI, tray) is released from them.
 */
export class RunOverrides {
  private readonly held: Held;

  constructor(initial: SettingsPatch) {
    this.held = structuredClone(initial as Held);
  }

  /** The settings with the flags laid over them; throws InvalidOverridesError when the flags make them invalid. */
  over(s: Settings): Settings {
    if (Object.keys(this.held).length === 0) return s;
    const merged = validateSettings(mergeSettings(s, this.held));
    if (!merged.ok) throw new InvalidOverridesError(merged.errors);
    return merged.settings;
  }

  /**
   * Reconciles a patch with the flags: a flag-held field echoed back unchanged (whole-section patches do that)
   * is left out, so the flag's value is never written to the file; a flag-held field changed on purpose takes
   * the new value, and the flag stops holding it once `release` is called.
   */
  reconcile(
    patch: Record<string, unknown>,
    current: Settings | null,
  ): {
    patch: Record<string, unknown>;
    /** Drops the released fields from the flags; returns the undo, for a change that could not take effect. */
    release: () => () => void;
  } {
    const out: Record<string, unknown> = { ...patch };
    const released: Array<[Record<string, unknown>, string]> = [];
    const now = current as Record<string, unknown> | null;
    for (const [section, value] of Object.entries(patch)) {
      const held = this.held[section];
      if (!held || typeof value !== 'object' || value === null || Array.isArray(value)) continue;
      const fields: Record<string, unknown> = { ...(value as Record<string, unknown>) };
      const running = (now?.[section] ?? {}) as Record<string, unknown>;
      for (const field of Object.keys(held)) {
        if (!(field in fields)) continue;
        if (JSON.stringify(fields[field]) === JSON.stringify(running[field])) delete fields[field];
        else released.push([held, field]);
      }
      out[section] = fields;
    }
    return {
      patch: out,
      release: () => {
        const values = released.map(([held, field]) => [held, field, held[field]] as const);
        for (const [held, field] of released) delete held[field];
        return () => {
          for (const [held, field, value] of values) held[field] = value;
        };
      },
    };
  }
}
