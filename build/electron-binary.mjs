// Finds the Electron binary the way node_modules/electron/index.js does, without requiring that module:
// requiring it starts a download, which fails with a stack trace on a machine that cannot reach the
// internet. Used by `npm start` (check-electron.mjs) and the Playwright _electron suite.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The one command that fetches the binary into node_modules/electron. */
export const FETCH_COMMAND = 'node node_modules/electron/install.js';

/** The Electron package folder, or null when electron is not installed at all. */
function electronPackageDir() {
  try {
    return dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return null;
  }
}

/**
 * The path of the Electron executable, or null when it has not been downloaded. Honours
 * ELECTRON_OVERRIDE_DIST_PATH as electron's own index.js does.
 */
export function electronBinary(packageDir = electronPackageDir(), env = process.env) {
  if (!packageDir) return null;
  const pathFile = join(packageDir, 'path.txt');
  const rel = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  if (!override && !rel) return null;
  const path = override ? join(override, rel || 'electron') : join(packageDir, 'dist', rel);
  return existsSync(path) ? path : null;
}

/** What `npm start` prints when the binary is missing: what, the fix, and the browser alternative. */
export function missingElectronMessage() {
  return (
    'Veil: the Electron binary is not installed (node_modules/electron came without its download); ' +
    `fetch it with \`${FETCH_COMMAND}\`, or run \`npm run serve\` for the same UI in a browser.`
  );
}
