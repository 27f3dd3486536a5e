import { chmod, mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { defaultConfigDir } from './config-paths.js';

/** Files that may hold credentials (settings, their backups, the audit log) are readable by their owner only. */
export const PRIVATE_FILE_MODE = 0o600;
/** …in a directory only their owner can list. */
export const PRIVATE_DIR_MODE = 0o700;

/**
 * Makes sure `dir` exists; directories it creates are 0700. An existing directory is tightened to 0700 only
 * when it is Veil's own config directory: a directory the user named (`--config ./veil.json`) may be
 * shared with other things, and changing its mode behind their back would be worse than leaving it.
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (process.platform !== 'win32' && resolve(dir) === resolve(defaultConfigDir())) {
    await chmod(dir, PRIVATE_DIR_MODE);
  }
}

/** Writes atomically with mode 0600, also when replacing a file that had wider permissions. */
export async function writePrivateFile(path: string, data: string | Buffer): Promise<void> {
  await writeFileAtomic(path, data, { mode: PRIVATE_FILE_MODE });
}
