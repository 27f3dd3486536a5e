import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FieldError } from '../control/contract.js';
import { blocklistFeature, blocklistFeatureWith } from '../control/features/blocklist-feature.js';
import { builtInFeatures } from '../control/features/index.js';
import { inspectionFeature, inspectionFeatureWith } from '../control/features/inspection-feature.js';
import { InvalidOverridesError } from '../control/listen-failure.js';
import { createService, type VeilService } from '../control/service.js';
import { createFileStore } from '../control/settings-store.js';
import { DEFAULT_UI_PORT, liveToken, readUiAccess, writeUiAccess } from '../control/ui-access.js';
import type { UiServer } from '../control/ui-server.js';
import { ensurePrivateDir } from '../private-files.js';
import { isLoopbackHost } from '../proxy/access-control.js';
import { isListenAddress } from '../proxy/proxy-settings.js';
import { redactUpstreamUrl } from '../proxy/upstream-url.js';
import { readExtraCa } from '../tls/origin-trust.js';
import { conntrackAvailable } from '../transparent/original-destination.js';
import { runListEntries } from './blocklist-command.js';
import { CliError } from './cli-error.js';

import { FLAG_OF, parseServeArgs, SERVE_USAGE, type ServeArgs } from './serve-args.js';

/** The built renderer, next to the compiled CLI (dist/proxy-core/src/cli → dist/renderer). */
const RENDERER_DIR = fileURLToPath(new URL('../../../renderer/', import.meta.url));

/** `veil serve`: runs until SIGINT/SIGTERM, then drains and exits 0. */
export async function serveCommand(argv: string[]): Promise<void> {
  const args = parseServeArgs(argv);
  if (args.help) {
    process.stdout.write(SERVE_USAGE);
    return;
  }
  const dataDir = dirname(args.configPath);
  if (args.configChosen && !existsSync(args.configPath)) {
    process.stderr.write(
      `veil: info: ${args.configPath} does not exist yet; Veil starts on defaults and creates it when a setting is first saved.\n`,
    );
  }
  await ensurePrivateDir(dataDir);
  const runLists = await runListEntries(args.blocklists);
  try {
    await readExtraCa(args.inspection.extraCa ?? []);
  } catch (err) {
    throw new CliError(`--upstream-ca: ${(err as Error).message}`);
  }
  const runInspection = (args.inspection.exclude?.length ?? 0) + (args.inspection.extraCa?.length ?? 0) > 0;
  const features =
    runLists.length || runInspection
      ? builtInFeatures.map((f) => {
          if (f === blocklistFeature && runLists.length) return blocklistFeatureWith({ runLists });
          if (f === inspectionFeature && runInspection) return inspectionFeatureWith(args.inspection);
          return f;
        })
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
    if (err instanceof InvalidOverridesError) {
      await service.shutdown(1000);
      throw new CliError(flagProblem(err.errors, args));
    }
    // with the UI the user can fix the port there; without it there is nothing to run
    if (args.uiPort === null) {
      await service.shutdown(1000);
      // the service's advice is for the Settings screen; the command line has its own
      const what = (err as Error).message.replace(/ Choose (another|one).*$/, '');
      throw new CliError(`${what} ${portAdvice(args)}`);
    }
    process.stderr.write(`veil: ${(err as Error).message} Fix it in the UI (Settings).\n`);
    status = await service.invoke('status.get');
  }
  let ui: UiServer | null = null;
  if (args.uiPort !== null) {
    try {
      ui = await startUi(service, dataDir, args);
    } catch (err) {
      await service.shutdown(1000);
      throw new CliError((err as Error).message);
    }
  }
  // headless, stderr is where a repaired settings file or a migration gets noticed: before the address lines
  for (const n of status.notices) {
    if (n.code === 'E_LISTEN') continue;
    process.stderr.write(`veil: ${n.level}: ${n.message}${n.action ? ` ${n.action}` : ''}\n`);
  }
  if (!status.listening) {
    if (!status.error) process.stdout.write('Veil is off (proxy.enabled is false in the settings).\n');
  } else {
    const { host, port } = status.listening;
    const shown = host.includes(':') ? `[${host}]` : host;
    process.stdout.write(`Veil listening on http://${shown}:${port}\n`);
  }
  if (status.transparent) {
    const { host, port } = status.transparent;
    process.stdout.write(`Veil transparent listener on ${host.includes(':') ? `[${host}]` : host}:${port}\n`);
    if (!(await conntrackAvailable())) {
      process.stderr.write(
        'veil: warning: no conntrack table here (/proc/net/nf_conntrack or the conntrack tool): redirected connections without an SNI name or Host are refused. apt-get install conntrack\n',
      );
    }
  }
  if (ui) process.stdout.write(`Veil UI at ${ui.url}\n`);
  const dns = service.settings.dns;
  if (dns.servers.length) {
    const mode =
      dns.fallback === 'system' ? 'falls back to the system resolver, counted' : 'strict: 502 when they fail';
    process.stdout.write(`Private DNS: ${dns.servers.map((s) => s.url).join(', ')} (${mode})\n`);
  }
  // not awaited: a silent upstream takes its full timeout, and the proxy is already serving (failing closed)
  void warnUnreachableUpstream(service);
  if (service.settings.systemProxy.enabled) {
    const sp = await service.invoke('system.state');
    const where = sp.pacUrl ? ` (PAC ${sp.pacUrl})` : '';
    process.stdout.write(
      sp.active
        ? `System proxy: on, ${sp.platform}${where}\n`
        : `System proxy: off${sp.error ? ` — ${sp.error}` : ''}\n`,
    );
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
  await ui?.close();
  await service.shutdown(5000);
}

