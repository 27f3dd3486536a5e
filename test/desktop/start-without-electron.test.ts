import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { electronBinary, FETCH_COMMAND, missingElectronMessage } from '../../build/electron-binary.mjs';
import { ROOT } from './shell-harness.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'veil-electron-pkg-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('npm start without the Electron binary', () => {
  it('finds the binary only where electron would run it from', () => {
    const pkg = tempDir();
    expect(electronBinary(pkg, {})).toBeNull();
    writeFileSync(join(pkg, 'path.txt'), 'electron');
    expect(electronBinary(pkg, {})).toBeNull();
    mkdirSync(join(pkg, 'dist'));
    writeFileSync(join(pkg, 'dist', 'electron'), '');
    expect(electronBinary(pkg, {})).toBe(join(pkg, 'dist', 'electron'));
    const override = tempDir();
    expect(electronBinary(pkg, { ELECTRON_OVERRIDE_DIST_PATH: override })).toBeNull();
    writeFileSync(join(override, 'electron'), '');
    expect(electronBinary(pkg, { ELECTRON_OVERRIDE_DIST_PATH: override })).toBe(join(override, 'electron'));
  });

  it('prints one line naming what is missing, the command that fetches it and `npm run serve`; no stack trace', () => {
    // An empty dist folder plays the machine without the download (electron's own override variable).
    const res = spawnSync('npm', ['start'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: tempDir() },
      timeout: 30_000,
    });
    expect(res.status).toBe(1);
    const ours = res.stderr.split('\n').filter((l) => l.startsWith('Veil: '));
    expect(ours).toEqual([missingElectronMessage()]);
    expect(ours[0]).toContain(FETCH_COMMAND);
    expect(FETCH_COMMAND).toBe('node node_modules/electron/install.js');
    expect(ours[0]).toContain('npm run serve');
    expect(`${res.stdout}${res.stderr}`).not.toMatch(/^\s+at /m);
    expect(`${res.stdout}${res.stderr}`).not.toMatch(/Downloading Electron|Electron failed to install/);
    // It stopped before building: nothing past the check ran.
    expect(res.stdout).not.toContain('> veil@0.1.0 build');
  });
});
