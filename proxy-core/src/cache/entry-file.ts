import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';
import type { StoredEntry } from './stored-entry.js';

/**
 * One entry on disk: a JSON line (format version, the entry, the body's SHA-256) then the body.
 * Written to a temporary file, fsynced, then renamed, so a crash leaves either the old file,
 * the new one whole, or a stray temporary file — never a half entry under the real name.
 * The length and checksum catch what the file system still gets wrong (a torn or truncated file).
 */
interface EntryHead {
  /** 2 since Veil's own RFC 9111 code replaced http-cache-semantics' state; version 1 files are dropped at start. */
  v: 2;
  sha256: string;
  entry: StoredEntry;
}

/** The longest header line Veil reads back; anything longer is not one of its files. */
const MAX_HEAD = 4 * 1024 * 1024;

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Writes an entry atomically and durably. */
export async function writeEntryFile(path: string, entry: StoredEntry, body: Buffer): Promise<void> {
  const head: EntryHead = { v: 2, sha256: sha256(body), entry };
  const data = Buffer.concat([Buffer.from(`${JSON.stringify(head)}\n`), body]);
  await writeFileAtomic(path, data, { mode: 0o600 });
}

/** Reads an entry's header and checks the file's length; null when the file is not a whole entry. */
export async function readEntryHead(path: string): Promise<{ entry: StoredEntry; bodyOffset: number } | null> {
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  try {
    fh = await open(path, 'r');
    const size = (await fh.stat()).size;
    const chunks: Buffer[] = [];
    let read = 0;
    let newline = -1;
    while (newline < 0 && read < Math.min(size, MAX_HEAD)) {
      const buf = Buffer.alloc(Math.min(64 * 1024, size - read));
      const { bytesRead } = await fh.read(buf, 0, buf.length, read);
      if (bytesRead === 0) break;
      const at = buf.subarray(0, bytesRead).indexOf(0x0a);
      if (at >= 0) newline = read + at;
      chunks.push(buf.subarray(0, bytesRead));
      read += bytesRead;
    }
    if (newline < 0) return null;
    const head = parseHead(Buffer.concat(chunks).subarray(0, newline).toString('utf8'));
    if (!head) return null;
    const bodyOffset = newline + 1;
    if (size !== bodyOffset + head.entry.bodyLength) return null;
    return { entry: head.entry, bodyOffset };
  } catch {
    return null;
  } finally {
    await fh?.close();
  }
}

/** Reads a whole entry and verifies it; null when missing, short, or failing its checksum. */
export async function readEntryFile(path: string): Promise<{ entry: StoredEntry; body: Buffer } | null> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch {
    return null;
  }
  const newline = data.indexOf(0x0a);
  if (newline < 0) return null;
  const head = parseHead(data.subarray(0, newline).toString('utf8'));
  if (!head) return null;
  const body = data.subarray(newline + 1);
  if (body.length !== head.entry.bodyLength || sha256(body) !== head.sha256) return null;
  return { entry: head.entry, body };
}

function parseHead(line: string): EntryHead | null {
  try {
    const head = JSON.parse(line) as EntryHead;
    if (head.v !== 2 || typeof head.sha256 !== 'string' || typeof head.entry?.key !== 'string') return null;
    if (!Number.isInteger(head.entry.bodyLength) || head.entry.bodyLength < 0) return null;
    if (!Array.isArray(head.entry.headers) || typeof head.entry.url !== 'string') return null;
    if (!Number.isFinite(head.entry.requestTime) || !Number.isFinite(head.entry.responseTime)) return null;
    const span = head.entry.span;
    if (span !== undefined && !(Number.isInteger(span.start) && Number.isInteger(span.total))) return null;
    return head;
  } catch {
    return null;
  }
}
