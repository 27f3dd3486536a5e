import { join } from 'node:path';
import type { Command } from '../system/platform.js';
import { CA_NICKNAME } from './certificate-authority.js';

/** Where a CA is installed: the user's own stores (the default) or the machine's. */
export type TrustScope = 'user' | 'system';

/** One trust store and the commands that change it, shown to the user before they run. */
export interface TrustStep {
  /** The store, as a person would name it ("NSS database ~/.pki/nssdb"). */
  store: string;
  plan: Command[];
}

const cmd = (file: string, ...args: string[]): Command => ({ file, args });

/** Adds the CA to one NSS database (trusted to identify servers only: `C,,`). */
export function nssInstallPlan(db: string, certPath: string): Command[] {
  return [cmd('certutil', '-A', '-d', `sql:${db}`, '-n', CA_NICKNAME, '-t', 'C,,', '-i', certPath)];
}

/** Deletes `count` copies of the CA from one NSS database (a regenerated CA shares the nickname). */
export function nssRemovePlan(db: string, count: number): Command[] {
  return Array.from({ length: count }, () => cmd('certutil', '-D', '-d', `sql:${db}`, '-n', CA_NICKNAME));
}

/** The read-only listing whose output `nssCopies` counts. */
export function nssListCommand(db: string): Command {
  return cmd('certutil', '-L', '-d', `sql:${db}`);
}

/** How many certificates named like Veil's CA a `certutil -L` listing holds. */
export function nssCopies(listing: string): number {
  return listing.split('\n').filter((line) => line.startsWith(`${CA_NICKNAME} `)).length;
}

const DEBIAN_ANCHOR = '/usr/local/share/ca-certificates/veil-local-inspection-ca.crt';
const FEDORA_ANCHOR = '/etc/pki/ca-trust/source/anchors/veil-local-inspection-ca.pem';

/** The Linux system store: Debian's update-ca-certificates or Fedora's update-ca-trust. */
export function linuxSystemPlan(
  flavour: 'debian' | 'fedora',
  action: 'install' | 'remove',
  certPath: string,
): Command[] {
  if (flavour === 'debian') {
    return action === 'install'
      ? [cmd('install', '-m', '0644', certPath, DEBIAN_ANCHOR), cmd('update-ca-certificates')]
      : [cmd('rm', '-f', DEBIAN_ANCHOR), cmd('update-ca-certificates', '--fresh')];
  }
  return action === 'install'
    ? [cmd('install', '-m', '0644', certPath, FEDORA_ANCHOR), cmd('update-ca-trust', 'extract')]
    : [cmd('rm', '-f', FEDORA_ANCHOR), cmd('update-ca-trust', 'extract')];
}

/** macOS: the login keychain (user) or the System keychain (system, needs an administrator). */
export function macosPlan(scope: TrustScope, action: 'install' | 'remove', certPath: string, home: string): Command[] {
  const keychain =
    scope === 'user' ? join(home, 'Library', 'Keychains', 'login.keychain-db') : '/Library/Keychains/System.keychain';
  if (action === 'install') {
    return [
      cmd(
        '/usr/bin/security',
        'add-trusted-cert',
        ...(scope === 'system' ? ['-d'] : []),
        '-r',
        'trustRoot',
        '-p',
        'ssl',
        '-k',
        keychain,
        certPath,
      ),
    ];
  }
  return [cmd('/usr/bin/security', 'delete-certificate', '-c', CA_NICKNAME, keychain)];
}

/** Windows: the current user's Root store (user) or the machine's (system, needs an administrator). */
export function windowsPlan(scope: TrustScope, action: 'install' | 'remove', certPath: string): Command[] {
  const user = scope === 'user' ? ['-user'] : [];
  return action === 'install'
    ? [cmd('certutil.exe', ...user, '-addstore', 'Root', certPath)]
    : [cmd('certutil.exe', ...user, '-delstore', 'Root', CA_NICKNAME)];
}

/** A command as a shell line a person can read and copy. */
export function showCommand(c: Command): string {
  const quote = (a: string): string => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`);
  return [c.file, ...c.args].map(quote).join(' ');
}
