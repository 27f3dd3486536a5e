import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { chmod, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../private-files.js';

export interface AuditWriterOptions {
  path: string;
  /** Rotate before the file would pass this size. */
  maxBytes: number;
  /** Rotate when the file is older than this. */
  maxAgeMs: number;
  /** Rotated files kept (`path.1` newest … `path.N` oldest); older ones are deleted. */
  keep: number;
  /** Lines waiting in memory at most (while rotating or while the disk is slow); beyond, they are dropped and counted. */
  maxPendingBytes?: number;
  now?: () => number;
}

/**
 * An append-only NDJSON file that never blocks the caller: `write()` hands the line to a buffered stream and
 * returns. Memory is bounded: when the disk falls behind by `maxPendingBytes`, lines are dropped and counted
 * (`dropped`), and the next line written says so.
 */
export class AuditWriter {
  private stream: WriteStream | null = null;
  private size = 0;
  private openedAt = 0;
  private pending: string[] = [];
  private pendingBytes = 0;
  private busy: Promise<void> | null = null;
  private closed = false;
  private readonly now: () => number;
  private readonly maxPending: number;
  /** Lines lost because the disk could not keep up (reported in the log itself). */
  dropped = 0;
  /** The last write error, if any. */
  lastError: string | null = null;

  constructor(private readonly opts: AuditWriterOptions) {
    this.now = opts.now ?? Date.now;
    this.maxPending = opts.maxPendingBytes ?? 8 * 1024 * 1024;
  }

  /** Opens (appending to) the file; rotates first if it is already too old or too big. */
  async open(): Promise<void> {
    this.run(() => this.openFile());
    while (this.busy) await this.busy;
    if (this.lastError) throw new Error(this.lastError);
  }

  private async openFile(): Promise<void> {
    await ensurePrivateDir(dirname(this.opts.path));
    const st = await stat(this.opts.path).catch(() => null);
    // the log holds headers (cookies when values are kept): owner only, also for a file an older Veil made
    if (st) await chmod(this.opts.path, PRIVATE_FILE_MODE);
    this.size = st?.size ?? 0;
    this.openedAt = st ? st.birthtimeMs || st.ctimeMs : this.now();
    if (st && this.dueForRotation(0)) await this.rotateFiles();
    else this.openStream();
  }

  /** Appends one line (no newline needed). Never throws, never waits. */
  write(line: string): void {
    if (this.closed) return;
    this.enqueue(`${line}\n`);
  }

  private enqueue(text: string): void {
    const bytes = Buffer.byteLength(text);
    if (this.busy || !this.stream) {
      this.hold(text, bytes);
      return;
    }
    if (this.dueForRotation(bytes)) {
      this.hold(text, bytes);
      this.run(() => this.rotateFiles());
      return;
    }
    if (this.stream.writableLength > this.maxPending) {
      this.dropped++;
      return;
    }
    this.append(text, bytes);
  }

  /** Flushes what is buffered and closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.busy) await this.busy;
    await this.endStream();
  }

  /** Waits until every line written so far is on disk (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.busy) await this.busy;
    const s = this.stream;
    if (s && !s.destroyed) await new Promise<void>((resolve) => s.write('', () => resolve()));
  }

  /** The log and its rotated files: total bytes and count. */
  usage(): Promise<{ bytes: number; files: number }> {
    return auditUsage(this.opts.path);
  }

  private dueForRotation(incoming: number): boolean {
    if (this.size > 0 && this.size + incoming > this.opts.maxBytes) return true;
    return this.size > 0 && this.now() - this.openedAt > this.opts.maxAgeMs;
  }

  private append(text: string, bytes: number): void {
    if (this.dropped > 0) {
      const note = `${JSON.stringify({ t: new Date(this.now()).toISOString(), dropped: this.dropped })}\n`;
      this.dropped = 0;
      this.stream!.write(note);
      this.size += Buffer.byteLength(note);
    }
    this.stream!.write(text);
    this.size += bytes;
  }

  private hold(text: string, bytes: number): void {
    if (this.pendingBytes + bytes > this.maxPending) {
      this.dropped++;
      return;
    }
    this.pending.push(text);
    this.pendingBytes += bytes;
  }

  private run(job: () => Promise<void>): void {
    this.busy = job()
      .catch((err: Error) => {
        this.lastError = err.message;
      })
      .finally(() => {
        this.busy = null;
        const queued = this.pending;
        this.pending = [];
        this.pendingBytes = 0;
        for (const text of queued) this.enqueue(text);
      });
  }

  private openStream(): void {
    const stream = createWriteStream(this.opts.path, { flags: 'a', mode: PRIVATE_FILE_MODE });
    stream.on('error', (err) => {
      this.lastError = err.message;
    });
    this.stream = stream;
  }

  private async endStream(): Promise<void> {
    const s = this.stream;
    this.stream = null;
    if (!s || s.destroyed) return;
    s.end();
    await once(s, 'close').catch(() => undefined);
  }

  /** path.N-1 → path.N … path → path.1, dropping what passes `keep`; then a fresh file. */
  private async rotateFiles(): Promise<void> {
    await this.endStream();
    const p = this.opts.path;
    await unlink(`${p}.${this.opts.keep}`).catch(() => undefined);
    for (let i = this.opts.keep - 1; i >= 1; i--) await rename(`${p}.${i}`, `${p}.${i + 1}`).catch(() => undefined);
    await rename(p, `${p}.1`).catch(() => undefined);
    // files beyond `keep` left by an earlier, larger setting
    const dir = dirname(p);
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const m = new RegExp(`^${escapeRegExp(basename(p))}\\.(\\d+)$`).exec(name);
      if (m && Number(m[1]) > this.opts.keep) await unlink(join(dir, name)).catch(() => undefined);
    }
    this.size = 0;
    this.openedAt = this.now();
    // also while closing: lines held during the rotation still go to the fresh file before it closes
    this.openStream();
  }
}

/** Total bytes and number of files of an audit log and its rotated copies (`path`, `path.1`, …). */
export async function auditUsage(path: string): Promise<{ bytes: number; files: number }> {
  const dir = dirname(path);
  const rotated = new RegExp(`^${escapeRegExp(basename(path))}(\\.\\d+)?$`);
  let bytes = 0;
  let files = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!rotated.test(name)) continue;
    const st = await stat(join(dir, name)).catch(() => null);
    if (!st?.isFile()) continue;
    bytes += st.size;
    files++;
  }
  return { bytes, files };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
