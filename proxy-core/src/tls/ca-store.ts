import { chmod, mkdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { type CertificateAuthority, generateCa, loadCa } from './certificate-authority.js';

const CERT_FILE = 'ca-cert.pem';
const KEY_FILE = 'ca-key.pem';

/** Where the CA lives: `<config dir>/ca/` (0700), the key 0600 inside it. */
export function caDir(configDir: string): string {
  return join(configDir, 'ca');
}

/** The CA certificate's file (public; what trust stores import). */
export function caCertPath(configDir: string): string {
  return join(caDir(configDir), CERT_FILE);
}

/** A CA file that cannot be used as it is; the message names the file and the fix. */
export class CaStoreError extends Error {
  override name = 'CaStoreError';
}

const checksPermissions = process.platform !== 'win32';

async function readKey(path: string): Promise<string> {
  if (checksPermissions) {
    const s = await stat(path);
    // a key others can read is a key others can use to impersonate every site to this user
    if (s.mode & 0o077) {
      throw new CaStoreError(
        `${path} is readable by other users (mode ${(s.mode & 0o777).toString(8)}): run \`chmod 600 ${path}\`, or \`veil ca regenerate\` if it may have been copied.`,
      );
    }
  }
  return readFile(path, 'utf8');
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return false;
      throw err;
    },
  );
}

/** Writes a fresh CA: the directory 0700, the key 0600, each file replaced atomically (key first). */
async function writeNew(configDir: string): Promise<void> {
  const dir = caDir(configDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (checksPermissions) await chmod(dir, 0o700);
  const generated = await generateCa();
  await writeFileAtomic(join(dir, KEY_FILE), generated.keyPem, { mode: 0o600 });
  await writeFileAtomic(join(dir, CERT_FILE), generated.certPem, { mode: 0o644 });
}

/** The CA on disk: loaded, or generated first when there is none. */
export interface CaStore {
  /** Loads the CA, generating it on first need. */
  load(): Promise<CertificateAuthority>;
  /** Loads the CA if one exists, without creating it. */
  existing(): Promise<CertificateAuthority | null>;
  /** Replaces the CA with a new one (the old key is gone; clients must trust the new CA). */
  regenerate(): Promise<CertificateAuthority>;
  /** Deletes the CA key and certificate. */
  remove(): Promise<void>;
  readonly certPath: string;
}

/** The CA store for one config directory. */
export function createCaStore(configDir: string): CaStore {
  const dir = caDir(configDir);
  const keyPath = join(dir, KEY_FILE);
  const certPath = join(dir, CERT_FILE);
  const read = async (): Promise<CertificateAuthority | null> => {
    if (!(await exists(keyPath)) || !(await exists(certPath))) return null;
    const keyPem = await readKey(keyPath);
    const certPem = await readFile(certPath, 'utf8');
    try {
      return await loadCa(certPem, keyPem);
    } catch (err) {
      throw new CaStoreError(
        `The CA in ${dir} cannot be used (${(err as Error).message}): run \`veil ca regenerate\`.`,
      );
    }
  };
  let creating: Promise<CertificateAuthority> | null = null;
  return {
    certPath,
    existing: read,
    async load() {
      const found = await read();
      if (found) return found;
      // one generation per process even if several callers ask at once
      creating ??= writeNew(configDir)
        .then(read)
        .then((ca) => {
          if (!ca) throw new CaStoreError(`The CA written to ${dir} could not be read back.`);
          return ca;
        })
        .finally(() => {
          creating = null;
        });
      return creating;
    },
    async regenerate() {
      await writeNew(configDir);
      const ca = await read();
      if (!ca) throw new CaStoreError(`The CA written to ${dir} could not be read back.`);
      return ca;
    },
    async remove() {
      for (const p of [keyPath, certPath]) await unlink(p).catch(() => undefined);
    },
  };
}
