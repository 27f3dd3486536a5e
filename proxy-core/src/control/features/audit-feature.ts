import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ExchangeRecord } from '../../proxy/exchange-record.js';
import { auditLine } from '../../traffic/audit-line.js';
import { AuditWriter, auditUsage } from '../../traffic/audit-writer.js';
import type { Feature, FeatureFactory, ServiceHost } from '../feature.js';
import type { Settings } from '../settings-schema.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The audit log's feature: one NDJSON line per exchange while `audit.enabled`. */
export const auditFeature: FeatureFactory = (host) => createAuditFeature(host);

/** Builds the audit feature; `now` is for tests of age rotation. */
export function createAuditFeature(host: ServiceHost, now?: () => number): Feature & { writer(): AuditWriter | null } {
  let writer: AuditWriter | null = null;
  let config: Settings['audit'] | null = null;
  let unsubscribe: (() => void) | null = null;
  let attached: { on: (e: 'exchange', l: (r: ExchangeRecord) => void) => () => void } | null = null;

  const pathOf = (a: Settings['audit']): string => a.path ?? join(host.dataDir, 'audit.ndjson');

  function onExchange(record: ExchangeRecord): void {
    // only final records: an `open` one is replaced later, and a log line cannot be
    if (!writer || !config || record.state !== 'done') return;
    writer.write(auditLine(record, { query: config.redactQuery, headerValues: config.redactHeaderValues }));
  }

  function listen(): void {
    unsubscribe?.();
    unsubscribe = writer && attached ? attached.on('exchange', onExchange) : null;
  }

  async function reopen(next: Settings['audit']): Promise<void> {
    const old = writer;
    writer = null;
    await old?.close();
    if (!next.enabled) return;
    const fresh = new AuditWriter({
      path: pathOf(next),
      maxBytes: next.maxSizeMb * 1024 * 1024,
      maxAgeMs: next.maxAgeDays * DAY_MS,
      keep: next.keep,
      ...(now ? { now } : {}),
    });
    try {
      await fresh.open();
      writer = fresh;
    } catch (err) {
      host.notify({
        level: 'warning',
        code: 'AUDIT_OPEN',
        message: `The audit log cannot be written: ${(err as Error).message}`,
        action: 'Choose another audit log path in Settings, or turn the audit log off.',
      });
    }
  }

  return {
    name: 'audit',
    async check(next) {
      if (!next.audit.enabled) return [];
      const problem = await writeProblem(pathOf(next.audit));
      return problem ? [{ path: 'audit.path', message: problem }] : [];
    },
    writer: () => writer,
    async applySettings(settings) {
      const next = settings.audit;
      // redaction changes apply to the next line; only the file and its limits need a reopen
      const reopenNeeded =
        !config ||
        next.enabled !== config.enabled ||
        pathOf(next) !== pathOf(config) ||
        next.maxSizeMb !== config.maxSizeMb ||
        next.maxAgeDays !== config.maxAgeDays ||
        next.keep !== config.keep;
      config = next;
      if (reopenNeeded) await reopen(next);
      listen();
    },
    attach(proxy) {
      attached = proxy;
      listen();
    },
    onRecord: onExchange,
    detach() {
      unsubscribe?.();
      unsubscribe = null;
      attached = null;
    },
    commands: {
      'audit.status': async () => {
        const a = config ?? host.settings().audit;
        const usage = await auditUsage(pathOf(a));
        return { enabled: writer !== null, path: pathOf(a), bytes: usage.bytes, files: usage.files };
      },
    },
    async dispose() {
      unsubscribe?.();
      await writer?.close();
      writer = null;
    },
  };
}

/**
 * Why Veil could not write an audit log at `path`, in words, or null when it can: checked without creating
 * anything (the nearest folder that exists must be writable; the file, if it exists, must be a writable file).
 */
async function writeProblem(path: string): Promise<string | null> {
  const existing = await stat(path).catch(() => null);
  if (existing?.isDirectory()) return `${path} is a folder; give the path of a file inside it.`;
  if (existing) {
    const ok = await access(path, constants.W_OK).then(
      () => true,
      () => false,
    );
    return ok ? null : `Veil may not write ${path}: choose a file you can write.`;
  }
  let dir = dirname(path);
  for (;;) {
    const st = await stat(dir).catch(() => null);
    if (st) {
      if (!st.isDirectory()) return `${dir} is a file, so the log cannot go inside it.`;
      const ok = await access(dir, constants.W_OK).then(
        () => true,
        () => false,
      );
      return ok ? null : `Veil may not create files in ${dir}: choose a folder you can write.`;
    }
    const parent = dirname(dir);
    if (parent === dir) return `No folder of ${path} exists.`;
    dir = parent;
  }
}