/** The line for flags that make the settings invalid, in the flags' own names. */
function flagProblem(errors: FieldError[], args: ServeArgs): string {
  const listen = args.overrides.proxy?.listen;
  if (listen && errors.some((e) => e.path === 'proxy.listen') && isListenAddress(listen) && !isLoopbackHost(listen)) {
    return `Listening on ${listen} exposes Veil to the network: add --allow-client CIDR (e.g. 192.168.1.0/24) for the clients that may use it.`;
  }
  const [first] = errors;
  const flag = first ? FLAG_OF[first.path.split('.').slice(0, 2).join('.')] : undefined;
  return `${flag ? `${flag}: ` : ''}${first?.message ?? 'invalid options.'}`;
}

/** Where the port came from, so the user knows what to change. */
function portAdvice(args: ServeArgs): string {
  if (args.overrides.proxy?.port !== undefined) return 'Choose another with --port (0 picks a free one).';
  return `The port is proxy.port in ${args.configPath}: change it there, or run with --port N for this run.`;
}

/** The web UI on its stable port with the token kept in the config directory (0600). */
async function startUi(service: VeilService, dataDir: string, args: ServeArgs): Promise<UiServer> {
  // loaded only with --ui: the WebSocket stack is a few MB of memory a headless proxy never uses
  const { startUiServer } = await import('../control/ui-server.js');
  const { access } = readUiAccess(dataDir);
  const options = { service, staticDir: RENDERER_DIR, token: liveToken(dataDir, access.token) };
  let ui: UiServer;
  try {
    ui = await startUiServer({ ...options, port: args.uiPort ?? DEFAULT_UI_PORT });
  } catch (err) {
    if (args.uiPortChosen || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    // the default port is taken (another Veil, another program): a free one beats no UI
    ui = await startUiServer({ ...options, port: 0 });
    process.stderr.write(
      `veil: warning: UI port ${DEFAULT_UI_PORT} is in use; the UI is on port ${ui.port} for this run (--ui-port N picks one).\n`,
    );
  }
  await writeUiAccess(dataDir, { token: access.token, port: ui.port });
  return ui;
}

/** An upstream that does not answer is said at start; Veil still fails closed (502) until it does. */
async function warnUnreachableUpstream(service: VeilService): Promise<void> {
  const url = service.settings.upstream.default;
  if (!url) return;
  const probe = await service.invoke('upstream.test', { url }).catch((err: Error) => ({
    ok: false,
    name: redactUpstreamUrl(url),
    error: err.message,
  }));
  if (probe.ok) return;
  const why = probe.error ?? `The upstream ${probe.name ?? redactUpstreamUrl(url)} does not answer.`;
  process.stderr.write(`veil: warning: ${why} Requests fail closed (502) until it answers.\n`);
}
