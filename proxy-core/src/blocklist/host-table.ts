/**
 * A hash set of host names with a line number each, built for a million entries: names are
 * stored as bytes in one growing buffer and the table is typed arrays, so the garbage collector
 * sees a handful of objects instead of a million strings. Lookups hash the request host from the
 * right, so every label suffix (`c.b.a`, `b.a`, `a`) is probed in one pass with no allocation.
 */
export class HostTable {
  private bytes = new Uint8Array(1 << 16);
  /** A Buffer over `bytes`, for native latin1 decoding of matched names. */
  private view: Buffer | null = null;
  private used = 0;
  private offsets = new Int32Array(1 << 10);
  private lengths = new Uint8Array(1 << 10);
  private lines = new Int32Array(1 << 10);
  /** Open addressing, two ints per slot: the name's hash, then entry + 1 (0: empty). One cache line per probe. */
  private slots = new Int32Array(2 << 11);
  size = 0;

  /**
   * Sizes the table for about `count` names totalling at most `bytes` characters, so a big list
   * loads without repeated doubling (each doubling of a large buffer can trigger a full GC).
   */
  reserve(count: number, bytes: number): void {
    if (bytes > this.bytes.length) this.bytes = resize(this.bytes, bytes);
    if (count > this.offsets.length) this.resizeEntries(count);
    let slots = this.capacity;
    while (slots < count * 2) slots *= 2;
    if (slots > this.capacity) this.rehash(slots);
  }

  /** Gives back the unused part of the name buffer once loading is done. */
  compact(): void {
    if (this.bytes.length > this.used * 1.25 + 4096) this.bytes = this.bytes.slice(0, this.used + 1024);
  }

  /** Adds a host (lower-case ASCII, at most 253 characters); false when it is already there. */
  add(host: string, line: number): boolean {
    const len = host.length;
    let h = SEED;
    for (let i = len - 1; i >= 0; i--) h = Math.imul(h ^ host.charCodeAt(i), PRIME);
    if (this.find(host, 0, len, h) >= 0) return false;
    if (this.size * 2 >= this.capacity) this.rehash(this.capacity * 2);
    if (this.used + len > this.bytes.length) this.bytes = resize(this.bytes, Math.max(this.bytes.length * 2, len));
    const e = this.size++;
    if (e >= this.offsets.length) this.growEntries();
    for (let i = 0; i < len; i++) this.bytes[this.used + i] = host.charCodeAt(i);
    this.offsets[e] = this.used;
    this.lengths[e] = len;
    this.lines[e] = line;
    this.used += len;
    insertSlot(this.slots, e, h);
    return true;
  }

  /**
   * The entry matching `host` or one of its parent domains, as an index for `hostAt`/`lineAt`;
   * -1 when none. `host` must be lower-case.
   */
  lookup(host: string): number {
    if (this.size === 0) return -1;
    const len = host.length;
    let h = SEED;
    for (let i = len - 1; i >= 0; i--) {
      const c = host.charCodeAt(i);
      if (c === 46 && i < len - 1) {
        const e = this.find(host, i + 1, len, h);
        if (e >= 0) return e;
      }
      h = Math.imul(h ^ c, PRIME);
    }
    return this.find(host, 0, len, h);
  }

  /** The host name of entry `e` (allocates: for explanations only). */
  hostAt(e: number): string {
    const off = this.offsets[e]!;
    if (this.view?.buffer !== this.bytes.buffer) this.view = Buffer.from(this.bytes.buffer);
    return this.view.toString('latin1', off, off + this.lengths[e]!);
  }

  /** The list line entry `e` came from. */
  lineAt(e: number): number {
    return this.lines[e]!;
  }

  private get capacity(): number {
    return this.slots.length >> 1;
  }

  private find(host: string, start: number, end: number, h: number): number {
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    const len = end - start;
    for (let s = mix(h) & mask; ; s = (s + 1) & mask) {
      const entry = slots[2 * s + 1]!;
      if (entry === 0) return -1;
      if (slots[2 * s] === h) {
        const e = entry - 1;
        if (this.lengths[e] === len && this.sameBytes(e, host, start, len)) return e;
      }
    }
  }

  private sameBytes(e: number, host: string, start: number, len: number): boolean {
    const off = this.offsets[e]!;
    for (let i = 0; i < len; i++) if (this.bytes[off + i] !== host.charCodeAt(start + i)) return false;
    return true;
  }

  private rehash(capacity: number): void {
    const old = this.slots;
    this.slots = new Int32Array(capacity * 2);
    for (let s = 0; s < old.length; s += 2) if (old[s + 1] !== 0) insertSlot(this.slots, old[s + 1]! - 1, old[s]!);
  }

  private growEntries(): void {
    this.resizeEntries(this.offsets.length * 2);
  }

  private resizeEntries(n: number): void {
    this.offsets = resize(this.offsets, n);
    this.lengths = resize(this.lengths, n);
    this.lines = resize(this.lines, n);
  }
}

function insertSlot(slots: Int32Array, e: number, h: number): void {
  const mask = (slots.length >> 1) - 1;
  let s = mix(h) & mask;
  while (slots[2 * s + 1] !== 0) s = (s + 1) & mask;
  slots[2 * s] = h;
  slots[2 * s + 1] = e + 1;
}

// FNV-1a constants: cheap, and good enough spread for host names with linear probing
const SEED = 0x811c9dc5 | 0;
const PRIME = 16777619;

/** A finalizer: FNV's multiply only carries bits upward, so the low bits the mask keeps need mixing. */
function mix(h: number): number {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x45d9f3b);
  return x ^ (x >>> 16);
}

function resize<T extends Uint8Array | Int32Array>(a: T, n: number): T {
  const out = new (a.constructor as new (n: number) => T)(n);
  out.set(a);
  return out;
}
