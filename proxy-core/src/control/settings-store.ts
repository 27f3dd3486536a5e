import { readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ensurePrivateDir, writePrivateFile } from '../private-files.js';
import { serialQueue } from '../serial-queue.js';
import type { FieldError, Notice } from './contract.js';
import { validateSettings } from './settings-merge.js';
import { migrateSettings } from './settings-migrations.js';
import { repairSettings, shownDefault } from './settings-repair.js';
import { defaultSettings, SETTINGS_VERSION, type Settings, settingsSchema } from './settings-schema.js';

export type StoreNotice = Omit<Notice, 'id' | 'at'>;

/** Where the settings document lives. */
export interface SettingsStore {
  /** Reads the document; problems found on the way come back as notices, never as a throw. */
  load(): Promise<{ settings: Settings; notices: StoreNotice[] }>;
  /** Writes the document; calls are serialized, each one atomic. */
  save(settings: Settings): Promise<void>;
  /** Shown to the user (e.g. in `veil serve` output). */
  readonly location: string;
}

/** Settings that live only as long as the process (tests, `--config` absent in some tools). */
export function createMemoryStore(initial: Settings = defaultSettings()): SettingsStore {
  let current = initial;
  return {
    location: '(memory)',
    async load() {
      return { settings: current, notices: [] };
    },
    async save(settings) {
      current = settings;
    },
  };
}

type Reading =
  | {
      ok: true;
      settings: Settings;
      from: number;
      text: string;
      unknown: string[];
      /** Fields that were invalid and fell back to their defaults. */
      repaired: FieldError[];
    }
  | { ok: false; error: string };

/**
 * A JSON file, written atomically (write-file-atomic: temp file, fsync, rename), 0600 in a 0700 directory
 * like every copy of it (it may hold proxy credentials). Before each write the previous
 * good document goes to `<path>.bak`. A file that does not parse, migrate or validate is moved to
 * `<path>.corrupt-<timestamp>` and Veil starts on the backup, or on defaults when the backup is bad too; a file
 * that parses but has invalid fields keeps every valid one (the invalid ones fall back to their defaults, each
 * named in a notice) and is copied to `<path>.corrupt-<timestamp>` as it was.
 * A file migrated from an older version is first copied to `<path>.v<N>`. A file edited by hand while Veil
 * runs is copied to `<path>.external-<timestamp>` before Veil's next save replaces it.
 */
export function createFileStore(path: string): SettingsStore {
  const backupPath = `${path}.bak`;
  /** The last document known good on disk: what goes to the backup on the next save. */
  let lastGood: string | null = null;
  /** Serializes every write to the files so a backup and its document never interleave. */
  const serialized = serialQueue();

  async function saveNow(settings: Settings): Promise<void> {
    const text = serialize(settings);
    await ensurePrivateDir(dirname(path));
    // someone edited the file by hand while Veil ran: keep their version instead of writing over it
    const onDisk = await readFile(path, 'utf8').catch(() => null);
    if (onDisk !== null && lastGood !== null && onDisk !== lastGood && onDisk !== text) {
      await writePrivateFile(`${path}.external-${stamp()}`, onDisk);
    }
    if (lastGood !== null && lastGood !== text) await writePrivateFile(backupPath, lastGood);
    await writePrivateFile(path, text);
    lastGood = text;
  }

  return {
    location: path,
    load: () =>
      serialized(async () => {
        const notices: StoreNotice[] = [];
        const main = await readSettings(path);
        if (main === null) return { settings: defaultSettings(), notices };
        if (main.ok) {
          if (main.unknown.length) {
            notices.push({
              level: 'warning',
              code: 'SETTINGS_UNKNOWN_FIELDS',
              message: `The settings file has fields Veil does not know, which are ignored: ${main.unknown.join(', ')}.`,
              action: `Check them for typos in ${path}. The next change saved from Veil drops them (the file before it is kept as ${path}.bak).`,
            });
          }
          if (main.repaired.length) {
            // the file as written stays whole beside the repaired one; every valid field stays in use
            const aside = `${path}.corrupt-${stamp()}`;
            await writePrivateFile(aside, main.text);
            for (const p of main.repaired) {
              notices.push({
                level: 'warning',
                code: 'SETTINGS_FIELD_INVALID',
                message: `Settings file: ${p.path} is invalid (${p.message.replace(/\.$/, '')}); using ${shownDefault(main.settings, p.path)}.`,
              });
            }
            notices.push({
              level: 'info',
              code: 'SETTINGS_REPAIRED',
              message: `Every other setting in ${path} is in use; the file as it was is kept as ${aside}.`,
            });
            lastGood = null;
            await saveNow(main.settings);
            return { settings: main.settings, notices };
          }
          if (main.from < SETTINGS_VERSION) {
            await writePrivateFile(`${path}.v${main.from}`, await readFile(path, 'utf8'));
            notices.push({
              level: 'info',
              code: 'SETTINGS_MIGRATED',
              message: `Settings were upgraded from version ${main.from}; the old file is kept as ${path}.v${main.from}.`,
            });
            lastGood = null;
            await saveNow(main.settings);
          } else {
            lastGood = main.text;
          }
          return { settings: main.settings, notices };
        }
        const aside = `${path}.corrupt-${stamp()}`;
        await rename(path, aside);
        const backup = await readSettings(backupPath);
        if (backup?.ok) {
          lastGood = null;
          await saveNow(backup.settings);
          notices.push({
            level: 'warning',
            code: 'SETTINGS_RECOVERED',
            message: `The settings file could not be used (${main.error}). Veil started on the last good copy.`,
            action: `The unusable file is kept as ${aside}; fix it and copy it back, or keep the restored settings.`,
          });
          return { settings: backup.settings, notices };
        }
        notices.push({
          level: 'warning',
          code: 'SETTINGS_RESET',
          message: `The settings file could not be used (${main.error}) and there is no good backup. Veil started on defaults.`,
          action: `The unusable file is kept as ${aside}; fix it and copy it back over ${path}.`,
        });
        return { settings: defaultSettings(), notices };
      }),
    save: (settings) => serialized(() => saveNow(settings)),
  };
}

