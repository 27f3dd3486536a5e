import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createGnomeProxy } from './gnome-proxy.js';
import { createKdeProxy } from './kde-proxy.js';
import { createMacosProxy } from './macos-proxy.js';
import type { CommandRunner, SystemProxyPlatform } from './platform.js';
import { execRunner } from './platform.js';
import { createWindowsProxy } from './windows-proxy.js';

function onPath(name: string, env: NodeJS.ProcessEnv): boolean {
  return (env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, name)));
}

/**
 * The module for this machine, or null when Veil cannot set the system proxy here.
 * `VEIL_SYSTEM_PROXY` (gnome | kde5 | kde6 | macos | windows | none) overrides detection.
 */
export function detectPlatform(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  runner: CommandRunner = execRunner,
): SystemProxyPlatform | null {
  const forced = env.VEIL_SYSTEM_PROXY?.toLowerCase();
  if (forced) {
    if (forced === 'gnome') return createGnomeProxy(runner);
    if (forced === 'kde5' || forced === 'kde6') return createKdeProxy(forced === 'kde5' ? 5 : 6, runner);
    if (forced === 'macos') return createMacosProxy(runner);
    if (forced === 'windows') return createWindowsProxy(runner);
    return null;
  }
  if (platform === 'darwin') return createMacosProxy(runner);
  if (platform === 'win32') return createWindowsProxy(runner);
  if (platform !== 'linux' && platform !== 'freebsd' && platform !== 'openbsd') return null;
  if (/kde/i.test(env.XDG_CURRENT_DESKTOP ?? '')) {
    if (env.KDE_SESSION_VERSION === '6' || onPath('kwriteconfig6', env)) return createKdeProxy(6, runner);
    if (onPath('kwriteconfig5', env)) return createKdeProxy(5, runner);
  }
  return onPath('gsettings', env) ? createGnomeProxy(runner) : null;
}
