import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

async function isNssDb(dir: string): Promise<boolean> {
  // sql: databases only; the legacy dbm format (cert8.db) is read-only to modern browsers' certutil
  return stat(join(dir, 'cert9.db')).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function profilesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => join(dir, e.name));
}

/**
 * The user's NSS databases that exist: Chromium's and other NSS apps' shared ones, Firefox
 * profiles (also the snap and flatpak ones), the Chromium snap's.
 */
export async function findNssDatabases(home: string): Promise<string[]> {
  const candidates = [
    join(home, '.pki', 'nssdb'),
    join(home, '.local', 'share', 'pki', 'nssdb'),
    join(home, 'snap', 'chromium', 'current', '.pki', 'nssdb'),
  ];
  for (const firefox of [
    join(home, '.mozilla', 'firefox'),
    join(home, 'snap', 'firefox', 'common', '.mozilla', 'firefox'),
    join(home, '.var', 'app', 'org.mozilla.firefox', '.mozilla', 'firefox'),
  ]) {
    candidates.push(...(await profilesUnder(firefox)));
  }
  const found: string[] = [];
  for (const dir of candidates) if (await isNssDb(dir)) found.push(dir);
  return found;
}
