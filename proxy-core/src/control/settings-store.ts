import { readFile } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';
import type { Notice } from './contract.js';
import { validateSettings } from './settings-merge.js';
import { defaultSettings, type Settings } from './settings-schema.js';

/** Where the settings document lives. */
export interface SettingsStore {
  /** Reads the document; problems found on the way come back as notices, never as a throw. */
  load(): Promise<{ settings: Settings; notices: Array<Omit<Notice, 'id' | 'at'>> }>;
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

/** A JSON file, written atomically. */
export function createFileStore(path: string): SettingsStore {
  return {
    location: path,
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { settings: defaultSettings(), notices: [] };
        throw err;
      }
      const result = validateSettings(JSON.parse(text));
      if (!result.ok) throw new Error(`${path}: ${result.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
      return { settings: result.settings, notices: [] };
    },
    async save(settings) {
      await writeFileAtomic(path, `${JSON.stringify(settings, null, 2)}\n`);
    },
  };
}
