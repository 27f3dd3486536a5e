import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultConfigPath } from '../config-paths.js';
import { readUiAccess, rotateUiToken, uiUrl, writeUiAccess } from '../control/ui-access.js';
import { CliError } from './cli-error.js';

export const UI_URL_USAGE = `Usage: veil ui-url [options]

  Prints the web UI's address with its token: open it in a browser while \`veil serve --ui\` runs.
  The token is kept in the config directory (ui-access.json, readable by you only).

  --rotate        Make a new token first: every open tab and link with the old one stops working
  --config FILE   Settings file whose directory holds the token (default $XDG_CONFIG_HOME/veil/config.json)
  -h, --help      Show this help
`;

/** `veil ui-url [--rotate]`: prints the UI's current address. */
export async function uiUrlCommand(argv: string[]): Promise<void> {
  let values: { rotate?: boolean; config?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        rotate: { type: 'boolean' },
        config: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new CliError(`${(err as Error).message}\nRun \`veil ui-url --help\` for the options.`);
  }
  if (values.help) {
    process.stdout.write(UI_URL_USAGE);
    return;
  }
  const dir = dirname(values.config ?? defaultConfigPath());
  if (values.rotate) {
    const access = await rotateUiToken(dir);
    process.stdout.write(`${uiUrl(access)}\n`);
    process.stderr.write('veil: the old token no longer works; a running Veil takes the new one now.\n');
    return;
  }
  const { access, stored } = readUiAccess(dir);
  // the first `veil ui-url` before any `veil serve --ui` makes the token the server will use
  if (!stored) await writeUiAccess(dir, access);
  process.stdout.write(`${uiUrl(access)}\n`);
}
