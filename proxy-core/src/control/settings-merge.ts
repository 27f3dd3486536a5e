import type { FieldError } from './contract.js';
import { fieldMessage } from './field-words.js';
import { type Settings, settingsSchema } from './settings-schema.js';

/** Merges a patch into settings: sections merge field by field, arrays and scalars replace. */
export function mergeSettings(base: Settings, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const current = (base as Record<string, unknown>)[key];
    if (isPlainObject(current) && isPlainObject(value)) out[key] = { ...current, ...value };
    else out[key] = value;
  }
  return out;
}

/** Validates a whole document; field errors name their settings path. */
export function validateSettings(doc: unknown): { ok: true; settings: Settings } | { ok: false; errors: FieldError[] } {
  const parsed = settingsSchema.safeParse(doc);
  if (parsed.success) return { ok: true, settings: parsed.data };
  return {
    ok: false,
    errors: parsed.error.issues.map((issue) => ({
      path: issue.path.join('.'),
      message: fieldMessage(settingsSchema, issue),
    })),
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
