import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';

/** The web UI's port when `--ui` is given without `--ui-port`: the same every start, so a bookmark works. */
export const DEFAULT_UI_PORT = 8898;

/** What `veil ui-url` needs: the token the UI accepts and the port it was last served on. */
export interface UiAccess {
  token: string;
  port: number;
}

/** The file beside the settings (0600 in a 0700 directory): the token is the UI's only credential. */
export function uiAccessPath(dir: string): string {
  return join(dir, 'ui-access.json');
}

/** The UI's address for a browser. */
export function uiUrl(access: UiAccess): string {
  return `http://127.0.0.1:${access.port}/#token=${access.token}`;
}

function newToken(): string {
  return randomBytes(32).toString('base64url');
}

function parse(text: string): Partial<UiAccess> {
  try {
    const doc = JSON.parse(text) as Partial<UiAccess>;
    return {
      ...(typeof doc.token === 'string' && /^[A-Za-z0-9_-]{20,}$/.test(doc.token) ? { token: doc.token } : {}),
      ...(Number.isInteger(doc.port) && (doc.port as number) > 0 && (doc.port as number) < 65536
        ? { port: doc.port as number }
        : {}),
    };
  } catch {
    return {};
  }
}

/** The stored access, or what is missing of it filled in (a new token, the default port). */
export function readUiAccess(dir: string): { access: UiAccess; stored: boolean } {
  let text: string | null = null;
  try {
    text = readFileSync(uiAccessPath(dir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const doc = text === null ? {} : parse(text);
  return {
    access: { token: doc.token ?? newToken(), port: doc.port ?? DEFAULT_UI_PORT },
    stored: doc.token !== undefined,
  };
}

/** Writes the access file owner-only; the directory is made owner-only when Veil creates it. */
export async function writeUiAccess(dir: string, access: UiAccess): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = uiAccessPath(dir);
  await writeFileAtomic(path, `${JSON.stringify(access, null, 2)}\n`, { mode: 0o600 });
  // write-file-atomic keeps an existing file's mode: a file made by hand with 0644 is narrowed here
  await chmod(path, 0o600);
}

/** A new token: every tab opened with the old one is refused from its next connection on. */
export async function rotateUiToken(dir: string): Promise<UiAccess> {
  const { access } = readUiAccess(dir);
  const next = { ...access, token: newToken() };
  await writeUiAccess(dir, next);
  return next;
}

/**
 * The token as the file holds it now, for the UI server's checks: `veil ui-url --rotate` in another
 * terminal takes effect without a restart. Read again only when the file changed.
 */
export function liveToken(dir: string, initial: string): () => string {
  const path = uiAccessPath(dir);
  let seen = '';
  let token = initial;
  return () => {
    try {
      const st = statSync(path);
      const key = `${st.mtimeMs}:${st.size}:${st.ino}`;
      if (key !== seen) {
        seen = key;
        if ((st.mode & 0o077) !== 0) chmodSync(path, 0o600);
        token = parse(readFileSync(path, 'utf8')).token ?? token;
      }
    } catch {
      // the file was removed: the token in use stays until a new one is written
    }
    return token;
  };
}
