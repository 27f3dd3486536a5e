import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron, type ElectronApplication } from '@playwright/test';
import { electronBinary } from '../../build/electron-binary.mjs';

export const ROOT = join(import.meta.dirname, '..', '..');

/** The Electron binary, or null when node_modules/electron has no downloaded build (as on offline machines). */
export const binary = electronBinary();

export const SKIP_REASON =
  'the Electron binary is absent (node_modules/electron was installed without its download); ' +
  'on a machine with internet, `node node_modules/electron/install.js` fetches it';

/** A fresh XDG_CONFIG_HOME holding Veil's settings (port 0). */
export function freshHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'veil-electron-'));
  mkdirSync(join(home, 'veil'), { recursive: true });
  writeFileSync(join(home, 'veil', 'config.json'), JSON.stringify({ proxy: { port: 0 } }));
  return home;
}

/** The environment Veil runs with in the suite: its own config home, the E2E probes, no system proxy unless asked. */
export function veilEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...(process.env as Record<string, string>),
    XDG_CONFIG_HOME: home,
    VEIL_SYSTEM_PROXY: 'none',
    VEIL_E2E: '1',
    ...extra,
  };
}

/** Launches the built app from the repository. */
export function launchVeil(env: Record<string, string>, args: string[] = ['--show']): Promise<ElectronApplication> {
  return _electron.launch({ executablePath: binary!, args: [ROOT, ...args], env });
}

/** The main process's E2E probes (electron/shell.ts, VEIL_E2E=1): a tray is invisible to page automation. */
export interface VeilProbes {
  trayAlive(): boolean;
  trayMenu(): Array<{ label: string; checked: boolean }>;
  trayMenuLabels(): string[];
  clickTrayItem(label: string): void;
}
