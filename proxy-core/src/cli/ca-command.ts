import { homedir } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultConfigPath } from '../config-paths.js';
import { type CommandRunner, execRunner } from '../system/platform.js';
import { CaStoreError, createCaStore } from '../tls/ca-store.js';
import { caExpiry } from '../tls/certificate-authority.js';
import { TrustStoreError, trustSteps } from '../tls/trust-steps.js';
import { showCommand, type TrustScope } from '../tls/trust-store-plans.js';
import { CliError } from './cli-error.js';

export const CA_USAGE = `Usage: veil ca <command> [options]

Veil's local certificate authority, used only when HTTPS inspection is on
(inspection.enabled, or veil serve --inspect). It is generated on this machine on
first need and its key never leaves the config directory (veil/ca/, mode 0600).

Commands:
  cert         Print the CA certificate (PEM), creating the CA first if there is none
  install      Trust the CA: NSS databases (Chromium, Firefox) for --scope user, the
               system store for --scope system; macOS keychain, Windows Root store
  remove       Remove the CA from the same stores
  regenerate   Replace the CA with a new one (install it again afterwards)

Options:
  --scope user|system   Which trust stores (default user; system needs root/administrator)
  --dry-run             Print the commands install/remove would run, and run none
  --config FILE         Settings file (default $XDG_CONFIG_HOME/veil/config.json); the CA
                        lives in the ca/ folder next to it
  -h, --help            Show this help
`;

/** The machine as `veil ca` sees it; tests inject another runner, platform or home. */
export interface CaCommandEnv {
  runner: CommandRunner;
  platform: NodeJS.Platform;
  home: string;
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultEnv = (): CaCommandEnv => ({
  runner: execRunner,
  platform: process.platform,
  home: homedir(),
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
});

interface CaArgs {
  sub: string | undefined;
  scope: TrustScope;
  dryRun: boolean;
  configDir: string;
  help: boolean;
}

function parseCaArgs(argv: string[]): CaArgs {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        scope: { type: 'string' },
        'dry-run': { type: 'boolean' },
        config: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\nRun \`veil ca --help\` for the options.`);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new CliError(`veil ca takes one command, not "${positionals.join(' ')}".`);
  const scope = values.scope ?? 'user';
  if (scope !== 'user' && scope !== 'system') {
    throw new CliError(`--scope takes user or system, not "${String(scope)}".`);
  }
  return {
    sub: positionals[0],
    scope,
    dryRun: values['dry-run'] === true,
    configDir: dirname(typeof values.config === 'string' ? values.config : defaultConfigPath()),
    help: values.help === true,
  };
}

/** `veil ca cert|install|remove|regenerate`. */
export async function caCommand(argv: string[], env: CaCommandEnv = defaultEnv()): Promise<void> {
  const args = parseCaArgs(argv);
  if (args.help || args.sub === 'help') {
    env.out(CA_USAGE);
    return;
  }
  const store = createCaStore(args.configDir);
  try {
    switch (args.sub) {
      case 'cert': {
        const ca = await store.load();
        env.out(ca.certPem.endsWith('\n') ? ca.certPem : `${ca.certPem}\n`);
        const { daysLeft, renewSoon } = caExpiry(ca.cert);
        if (renewSoon) {
          env.err(`veil: the CA expires in ${daysLeft} days: run \`veil ca regenerate\`, then \`veil ca install\`.\n`);
        }
        return;
      }
      case 'install':
      case 'remove':
        return await changeTrust(args.sub, args, store, env);
      case 'regenerate': {
        const ca = await store.regenerate();
        env.out(
          `New CA written to ${store.certPath} (valid until ${ca.cert.notAfter.toISOString().slice(0, 10)}).\nThe old CA no longer signs anything: run \`veil ca install\` so clients trust the new one.\n`,
        );
        return;
      }
      case undefined:
        throw new CliError('veil ca needs a command: cert, install, remove or regenerate (veil ca --help).');
      default:
        throw new CliError(`Unknown command "veil ca ${args.sub}". Commands: cert, install, remove, regenerate.`);
    }
  } catch (err) {
    if (err instanceof CaStoreError || err instanceof TrustStoreError) throw new CliError(err.message);
    throw err;
  }
}

async function changeTrust(
  action: 'install' | 'remove',
  args: CaArgs,
  store: ReturnType<typeof createCaStore>,
  env: CaCommandEnv,
): Promise<void> {
  // removal works by name and needs no CA; installing needs one, so it is created here
  if (action === 'install') await store.load();
  const steps = await trustSteps(action, args.scope, store.certPath, env);
  if (steps.length === 0) {
    env.out(action === 'remove' ? 'Veil’s CA is in none of the trust stores found.\n' : 'Nothing to do.\n');
    return;
  }
  for (const step of steps) {
    env.out(`${args.dryRun ? 'Would change' : 'Changing'} ${step.store}:\n`);
    for (const command of step.plan) {
      env.out(`  $ ${showCommand(command)}\n`);
      if (args.dryRun) continue;
      try {
        await env.runner(command);
      } catch (err) {
        const hint = args.scope === 'system' ? ' The system store needs root: run it again with sudo.' : '';
        throw new CliError(`${step.store}: ${(err as Error).message}.${hint}`, 1);
      }
    }
  }
  if (!args.dryRun) {
    env.out(
      action === 'install'
        ? 'Done. Restart the browser so it reads the store again.\n'
        : 'Done. The key stays in the config directory; delete its ca/ folder to remove it for good.\n',
    );
  }
}
