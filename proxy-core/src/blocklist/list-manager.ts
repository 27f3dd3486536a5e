import { readFile } from 'node:fs/promises';
import { type SerialQueue, serialQueue } from '../serial-queue.js';
import type { BlocklistEntry, BlocklistInfo, BlocklistProgress } from './blocklist-schema.js';
import { compileList } from './compile-list.js';
import type { CompiledList } from './compiled-list.js';
import type { DownloadOptions, DownloadResult } from './list-download.js';
import type { ListStore, StoredMeta } from './list-store.js';

/** A list as the manager sees it: from the settings, or added for one run (`veil serve --blocklist`). */
export type ListEntry = BlocklistEntry & { runOnly?: boolean };

export interface ListManagerOptions {
  store: ListStore;
  download(url: string, options: DownloadOptions): Promise<DownloadResult>;
  progress(p: BlocklistProgress): void;
  /** A list failed to update: the user should hear of it. */
  failed(entry: ListEntry, message: string): void;
  /** The set of compiled lists changed. */
  changed(): void;
  refreshHours(): number;
}

interface ListState {
  entry: ListEntry;
  meta: StoredMeta;
  list: CompiledList | null;
  /** Operations on one list run one after another. */
  queue: SerialQueue;
  hits: number;
  /** Hits per rule, by line, with the rule's text. */
  ruleHits: Map<number, { rule: string; hits: number }>;
}

const RULE_HITS_KEPT = 10_000;

/**
 * Holds every list's compiled rules and metadata; loads stored copies, downloads and refreshes
 * subscriptions, re-reads files. A failed or malformed update keeps the previous version and
 * records the error in `lastError`: nothing the user had is lost.
 */
export class ListManager {
  private readonly states = new Map<string, ListState>();

  constructor(private readonly options: ListManagerOptions) {}

  /** Matches the lists to `entries`: new ones are loaded, disabled ones freed. Resolves when all are loaded. */
  sync(entries: readonly ListEntry[]): Promise<void> {
    const wanted = new Set(entries.map((e) => e.id));
    let changed = false;
    for (const id of [...this.states.keys()]) {
      if (!wanted.has(id)) {
        this.states.delete(id);
        changed = true;
      }
    }
    const loads: Promise<void>[] = [];
    for (const entry of entries) {
      let state = this.states.get(entry.id);
      const sameSource = state && sameList(state.entry, entry);
      if (!state || !sameSource) {
        state = { entry, meta: emptyMeta(), list: null, queue: serialQueue(), hits: 0, ruleHits: new Map() };
        this.states.set(entry.id, state);
        changed = true;
      }
      state.entry = entry;
      if (!entry.enabled) {
        if (state.list) changed = true;
        state.list = null;
        continue;
      }
      if (!state.list) loads.push(this.enqueue(state, () => this.load(state)));
    }
    if (changed) this.options.changed();
    return Promise.all(loads).then(() => undefined);
  }

  /** Updates one list (or every enabled URL/file list) now, unconditionally of age. */
  refresh(id?: string): Promise<void> {
    const targets = [...this.states.values()].filter((s) => (id ? s.entry.id === id : s.entry.enabled));
    return Promise.all(targets.map((s) => this.enqueue(s, () => this.update(s)))).then(() => undefined);
  }

  /** Updates enabled subscriptions that were never downloaded, failed, or are older than refreshHours. */
  refreshDue(now = Date.now()): Promise<void> {
    const maxAge = this.options.refreshHours() * 3_600_000;
    const due = [...this.states.values()].filter((s) => {
      if (!s.entry.enabled || s.entry.source.type !== 'url') return false;
      if (!s.meta.lastUpdate) return !s.meta.lastAttempt || now - s.meta.lastAttempt > 60_000;
      if (s.meta.lastError && s.meta.lastAttempt && now - s.meta.lastAttempt < 3_600_000) return false;
      return now - s.meta.lastUpdate >= maxAge;
    });
    return Promise.all(due.map((s) => this.enqueue(s, () => this.update(s)))).then(() => undefined);
  }

  /** Waits for everything queued so far. */
  async idle(): Promise<void> {
    await Promise.all([...this.states.values()].map((s) => s.queue.idle()));
  }

  /** Enabled, loaded lists in settings order. */
  compiled(): CompiledList[] {
    const out: CompiledList[] = [];
    for (const s of this.states.values()) if (s.entry.enabled && s.list) out.push(s.list);
    return out;
  }

  /** Counts a block by `rule` (at `line`) of list `id`. */
  count(id: string, line: number, rule: string): void {
    const s = this.states.get(id);
    if (!s) return;
    s.hits++;
    const known = s.ruleHits.get(line);
    if (known) known.hits++;
    else if (s.ruleHits.size < RULE_HITS_KEPT) s.ruleHits.set(line, { rule, hits: 1 });
  }

  info(id: string): BlocklistInfo | null {
    const s = this.states.get(id);
    return s ? toInfo(s) : null;
  }

  infos(): BlocklistInfo[] {
    return [...this.states.values()].map(toInfo);
  }

  private enqueue(state: ListState, op: () => Promise<void>): Promise<void> {
    return state.queue(op);
  }

