import { parseArgs } from 'node:util';
import type { CommandRunner } from '../system/platform.js';
import { removeRules, rulesStatus, runNftScript } from '../transparent/nft-apply.js';
import { buildRules, checkRulesOptions, type RulesOptions } from '../transparent/nft-rules.js';
import { CliError } from './cli-error.js';

export const TRANSPARENT_USAGE = `Usage:
  veil transparent rules --interface IF --port PORT [--ports 80,443] [--apply | --remove]
  veil transparent rules --local-user USER --port PORT [--ports 80,443] [--apply | --remove]
  veil transparent status

  rules     Prints the nftables rules that redirect web traffic to Veil's transparent
            listener (one table, "inet veil"). --apply puts them in place (again: still one
            copy), --remove deletes that table and nothing else.
  --interface IF     A gateway: redirect what arrives on the LAN interface IF (prerouting)
  --local-user USER  This machine: redirect local programs' traffic, except USER's (the user
                     Veil runs as, so its own connections are not sent back to it)
  --port PORT        The port of veil serve --transparent PORT
  --ports LIST       Destination ports to redirect (default 80,443)
  status    Says whether the rules are in place and what they redirect
`;

/** `veil transparent …`. */
export async function transparentCommand(argv: string[], runner?: CommandRunner): Promise<void> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '-h' || sub === '--help') {
    process.stdout.write(TRANSPARENT_USAGE);
    if (!sub) throw new CliError('Say what to do: veil transparent rules … or veil transparent status.');
    return;
  }
  if (sub === 'status') return status(runner);
  if (sub === 'rules') return rules(rest, runner);
  throw new CliError(`Unknown transparent command "${sub}". Use rules or status (veil transparent --help).`);
}

async function rules(argv: string[], runner?: CommandRunner): Promise<void> {
  const values = parseFlags(argv);
  if (values.help) {
    process.stdout.write(TRANSPARENT_USAGE);
    return;
  }
  if (values.apply && values.remove) throw new CliError('--apply and --remove cannot go together; give one.');
  if (values.remove) {
    const removed = await nft(() => removeRules(runner));
    process.stdout.write(removed ? 'Removed the nftables table inet veil.\n' : 'No Veil rules were in place.\n');
    return;
  }
  const options = rulesOptions(values);
  const script = buildRules(options);
  if (!values.apply) {
    process.stdout.write(script);
    return;
  }
  await nft(() => runNftScript(script, runner));
  const where = options.interface
    ? `arriving on ${options.interface}`
    : `from programs not run by ${options.localUser}`;
  process.stdout.write(
    `Applied: TCP ports ${options.ports.join(', ')} ${where} now go to Veil on port ${options.port}; QUIC (UDP 443) is refused.\n`,
  );
}

async function status(runner?: CommandRunner): Promise<void> {
  const s = await nft(() => rulesStatus(runner));
  if (!s.present) {
    process.stdout.write('Transparent rules: not in place (veil transparent rules --apply … puts them there).\n');
    return;
  }
  const redirects = s.redirects.map((r) => `${r.from} -> ${r.to}`).join(', ') || 'nothing';
  process.stdout.write(
    `Transparent rules: in place (table inet veil${s.scope ? `, ${s.scope}` : ''}); redirects ${redirects}.\n`,
  );
}

type Flags = Record<string, string | boolean | undefined>;

function parseFlags(argv: string[]): Flags {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        interface: { type: 'string' },
        'local-user': { type: 'string' },
        port: { type: 'string' },
        ports: { type: 'string' },
        apply: { type: 'boolean' },
        remove: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values as Flags;
  } catch (err) {
    throw new CliError(`${(err as Error).message.split('\n')[0]} (veil transparent --help lists the flags).`);
  }
}

function rulesOptions(values: Flags): RulesOptions {
  if (typeof values.port !== 'string')
    throw new CliError('--port PORT is needed: the port of veil serve --transparent.');
  const options: RulesOptions = {
    port: portOf(values.port, '--port'),
    ports:
      typeof values.ports === 'string' ? values.ports.split(',').map((p) => portOf(p.trim(), '--ports')) : [80, 443],
    ...(typeof values.interface === 'string' ? { interface: values.interface } : {}),
    ...(typeof values['local-user'] === 'string' ? { localUser: values['local-user'] } : {}),
  };
  const problem = checkRulesOptions(options);
  if (problem) throw new CliError(problem);
  return options;
}

function portOf(text: string, flag: string): number {
  const n = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= 1 && n <= 65535)) throw new CliError(`${flag}: "${text}" is not a port (1-65535).`);
  return n;
}

/** nft failures as one line with the fix: not installed, not root, or the kernel said no. */
async function nft<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const message = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'nft: not found' : (err as Error).message;
    if (/not found|ENOENT/.test(message)) throw new CliError('nft is not installed: apt-get install nftables.');
    if (/Operation not permitted|EPERM/i.test(message)) {
      throw new CliError('Changing the firewall needs root: run this with sudo.');
    }
    throw new CliError(`nft refused the rules: ${message.split('\n')[0]}`);
  }
}
