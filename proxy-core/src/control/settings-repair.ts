import type { FieldError } from './contract.js';
import { validateSettings } from './settings-merge.js';
import type { Settings } from './settings-schema.js';

export interface Repaired {
  settings: Settings;
  /** Each field that fell back to its default, with why (one per problem). */
  problems: FieldError[];
}

/**
 * A document with invalid fields, minus those fields: every valid section and field is kept and only the
 * invalid ones fall back to their defaults (a bad port must not cost the user their profile and lists).
 * A field is `section.field`; an invalid list item drops the whole list, which is one setting. Null when
 * even the repaired document does not validate (it always does, since `{}` is valid).
 */
export function repairSettings(doc: Record<string, unknown>): Repaired | null {
  const work: Record<string, unknown> = structuredClone(doc);
  const problems: FieldError[] = [];
  // each round removes at least one field; a document has far fewer than 200 of them
  for (let round = 0; round < 200; round++) {
    const result = validateSettings(work);
    if (result.ok) return { settings: result.settings, problems };
    for (const e of result.errors) {
      const [section, field] = e.path.split('.');
      if (!section) return null;
      const value = work[section];
      const reported = field ? `${section}.${field}` : section;
      if (!problems.some((p) => p.path === reported)) problems.push({ path: reported, message: e.message });
      if (field && typeof value === 'object' && value !== null && !Array.isArray(value) && field in value) {
        delete (value as Record<string, unknown>)[field];
      } else {
        delete work[section];
      }
    }
  }
  return null;
}

/** What a field is now that it fell back: `8899`, `"127.0.0.1"`, `[]`. */
export function shownDefault(settings: Settings, path: string): string {
  const [section, field] = path.split('.');
  const s = (settings as Record<string, unknown>)[section ?? ''];
  const v = field ? (s as Record<string, unknown> | undefined)?.[field] : s;
  return v === undefined ? 'its default' : `the default, ${JSON.stringify(v)}`;
}
