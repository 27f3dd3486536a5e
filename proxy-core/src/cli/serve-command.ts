import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultConfigPath } from '../config-paths.js';
import { createService } from '../control/service.js';
import type { SettingsPatch } from '../control/settings-schema.js';
import { createFileStore } from '../control/settings-store.js';
import { isLoopbackHost } from '../proxy/access-control.js';
import { CliError } from './cli-error.js';

export const SERVE_USAGE = `Usage: veil serve [options]

  --port N              Port to listen on (default 8899; 0 picks a free one)
  --listen ADDR         Address to listen on (default 127.0.0.1). Any other address
                        exposes Veil to the network and needs --allow-client
  --allow-client CIDR   Client range allowed when listening beyond loopback (repeatable)
  --proxy-auth U:P      Require Basic proxy authentication
  --allow-private-destinations
                        Let network clients reach loopback and link-local addresses
  --connect-ports LIST  Ports CONNECT may reach, comma-separated (default 443,8443)
  --config FILE         Settings file (default $XDG_CONFIG_HOME/veil/config.json)
  -h, --help            Show this help
`;

export interface ServeArgs {
  configPath: string;
  overrides: SettingsPatch;
  help: boolean;
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
        'allow-private-destinations': { type: 'boolean' },
        'connect-ports': { type: 'string' },
        config: { type: 'string' },
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
  if (values['allow-private-destinations'] === true) proxy.allowPrivateDestinations = true;
  if (typeof values['connect-ports'] === 'string') proxy.allowedConnectPorts = parsePorts(values['connect-ports']);
  const overrides: SettingsPatch = {};
  if (Object.keys(proxy).length) overrides.proxy = { ...proxy, enabled: true };
  return {
    configPath: typeof values.config === 'string' ? values.config : defaultConfigPath(),
    overrides,
    help: values.help === true,
  };
}

function parsePorts(list: string): number[] {
  const ports = list.split(',').map((p) => p.trim());
  for (const p of ports) {
    if (!/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 65535) {
      throw new CliError(
        `--connect-ports takes ports from 1 to 65535 separated by commas (e.g. 443,8443), not "${list}".`,
      );
    }
  }
  return ports.map(Number);
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
  const service = createService({ store: createFileStore(args.configPath), dataDir, overrides: args.overrides });
  let status: Awaited<ReturnType<typeof service.start>>;
  try {
    status = await service.start();
  } catch (err) {
    await service.shutdown(1000);
    throw new CliError((err as Error).message);
  }
  if (status.error) {
    await service.shutdown(1000);
    throw new CliError(`${status.error} Choose another port with --port.`);
  }
  const proxySection = service.settings.proxy;
  if (status.listening && !isLoopbackHost(status.listening.host) && proxySection.allowedClients.length === 0) {
    await service.shutdown(1000);
    throw new CliError(
      `Listening on ${status.listening.host} exposes Veil to the network: add --allow-client CIDR (e.g. 192.168.1.0/24) for the clients that may use it.`,
    );
  }
  if (!status.listening) {
    process.stdout.write('Veil is off (proxy.enabled is false in the settings).\n');
  } else {
    const { host, port } = status.listening;
    const shown = host.includes(':') ? `[${host}]` : host;
    process.stdout.write(`Veil listening on http://${shown}:${port}\n`);
  }
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await service.shutdown(5000);
}