  /** First load: the stored copy (URL), the file, or the typed text. */
  private async load(state: ListState): Promise<void> {
    const { entry } = state;
    if (entry.source.type === 'text') {
      await this.accept(state, entry.source.text, {}, false);
      return;
    }
    const { store } = this.options;
    const meta = await store.readMeta(entry.id);
    if (meta) state.meta = meta;
    if (entry.source.type === 'file') {
      await this.update(state);
      return;
    }
    const text = await store.readText(entry.id);
    if (text !== null) {
      const { list, report } = await compileList(
        entry.id,
        entry.name,
        text,
        entry.format,
        this.parseProgress(entry.id),
      );
      if (this.states.get(entry.id) !== state) return;
      state.meta = { ...state.meta, format: report.format, rules: list.rules, skipped: report.skipped };
      state.list = list;
      this.options.changed();
    }
  }

  /** Downloads (URL) or re-reads (file); on failure keeps what it had and records why. */
  private async update(state: ListState): Promise<void> {
    const { entry } = state;
    const source = entry.source;
    if (source.type === 'text') return;
    state.meta.lastAttempt = Date.now();
    try {
      if (source.type === 'file') {
        const text = await readFile(source.path, 'utf8').catch((err: NodeJS.ErrnoException) => {
          throw new Error(`cannot read ${source.path} (${err.code ?? err.message})`);
        });
        await this.accept(state, text, {}, true);
        return;
      }
      const hasCopy = state.list !== null;
      this.options.progress({ id: entry.id, phase: 'download', done: 0, total: null });
      const result = await this.options.download(source.url, {
        etag: hasCopy ? state.meta.etag : null,
        lastModified: hasCopy ? state.meta.lastModified : null,
        onProgress: (done, total) => this.options.progress({ id: entry.id, phase: 'download', done, total }),
      });
      if (result.status === 'not-modified') {
        state.meta = { ...state.meta, lastUpdate: Date.now(), lastError: null };
        await this.options.store.writeMeta(entry.id, state.meta);
        this.options.progress({ id: entry.id, phase: 'done', done: state.meta.rules, total: state.meta.rules });
        return;
      }
      await this.accept(state, result.text, { etag: result.etag, lastModified: result.lastModified }, true);
    } catch (err) {
      const message = (err as Error).message;
      const repeated = state.meta.lastError === message;
      state.meta = { ...state.meta, lastError: message };
      await this.options.store.writeMeta(entry.id, state.meta).catch(() => undefined);
      this.options.progress({ id: entry.id, phase: 'error', done: 0, total: null, message });
      // one notice per new problem: a list that stays broken is retried hourly without nagging
      if (!repeated) this.options.failed(entry, message);
    }
  }

  /** Compiles new content; only a list with rules replaces the current one (and its stored copy). */
  private async accept(
    state: ListState,
    text: string,
    validators: Partial<Pick<StoredMeta, 'etag' | 'lastModified'>>,
    persist: boolean,
  ): Promise<void> {
    const { entry } = state;
    if (/^\s*<(!doctype|html)/i.test(text.slice(0, 512))) {
      throw new Error('the download is a web page, not a list (kept the previous version)');
    }
    const { list, report } = await compileList(entry.id, entry.name, text, entry.format, this.parseProgress(entry.id));
    if (list.rules === 0 && entry.source.type !== 'text') {
      throw new Error(
        `no rules found in ${report.lines} lines (${report.skipped} skipped): not a ${report.format} list? Kept the previous version.`,
      );
    }
    state.meta = {
      ...state.meta,
      ...validators,
      lastUpdate: Date.now(),
      lastError: null,
      format: report.format,
      rules: list.rules,
      skipped: report.skipped,
      skippedLines: report.skippedLines,
    };
    if (persist) {
      await this.options.store.writeText(entry.id, text);
      await this.options.store.writeMeta(entry.id, state.meta);
    }
    if (this.states.get(entry.id) !== state) return; // removed or replaced meanwhile
    state.list = entry.enabled ? list : null;
    this.options.progress({ id: entry.id, phase: 'done', done: list.rules, total: list.rules });
    this.options.changed();
  }

  private parseProgress(id: string) {
    return { onProgress: (done: number, total: number) => this.options.progress({ id, phase: 'parse', done, total }) };
  }
}

function sameList(a: ListEntry, b: ListEntry): boolean {
  return a.format === b.format && a.name === b.name && JSON.stringify(a.source) === JSON.stringify(b.source);
}

function emptyMeta(): StoredMeta {
  return {
    etag: null,
    lastModified: null,
    lastUpdate: null,
    lastAttempt: null,
    lastError: null,
    format: 'auto',
    rules: 0,
    skipped: 0,
    skippedLines: [],
  };
}

function toInfo(s: ListState): BlocklistInfo {
  const top = [...s.ruleHits].sort((a, b) => b[1].hits - a[1].hits).slice(0, 10);
  return {
    id: s.entry.id,
    name: s.entry.name,
    enabled: s.entry.enabled,
    source: s.entry.source,
    format: s.meta.format === 'auto' ? s.entry.format : s.meta.format,
    rules: s.meta.rules,
    skipped: s.meta.skipped,
    lastUpdate: s.meta.lastUpdate,
    lastError: s.meta.lastError,
    skippedLines: s.meta.skippedLines.slice(0, 20),
    hits: s.hits,
    topRules: top.map(([line, r]) => ({ line, rule: r.rule, hits: r.hits })),
    runOnly: s.entry.runOnly === true,
  };
}
