import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A private GSettings store (keyfile backend in a temporary XDG_CONFIG_HOME) and helpers to read and write it. */
export interface GsettingsEnv {
  dir: string;
  env: NodeJS.ProcessEnv;
  get(schemaKey: string): string;
  set(schemaKey: string, value: string): void;
  cleanup(): void;
}

/** Creates the store; `schemaKey` is `schema key`, e.g. `org.gnome.system.proxy mode`. */
export function createGsettingsEnv(): GsettingsEnv {
  const dir = mkdtempSync(join(tmpdir(), 'veil-gsettings-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GSETTINGS_BACKEND: 'keyfile',
    XDG_CONFIG_HOME: dir,
    VEIL_SYSTEM_PROXY: 'gnome',
  };
  const run = (args: string[]) => execFileSync('gsettings', args, { env, encoding: 'utf8' }).trim();
  return {
    dir,
    env,
    get: (k) => run(['get', ...k.split(' ')]),
    set: (k, v) => {
      run(['set', ...k.split(' '), v]);
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export { waitFor } from '../support/wait.js';

/** Applies a GSettings env to this process (the in-process service's gsettings calls inherit it). */
export function useInProcess(g: GsettingsEnv): () => void {
  const saved = { b: process.env.GSETTINGS_BACKEND, x: process.env.XDG_CONFIG_HOME };
  process.env.GSETTINGS_BACKEND = 'keyfile';
  process.env.XDG_CONFIG_HOME = g.dir;
  return () => {
    if (saved.b === undefined) delete process.env.GSETTINGS_BACKEND;
    else process.env.GSETTINGS_BACKEND = saved.b;
    if (saved.x === undefined) delete process.env.XDG_CONFIG_HOME;
    else process.env.XDG_CONFIG_HOME = saved.x;
  };
}
