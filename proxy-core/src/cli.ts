import { blocklistCommand } from './cli/blocklist-command.js';
import { caCommand } from './cli/ca-command.js';
import { CliError } from './cli/cli-error.js';
import { reverseCommand } from './cli/reverse-command.js';
import { selftestCommand } from './cli/selftest-command.js';
import { serveCommand } from './cli/serve-command.js';
import { transparentCommand } from './cli/transparent-command.js';

const USAGE = `Veil — an anonymizing privacy proxy

Usage: veil <command> [options]

Commands:
  serve        Run the proxy headless (veil serve --help)
  reverse      Run a reverse proxy in front of your own services (veil reverse --help)
  blocklist    Test a URL against the blocklists (veil blocklist --help)
  ca           Veil's local CA for HTTPS inspection: cert, install, remove, regenerate (veil ca --help)
  transparent  Firewall rules for a transparent gateway (veil transparent --help)
  selftest     Check what sites see through Veil (veil selftest --help)
`;

type Command = (argv: string[]) => Promise<void>;

const COMMANDS: Record<string, Command> = {
  serve: serveCommand,
  reverse: reverseCommand,
  blocklist: blocklistCommand,
  ca: (argv) => caCommand(argv),
  transparent: (argv) => transparentCommand(argv),
  selftest: selftestCommand,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(USAGE);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) throw new CliError(`Unknown command "${name}". Commands: ${Object.keys(COMMANDS).join(', ')}.`);
  await command(rest);
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof CliError) {
      process.stderr.write(`veil: ${err.message}\n`);
      process.exit(err.exitCode);
    }
    process.stderr.write(`veil: unexpected failure: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
