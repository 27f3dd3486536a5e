import { homedir } from 'node:os';
import { join } from 'node:path';

/** Veil's config directory: $XDG_CONFIG_HOME/veil, ~/Library/Application Support/Veil, %APPDATA%\Veil. */
export function defaultConfigDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (platform === 'win32' && env.APPDATA) return join(env.APPDATA, 'Veil');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Veil');
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'veil');
}

/** The default settings file. */
export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(defaultConfigDir(env), 'config.json');
}
