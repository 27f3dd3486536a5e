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
  const runLists = await runListEntries(values.blocklist ?? []);
  const configPath = values.config ?? defaultConfigPath();
  const dataDir = dirname(configPath);
  await ensurePrivateDir(dataDir);
  const service = createService({
    store: createFileStore(configPath),
    dataDir,
    overrides: { proxy: { enabled: false } },
    features: [blocklistFeatureWith({ runLists })],
  });
  try {
    await service.start();
    // run-only subscriptions are fetched now, so the test sees them
    for (const l of runLists) if (l.source.type === 'url') await service.invoke('blocklist.refresh', { id: l.id });
    for (const info of await service.invoke('blocklist.list')) {
      if (info.enabled && info.lastError) process.stderr.write(`veil: list "${info.name}": ${info.lastError}\n`);
    }
    const result = await service.invoke('blocklist.test', {
      url: positionals[0]!,
      ...(values.referer ? { referer: values.referer } : {}),
    });
    process.stdout.write(`${result.decision.toUpperCase()}  ${result.explanation}\n`);
    if (result.decision === 'block') process.exitCode = 1;
  } finally {
    await service.shutdown(2000);
  }
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
