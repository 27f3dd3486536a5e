import { access } from 'node:fs/promises';
import type { CommandRunner } from '../system/platform.js';
import { findNssDatabases } from './nss-databases.js';
import {
  linuxSystemPlan,
  macosPlan,
  nssCopies,
  nssInstallPlan,
  nssListCommand,
  nssRemovePlan,
  type TrustScope,
  type TrustStep,
  windowsPlan,
} from './trust-store-plans.js';

/** What deciding the plans needs from the machine; injected so tests and dry runs see the same plans. */
export interface TrustEnv {
  platform: NodeJS.Platform;
  home: string;
  /** Runs read-only probes (`certutil -L`) while planning. */
  runner: CommandRunner;
  exists?: (path: string) => Promise<boolean>;
}

/** A trust-store change that cannot be planned; the message says what to do. */
export class TrustStoreError extends Error {
  override name = 'TrustStoreError';
}

const fileExists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

/** The stores to change and the commands for each, for installing or removing Veil's CA. */
export async function trustSteps(
  action: 'install' | 'remove',
  scope: TrustScope,
  certPath: string,
  env: TrustEnv,
): Promise<TrustStep[]> {
  if (env.platform === 'darwin') {
    return [
      {
        store: scope === 'user' ? 'macOS login keychain' : 'macOS System keychain',
        plan: macosPlan(scope, action, certPath, env.home),
      },
    ];
  }
  if (env.platform === 'win32') {
    return [
      {
        store: scope === 'user' ? 'Windows current-user Root store' : 'Windows machine Root store',
        plan: windowsPlan(scope, action, certPath),
      },
    ];
  }
  if (scope === 'system') {
    const exists = env.exists ?? fileExists;
    const debian =
      (await exists('/usr/sbin/update-ca-certificates')) || (await exists('/usr/bin/update-ca-certificates'));
    return [
      {
        store: debian ? 'system store (update-ca-certificates)' : 'system store (update-ca-trust)',
        plan: linuxSystemPlan(debian ? 'debian' : 'fedora', action, certPath),
      },
    ];
  }
  return nssSteps(action, certPath, env);
}

async function nssSteps(action: 'install' | 'remove', certPath: string, env: TrustEnv): Promise<TrustStep[]> {
  const dbs = await findNssDatabases(env.home);
  if (dbs.length === 0) {
    if (action === 'remove') return [];
    throw new TrustStoreError(
      `No NSS database found under ${env.home} (~/.pki/nssdb, Firefox profiles). Start Chromium or Firefox once, or create one: mkdir -p ~/.pki/nssdb && certutil -N -d sql:$HOME/.pki/nssdb --empty-password`,
    );
  }
  const steps: TrustStep[] = [];
  for (const db of dbs) {
    let listing: string;
    try {
      listing = await env.runner(nssListCommand(db));
    } catch (err) {
      if (/ENOENT/.test((err as Error).message)) {
        throw new TrustStoreError(
          'certutil is not installed: apt-get install libnss3-tools (Fedora: dnf install nss-tools), then run this again.',
        );
      }
      throw new TrustStoreError(`Cannot read the NSS database ${db}: ${(err as Error).message}`);
    }
    // a regenerated CA has the same nickname: clear every old copy so only the current one is trusted
    const old = nssRemovePlan(db, nssCopies(listing));
    const plan = action === 'install' ? [...old, ...nssInstallPlan(db, certPath)] : old;
    if (plan.length) steps.push({ store: `NSS database ${db}`, plan });
  }
  return steps;
}
