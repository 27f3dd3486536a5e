import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultConfigPath } from '../config-paths.js';
import { runSelfTest } from '../control/self-test/run-self-test.js';
import { formatReport } from '../control/self-test/self-test-report.js';
import { createFileStore } from '../control/settings-store.js';
import { CliError } from './cli-error.js';

export const SELFTEST_USAGE = `Usage: veil selftest [--json] [--config FILE]

Checks what sites see through Veil with your settings, on loopback only, in a few seconds:
a canary request through Veil's own pipeline (forwarding, proxy and address headers,
User-Agent, Referer, client hints, cookies), HTTPS, the route, the DNS path, the system
proxy, HTTP_PROXY in the environment and the audit log's redaction. One line per check
(pass / warn / fail, with what to do); exit code 1 when any check fails.

  --json         The report as JSON (schema "veil-selftest", version 1)
  --config FILE  Settings file (default $XDG_CONFIG_HOME/veil/config.json)
  -h, --help     Show this help
`;

/** `veil selftest`: prints the report; exit code 1 when a check failed. */
export async function selftestCommand(argv: string[]): Promise<void> {
  let values: { json?: boolean; config?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: { json: { type: 'boolean' }, config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (err) {
    throw new CliError(`${(err as Error).message}\nRun \`veil selftest --help\` for the options.`);
  }
  if (values.help) {
    process.stdout.write(SELFTEST_USAGE);
    return;
  }
  const configPath = values.config ?? defaultConfigPath();
  const { settings, notices } = await createFileStore(configPath).load();
  for (const n of notices) process.stderr.write(`veil: ${n.level}: ${n.message}\n`);
  const report = await runSelfTest(settings, { dataDir: dirname(configPath) });
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  if (!report.ok) process.exitCode = 1;
}