/** A timestamp usable in file names on every platform (no colons). */
function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}

/** The document as Veil writes it: stable key order, two-space indent, final newline. */
export function serialize(settings: Settings): string {
  return `${JSON.stringify(settings, null, 2)}\n`;
}

/** Reads, parses, migrates and validates one file; null when it does not exist. */
async function readSettings(file: string): Promise<Reading | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    // unreadable is not corrupt: moving it aside or writing over it could lose a good file
    throw new Error(`Cannot read the settings file ${file}: ${(err as Error).message}. Check its permissions.`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    return { ok: false, error: `not valid JSON: ${(err as Error).message}` };
  }
  const migrated = migrateSettings(doc);
  if (!migrated.ok) return { ok: false, error: migrated.error };
  const unknown = unknownFields(migrated.doc);
  const result = validateSettings(migrated.doc);
  if (result.ok) return { ok: true, settings: result.settings, from: migrated.from, text, unknown, repaired: [] };
  const repaired = repairSettings(migrated.doc);
  if (!repaired) {
    return { ok: false, error: result.errors.map((e) => `${e.path || '(document)'}: ${e.message}`).join('; ') };
  }
  return { ok: true, settings: repaired.settings, from: migrated.from, text, unknown, repaired: repaired.problems };
}

/** Fields the schema does not know (typos, or from another program): zod drops them, so the user is told. */
function unknownFields(doc: Record<string, unknown>): string[] {
  const shape = settingsSchema.shape as Record<string, unknown>;
  const out: string[] = [];
  for (const [key, value] of Object.entries(doc)) {
    if (!Object.hasOwn(shape, key)) {
      out.push(key);
      continue;
    }
    const section = sectionKeys(shape[key]);
    if (!section || typeof value !== 'object' || value === null || Array.isArray(value)) continue;
    for (const field of Object.keys(value)) if (!section.has(field)) out.push(`${key}.${field}`);
  }
  return out;
}

/** The field names of a settings section (unwrapping its default), or null for a scalar. */
function sectionKeys(schema: unknown): Set<string> | null {
  let s = schema as {
    shape?: Record<string, unknown>;
    unwrap?: () => unknown;
    def?: { innerType?: unknown; in?: unknown };
  };
  for (let i = 0; i < 4 && s && !s.shape; i++) {
    s = (s.def?.innerType ?? s.def?.in ?? s.unwrap?.()) as typeof s;
  }
  return s?.shape ? new Set(Object.keys(s.shape)) : null;
}
