import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';

/** Quotes one Exec argument as the Desktop Entry spec asks (reserved characters inside double quotes). */
export function quoteExecArg(arg: string): string {
  if (!/[\s"'\\`$<>~|&;*?#()]/.test(arg) && arg !== '') return arg.replace(/%/g, '%%');
  return `"${arg.replace(/[\\"`$]/g, (c) => `\\${c}`).replace(/%/g, '%%')}"`;
}

/** The XDG autostart entry that starts Veil to the tray at login. */
export function autostartEntry(exec: readonly string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Veil',
    'Comment=Anonymizing privacy proxy',
    `Exec=${exec.map(quoteExecArg).join(' ')}`,
    'Icon=veil',
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** Where the entry lives: $XDG_CONFIG_HOME/autostart/veil.desktop. */
export function autostartPath(configHome: string): string {
  return join(configHome, 'autostart', 'veil.desktop');
}

/** Writes (atomically) or removes the Linux autostart entry. */
export async function setLinuxAutostart(enabled: boolean, configHome: string, exec: readonly string[]): Promise<void> {
  const path = autostartPath(configHome);
  if (!enabled) {
    await rm(path, { force: true });
    return;
  }
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, autostartEntry(exec));
}
