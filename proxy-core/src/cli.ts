import { readFileSync } from 'node:fs';
import { blocklistCommand } from './cli/blocklist-command.js';
import { caCommand } from './cli/ca-command.js';
import { CliError } from './cli/cli-error.js';
import { reverseCommand } from './cli/reverse-command.js';
import { selftestCommand } from './cli/selftest-command.js';
import { serveCommand } from './cli/serve-command.js';
import { transparentCommand } from './cli/transparent-command.js';
import { uiUrlCommand } from './cli/ui-url-command.js';
import { CommandError } from './control/contract.js';

const USAGE = `Veil — an anonymizing privacy proxy

Usage: veil <command> [options]

Commands:
  serve        Run the proxy headless (veil serve --help)
  reverse      Run a reverse proxy in front of your own services (veil reverse --help)
  blocklist    Test a URL against the blocklists (veil blocklist --help)
  ca           Veil's local CA for HTTPS inspection: cert, install, remove, regenerate (veil ca --help)
  transparent  Firewall rules for a transparent gateway (veil transparent --help)
  selftest     Check what sites see through Veil (veil selftest --help)
  ui-url       Print the web UI's address with its token (veil ui-url --help)

Options:
  -h, --help     Show this help
  -V, --version  Print Veil's version
`;

type Command = (argv: string[]) => Promise<void>;

const COMMANDS: Record<string, Command> = {
  serve: serveCommand,
  reverse: reverseCommand,
  blocklist: blocklistCommand,
  ca: (argv) => caCommand(argv),
  transparent: (argv) => transparentCommand(argv),
  selftest: selftestCommand,
  'ui-url': uiUrlCommand,
};

/** The version in package.json (two levels above dist/proxy-core/src). */
function version(): string {
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      return (JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      // the next candidate: the layout differs between dist/ and a source run
    }
  }
  return 'unknown';
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(USAGE);
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`veil ${version()}\n`);
    return 0;
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
    // a command's own refusal (bad arguments) is the user's input, not a crash
    if (err instanceof CommandError) {
      process.stderr.write(`veil: ${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`veil: unexpected failure: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
