import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultConfigPath } from '../config-paths.js';
import { validateSettings } from '../control/settings-merge.js';
import { migrateSettings } from '../control/settings-migrations.js';
import type { Settings } from '../control/settings-schema.js';
import { createReverseCache } from '../reverse/reverse-cache.js';
import { createReverseProxy } from '../reverse/reverse-proxy.js';
import { parseBackendUrl, type ReverseSettings, reverseRoute } from '../reverse/reverse-settings.js';
import { auditLine } from '../traffic/audit-line.js';
import { AuditWriter } from '../traffic/audit-writer.js';
import { CliError } from './cli-error.js';

export const REVERSE_USAGE = `Usage: veil reverse --listen ADDR:PORT --backend URL [--backend URL]... [options]

  --listen ADDR:PORT    Where visitors connect (e.g. 127.0.0.1:8080, 0.0.0.0:80, [::]:443);
                        adds a listener to those of the --config file
  --backend URL         A backend, http://host:port or https://host:port (repeatable);
                        every request no configured route takes goes to this pool
  --tls-cert FILE       Serve HTTPS on the --listen listener with this certificate (PEM)
  --tls-key FILE        ... and this key (PEM); both or neither
  --config FILE         Settings file whose "reverse" section has listeners and routes
                        (default $XDG_CONFIG_HOME/veil/config.json when it exists)
  -h, --help            Show this help
`;

export interface ReverseArgs {
  help: boolean;
  settings: ReverseSettings;
  /** The whole document (cache and audit sections). */
  document: Settings;
}

/** Parses `veil reverse` flags and the config file into the reverse settings; throws CliError with the fix. */
export function parseReverseArgs(argv: string[], readFile = (p: string) => readFileSync(p, 'utf8')): ReverseArgs {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        listen: { type: 'string' },
        backend: { type: 'string', multiple: true },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        config: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new CliError(`${(err as Error).message}\nRun \`veil reverse --help\` for the options.`);
  }
  const document = readDocument(typeof values.config === 'string' ? values.config : null, readFile);
  if (values.help === true) return { help: true, settings: document.reverse, document };
  const listeners = document.reverse.listeners.slice();
  const routes = document.reverse.routes.slice();
  const cert = values['tls-cert'];
  const key = values['tls-key'];
  if ((typeof cert === 'string') !== (typeof key === 'string')) {
    throw new CliError('--tls-cert and --tls-key go together: give both files, or neither for plain HTTP.');
  }
  if (typeof values.listen === 'string') {
    const { address, port } = parseListen(values.listen);
    const tls = typeof cert === 'string' && typeof key === 'string' ? { cert, key, sni: {} } : null;
    listeners.push({ address, port, tls });
  } else if (typeof cert === 'string') {
    throw new CliError('--tls-cert applies to the --listen listener: add --listen ADDR:PORT.');
  }
  const backends = Array.isArray(values.backend) ? values.backend : [];
  for (const b of backends) {
    if (!parseBackendUrl(b)) {
      throw new CliError(`--backend takes http://host:port or https://host:port without a path, not "${b}".`);
    }
  }
  if (backends.length > 0) routes.push(reverseRoute.parse({ backends }));
  if (listeners.length === 0) {
    throw new CliError(
      'veil reverse needs somewhere to listen: add --listen ADDR:PORT (e.g. --listen 127.0.0.1:8080).',
    );
  }
  if (routes.length === 0) {
    throw new CliError('veil reverse needs a backend: add --backend URL (e.g. --backend http://127.0.0.1:3000).');
  }
  return { help: false, settings: { ...document.reverse, listeners, routes }, document };
}

/** `ADDR:PORT`, `[v6]:PORT` or `:PORT` (loopback). */
function parseListen(value: string): { address: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535) {
    throw new CliError(`--listen takes ADDR:PORT (e.g. 127.0.0.1:8080 or [::1]:8080), not "${value}".`);
  }
  return { address: m[1] ?? (m[2] || '127.0.0.1'), port };
}

function readDocument(path: string | null, readFile: (p: string) => string): Settings {
  const file = path ?? defaultConfigPath();
  let text: string;
  try {
    if (path === null && !existsSync(file)) return validateOrThrow({}, file);
    text = readFile(file);
  } catch (err) {
    throw new CliError(
      `Cannot read the settings file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`,
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new CliError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  const migrated = migrateSettings(doc);
  if (!migrated.ok) throw new CliError(`${file}: ${migrated.error}`);
  return validateOrThrow(migrated.doc, file);
}

function validateOrThrow(doc: unknown, file: string): Settings {
  const result = validateSettings(doc);
  if (result.ok) return result.settings;
  const first = result.errors[0]!;
  throw new CliError(`${file}: ${first.path || '(document)'}: ${first.message}. Fix it and run again.`);
}

/** `veil reverse`: runs until SIGINT/SIGTERM, then drains and exits 0. */
export async function reverseCommand(argv: string[]): Promise<void> {
  const args = parseReverseArgs(argv);
  if (args.help) {
    process.stdout.write(REVERSE_USAGE);
    return;
  }
  const doc = args.document;
  const MB = 1024 * 1024;
  const cache = createReverseCache(args.settings, doc.cache);
  let proxy: ReturnType<typeof createReverseProxy>;
  let bound: Awaited<ReturnType<typeof proxy.listen>>;
  try {
    proxy = createReverseProxy({
      settings: args.settings,
      cache,
      // the settings' timeouts section: how long a backend may take to accept, then to answer
      timeouts: {
        upstreamConnectMs: doc.timeouts.connectSeconds * 1000,
        upstreamIdleMs: doc.timeouts.upstreamSeconds * 1000,
      },
    });
    bound = await proxy.listen();
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  let audit: AuditWriter | null = null;
  if (doc.audit.enabled) {
    audit = new AuditWriter({
      path: doc.audit.path ?? join(defaultConfigPath(), '..', 'audit.ndjson'),
      maxBytes: doc.audit.maxSizeMb * MB,
      maxAgeMs: doc.audit.maxAgeDays * 86_400_000,
      keep: doc.audit.keep,
    });
    await audit.open();
    const redact = { query: doc.audit.redactQuery, headerValues: doc.audit.redactHeaderValues };
    proxy.on('exchange', (record) => audit?.write(auditLine(record, redact)));
  }
  for (const b of bound) {
    const shown = b.host.includes(':') ? `[${b.host}]` : b.host;
    process.stdout.write(`Veil reverse proxy listening on ${b.tls ? 'https' : 'http'}://${shown}:${b.port}\n`);
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
  await proxy.close();
  await audit?.close();
}
