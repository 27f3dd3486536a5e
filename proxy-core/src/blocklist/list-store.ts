import { createHash } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { SkippedLine } from './rule.js';

/** What Veil remembers about a list's last download and parse. */
export interface StoredMeta {
  etag: string | null;
  lastModified: string | null;
  /** When the content last changed or was confirmed unchanged (ms since epoch). */
  lastUpdate: number | null;
  /** When Veil last tried to update it, successfully or not. */
  lastAttempt: number | null;
  lastError: string | null;
  format: string;
  rules: number;
  skipped: number;
  skippedLines: SkippedLine[];
}

/** List contents and their metadata under `<dataDir>/blocklists`, each file written atomically. */
export class ListStore {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'blocklists');
  }

  /** The stored copy of a list, or null when there is none. */
  async readText(id: string): Promise<string | null> {
    return readOrNull(this.path(id, 'txt'));
  }

  async readMeta(id: string): Promise<StoredMeta | null> {
    const text = await readOrNull(this.path(id, 'json'));
    if (text === null) return null;
    try {
      return JSON.parse(text) as StoredMeta;
    } catch {
      return null; // a damaged meta file only costs one unconditional download
    }
  }

  async writeText(id: string, text: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(this.path(id, 'txt'), text);
  }

  async writeMeta(id: string, meta: StoredMeta): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(this.path(id, 'json'), `${JSON.stringify(meta, null, 2)}\n`);
  }

  async remove(id: string): Promise<void> {
    await rm(this.path(id, 'txt'), { force: true });
    await rm(this.path(id, 'json'), { force: true });
  }

  /** File name for a list id: readable, and safe whatever characters the id holds. */
  path(id: string, ext: 'txt' | 'json'): string {
    const safe = id.replace(/[^a-z0-9_-]/gi, '_').slice(0, 40);
    const digest = createHash('sha256').update(id).digest('hex').slice(0, 8);
    return join(this.dir, `${safe}-${digest}.${ext}`);
  }
}

async function readOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
