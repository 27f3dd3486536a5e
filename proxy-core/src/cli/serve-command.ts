import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultConfigPath } from '../config-paths.js';
import { blocklistFeature, blocklistFeatureWith } from '../control/features/blocklist-feature.js';
import { builtInFeatures } from '../control/features/index.js';
import { createService } from '../control/service.js';
import type { SettingsPatch } from '../control/settings-schema.js';
import { createFileStore } from '../control/settings-store.js';
import { startUiServer, type UiServer } from '../control/ui-server.js';
import { runListEntries } from './blocklist-command.js';
import { CliError } from './cli-error.js';

/** The built renderer, next to the compiled CLI (dist/proxy-core/src/cli → dist/renderer). */
const RENDERER_DIR = fileURLToPath(new URL('../../../renderer/', import.meta.url));

export const SERVE_USAGE = `Usage: veil serve [options]

  --port N              Port to listen on (default 8899; 0 picks a free one)
  --listen ADDR         Address to listen on (default 127.0.0.1). Any other address
                        exposes Veil to the network and needs --allow-client
  --allow-client CIDR   Client range allowed when listening beyond loopback (repeatable)
  --proxy-auth U:P      Require Basic proxy authentication
  --blocklist FILE_OR_URL  Add a blocklist for this run, any supported format (repeatable)
  --config FILE         Settings file (default $XDG_CONFIG_HOME/veil/config.json)
  --ui                  Serve the web UI on its own loopback port and print its address (with a token)
  --ui-port N           Port for the web UI (default 0: a free one); implies --ui
  -h, --help            Show this help
`;

export interface ServeArgs {
  configPath: string;
  overrides: SettingsPatch;
  /** `--blocklist` sources, added for this run on top of the configured lists. */
  blocklists: string[];
  help: boolean;
  /** The web UI's port when `--ui` is on (0 picks one), or null without `--ui`. */
  uiPort: number | null;
}

/** Parses `veil serve` flags into config path and per-run overrides; throws CliError with the fix. */
export function parseServeArgs(argv: string[]): ServeArgs {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        listen: { type: 'string' },
        'allow-client': { type: 'string', multiple: true },
        'proxy-auth': { type: 'string' },
        config: { type: 'string' },
        blocklist: { type: 'string', multiple: true },
        ui: { type: 'boolean' },
        'ui-port': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new CliError(`${(err as Error).message}\nRun \`veil serve --help\` for the options.`);
  }
  const proxy: NonNullable<SettingsPatch['proxy']> = {};
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!/^\d+$/.test(String(values.port)) || port > 65535) {
      throw new CliError(`--port must be a number from 0 to 65535, not "${values.port}".`);
    }
    proxy.port = port;
  }
  if (typeof values.listen === 'string') proxy.listen = values.listen;
  if (Array.isArray(values['allow-client'])) proxy.allowedClients = values['allow-client'];
  if (typeof values['proxy-auth'] === 'string') {
    if (!values['proxy-auth'].includes(':')) throw new CliError('--proxy-auth takes user:password.');
    proxy.proxyAuth = values['proxy-auth'];
  }
  let uiPort: number | null = values.ui === true ? 0 : null;
  if (values['ui-port'] !== undefined) {
    const n = Number(values['ui-port']);
    if (!/^\d+$/.test(String(values['ui-port'])) || n > 65535) {
      throw new CliError(`--ui-port must be a number from 0 to 65535, not "${values['ui-port']}".`);
    }
    uiPort = n;
  }
  const overrides: SettingsPatch = {};
  if (Object.keys(proxy).length) overrides.proxy = { ...proxy, enabled: true };
  return {
    configPath: typeof values.config === 'string' ? values.config : defaultConfigPath(),
    overrides,
    blocklists: Array.isArray(values.blocklist) ? values.blocklist : [],
    help: values.help === true,
    uiPort,
  };
}

/** `veil serve`: runs until SIGINT/SIGTERM, then drains and exits 0. */
export async function serveCommand(argv: string[]): Promise<void> {
  const args = parseServeArgs(argv);
  if (args.help) {
    process.stdout.write(SERVE_USAGE);
    return;
  }
  const dataDir = dirname(args.configPath);
  await mkdir(dataDir, { recursive: true });
  const runLists = await runListEntries(args.blocklists);
  const features = runLists.length
    ? builtInFeatures.map((f) => (f === blocklistFeature ? blocklistFeatureWith({ runLists }) : f))
    : undefined;
  const service = createService({
    store: createFileStore(args.configPath),
    dataDir,
    overrides: args.overrides,
    ...(features ? { features } : {}),
  });
  let status: Awaited<ReturnType<typeof service.start>>;
  try {
    status = await service.start();
  } catch (err) {
    // with the UI the user can fix the port there; without it there is nothing to run
    if (args.uiPort === null) {
      await service.shutdown(1000);
      throw new CliError((err as Error).message);
    }
    process.stderr.write(`veil: ${(err as Error).message} Fix it in the UI (Settings).\n`);
    status = await service.invoke('status.get');
  }
  let ui: UiServer | null = null;
  if (args.uiPort !== null) {
    try {
      ui = await startUiServer({ service, port: args.uiPort, staticDir: RENDERER_DIR });
    } catch (err) {
      await service.shutdown(1000);
      throw new CliError((err as Error).message);
    }
  }
  if (!status.listening) {
    process.stdout.write('Veil is off (proxy.enabled is false in the settings).\n');
  } else {
    const { host, port } = status.listening;
    const shown = host.includes(':') ? `[${host}]` : host;
    process.stdout.write(`Veil listening on http://${shown}:${port}\n`);
  }
  if (ui) process.stdout.write(`Veil UI at ${ui.url}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await ui?.close();
  await service.shutdown(5000);
}
