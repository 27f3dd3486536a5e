import { createHash } from 'node:crypto';
import { access } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ListEntry } from '../blocklist/list-manager.js';
import { defaultConfigPath } from '../config-paths.js';
import { blocklistFeatureWith } from '../control/features/blocklist-feature.js';
import { createService } from '../control/service.js';
import { createFileStore } from '../control/settings-store.js';
import { ensurePrivateDir } from '../private-files.js';
import { CliError } from './cli-error.js';

export const BLOCKLIST_USAGE = `Usage: veil blocklist test URL [options]

  Prints whether Veil would block URL, and the rule, list and line that decide it.
  An https:// URL (or a bare host name) is judged as a CONNECT tunnel: only the host is known.

  --blocklist FILE_OR_URL  Also use this list, any supported format (repeatable)
  --referer URL            The page the request comes from (for $third-party and domain= rules)
  --config FILE            Settings file (default $XDG_CONFIG_HOME/veil/config.json)
  -h, --help               Show this help
`;

/** Turns `--blocklist` values into run-only lists: URLs are subscriptions, anything else a file. */
export async function runListEntries(sources: readonly string[]): Promise<ListEntry[]> {
  const out: ListEntry[] = [];
  for (const raw of sources) {
    const isUrl = /^https?:\/\//i.test(raw);
    const source = isUrl ? { type: 'url' as const, url: raw } : { type: 'file' as const, path: resolve(raw) };
    if (source.type === 'file') {
      await access(source.path).catch(() => {
        throw new CliError(`--blocklist ${raw}: cannot read ${source.path}. Give a readable file or an http(s) URL.`);
      });
    }
    const key = createHash('sha256')
      .update(isUrl ? raw : resolve(raw))
      .digest('hex')
      .slice(0, 10);
    out.push({
      id: `run-${key}`,
      name: isUrl ? new URL(raw).hostname : basename(raw),
      enabled: true,
      source,
      format: 'auto',
      runOnly: true,
    });
  }
  return out;
}

/** `veil blocklist test URL`: exit 0 when allowed or unmatched, 1 when blocked. */
export async function blocklistCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '-h' || sub === '--help') {
    process.stdout.write(BLOCKLIST_USAGE);
    return;
  }
  if (sub !== 'test') throw new CliError(`Unknown blocklist command "${sub}". Try \`veil blocklist test URL\`.`);
  let parsed: ReturnType<typeof parseTestArgs>;
  try {
    parsed = parseTestArgs(rest);
  } catch (err) {
    throw new CliError(`${(err as Error).message}\nRun \`veil blocklist --help\` for the options.`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(BLOCKLIST_USAGE);
    return;
  }
  if (positionals.length !== 1) throw new CliError('veil blocklist test takes exactly one URL.');
  const target = positionals[0]!;
  if (!isTestable(target)) {
    throw new CliError(
      `"${target}" is not a URL or host name. Give one like https://ads.example.com/pixel.gif or ads.example.com.`,
    );
  }
  for (const raw of values.blocklist ?? []) {
    if (/^https?:\/\//i.test(raw)) {
      throw new CliError(
        `--blocklist ${raw}: veil blocklist test never downloads. Save the list to a file (curl -o list.txt ${raw}) and pass the file.`,
      );
    }
  }
  const runLists = await runListEntries(values.blocklist ?? []);
  const configPath = values.config ?? defaultConfigPath();
  const dataDir = dirname(configPath);
  await ensurePrivateDir(dataDir);
  const service = createService({
    store: createFileStore(configPath),
    dataDir,
    overrides: { proxy: { enabled: false } },
    features: [blocklistFeatureWith({ runLists, downloads: false })],
  });
  try {
    await service.start();
    // the stored copies only: a test must not reach the network (or tell a list's server it ran)
    for (const info of await service.invoke('blocklist.list')) {
      if (!info.enabled) continue;
      if (info.source.type === 'url' && info.lastUpdate === null) {
        process.stderr.write(
          `veil: list "${info.name}" is not used: it was never downloaded (veil serve downloads it; this test never does).\n`,
        );
      } else if (info.lastError) process.stderr.write(`veil: list "${info.name}": ${info.lastError}\n`);
    }
    const result = await service.invoke('blocklist.test', {
      url: target,
      ...(values.referer ? { referer: values.referer } : {}),
    });
    process.stdout.write(`${result.decision.toUpperCase()}  ${result.explanation}\n`);
    if (result.decision === 'block') process.exitCode = 1;
  } finally {
    await service.shutdown(2000);
  }
}

/** A URL with a host (http, https, ws, wss) or a bare host name: what `blocklist.test` can judge. */
function isTestable(text: string): boolean {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    try {
      return new URL(text).hostname !== '';
    } catch {
      return false;
    }
  }
  return /^[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?(:\d+)?$/i.test(text);
}

function parseTestArgs(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      blocklist: { type: 'string', multiple: true },
      referer: { type: 'string' },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
