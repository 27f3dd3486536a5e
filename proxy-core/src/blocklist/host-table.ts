import { normalizeRequestHost } from './host-name.js';

/**
 * A hash set of host names with a line number each, built for a million entries: names are
 * stored as bytes in one growing buffer and the table is typed arrays, so the garbage collector
 * sees a handful of objects instead of a million strings. A lookup probes every label suffix
 * of the request host (`c.b.a`, `b.a`, `a`) and allocates nothing.
 *
 * At a million names the table is far bigger than the CPU caches, so what a lookup costs is
 * its cache misses (each a trip to memory, 0.1-0.4 µs on this kind of machine), and it is
 * built to have few and to wait for them together:
 * - a Bloom filter (1 byte per name, a thirty-second of the table: far likelier to be cached)
 *   answers "not here" for most suffixes, and every suffix's filter word is loaded back to back
 *   so the misses overlap;
 * - a slot holds a 64-bit fingerprint of its name (a hash, and a second one worked out only
 *   when the first matches) and the line, so a block is decided from one slot read. Exact
 *   lookups (allow rules, duplicates) also compare the stored name.
 */
export class HostTable {
  /** Names, each as [length: 1 byte][name: length bytes] (a record). */
  private bytes = new Uint8Array(1 << 16);
  /** A Buffer over `bytes`, for native latin1 decoding of names. */
  private view: Buffer | null = null;
  private used = 0;
  /**
   * Open addressing, four ints per slot (16 bytes, four to a cache line): hash, second hash,
   * line, record offset + 1 (0: empty).
   */
  private slots = new Int32Array(SLOT_INTS << 11);
  /** One 32-bit word per 8 slots; a name sets 3 bits of one word. */
  private bloom = new Int32Array((1 << 11) / SLOTS_PER_BLOOM_WORD);
  /** Names were added since the filter was built: rebuild it before the next lookup. */
  private bloomStale = false;
  size = 0;

  /**
   * Sizes the table for about `count` names totalling at most `bytes` characters, so a big list
   * loads without repeated doubling (each doubling of a large buffer can trigger a full GC).
   */
  reserve(count: number, bytes: number): void {
    const need = bytes + count;
    if (need > this.bytes.length) this.bytes = resize(this.bytes, need);
    let slots = this.capacity;
    while (slots < count * 2) slots *= 2;
    if (slots > this.capacity) this.rehash(slots);
  }

  /** Gives back the unused part of the name buffer and builds the filter once loading is done. */
  compact(): void {
    if (this.bytes.length > this.used * 1.25 + 4096) this.bytes = this.bytes.slice(0, this.used + 1024);
    if (this.bloomStale) this.buildBloom();
  }

  /** Adds a host (lower-case ASCII, at most 253 characters); false when it is already there. */
  add(host: string, line: number): boolean {
    const len = host.length;
    if (this.size * 2 >= this.capacity) this.rehash(this.capacity * 2);
    if (this.used + 1 + len > this.bytes.length) {
      this.bytes = resize(this.bytes, Math.max(this.bytes.length * 2, this.used + 1 + len));
    }
    // the name goes where its record would start; `used` moves past it only if it is new
    const b = this.bytes;
    const at = this.used;
    let h = SEED;
    for (let i = len - 1; i >= 0; i--) {
      const c = host.charCodeAt(i);
      b[at + 1 + i] = c;
      h = Math.imul(h ^ c, PRIME);
    }
    // the probe reads the slot line the insert then writes: one miss per add. The filter is
    // rebuilt in one pass when loading is done (setting its bits one add at a time would be a
    // second miss per add)
    if (this.probe(b, at + 1, len, h, true) >= 0) return false;
    const g = secondHash(b, at + 1, len);
    b[at] = len;
    this.used += 1 + len;
    this.size++;
    insertSlot(this.slots, h, g, line, at);
    this.bloomStale = true;
    return true;
  }

  /**
   * The entry matching `host` or one of its parent domains, as a handle for `hostAt`/`lineAt`;
   * -1 when none. Exact (names compared). The matcher encodes a request host once with a
   * HostKey and calls `lookupKey` for every list instead.
   */
  lookup(host: string): number {
    return this.lookupKey(SCRATCH.set(host), true);
  }

  /**
   * `lookup` for an encoded host: reads only typed arrays, allocates nothing. The key holds the
   * hashes of every label suffix; every suffix's filter word is loaded back to back so the
   * misses overlap instead of queueing, then only the slots of the rare suffixes the filter lets
   * through are read, shortest suffix first (`example.com` explains a block of
   * `ads.example.com` when both are listed). `exact` also compares the stored name; without it
   * a 64-bit fingerprint decides (a false match is a 1-in-10^19 event per probe, and would only
   * block a name, never allow one: allow tables are looked up exactly).
   */
  lookupKey(key: HostKey, exact: boolean): number {
    if (this.size === 0) return -1;
    if (this.bloomStale) this.buildBloom();
    const n = key.suffixes;
    const hashes = key.hashes;
    const bloom = this.bloom;
    const words = bloom.length - 1;
    let maybe = 0;
    const filtered = Math.min(n, 31);
    for (let k = 0; k < filtered; k++) {
      const hk = hashes[k]!;
      const m = bloomBits(hk);
      if ((bloom[mix(hk) & words]! & m) === m) maybe |= 1 << k;
    }
    const len = key.length;
    for (let k = 0; k < n; k++) {
      if (k < 31 ? (maybe & (1 << k)) === 0 : !this.mayHave(hashes[k]!)) continue;
      const start = key.starts[k]!;
      if (len - start > MAX_NAME) continue;
      const s = this.probe(key.bytes, start, len - start, hashes[k]!, exact);
      if (s >= 0) return s * 256 + (len - start);
    }
    return -1;
  }

  /** The length of the name of entry `e`: a match is the request host's last that many characters. */
  nameLength(e: number): number {
    return e % 256;
  }

  /** The list line entry `e` came from. */
  lineAt(e: number): number {
    return this.slots[Math.floor(e / 256) * SLOT_INTS + 2]! >>> 0;
  }

  /** The host name of entry `e` (allocates: for explanations only). */
  hostAt(e: number): string {
    const at = this.slots[Math.floor(e / 256) * SLOT_INTS + 3]! - 1;
    if (this.view?.buffer !== this.bytes.buffer) this.view = Buffer.from(this.bytes.buffer);
    return this.view.toString('latin1', at + 1, at + 1 + this.bytes[at]!);
  }

  private get capacity(): number {
    return this.slots.length / SLOT_INTS;
  }

  /** Whether the filter lets `h` through (false: certainly not in the table). */
  private mayHave(h: number): boolean {
    const m = bloomBits(h);
    return (this.bloom[mix(h) & (this.bloom.length - 1)]! & m) === m;
  }

  /**
   * The slot of the name `src[start, start + len)` with hash `h`, or -1. The fingerprint hash is
   * worked out only when a slot's hash matches: rarely, so the per-character work of a lookup
   * is one multiply.
   */
  private probe(src: Uint8Array, start: number, len: number, h: number, exact: boolean): number {
    const slots = this.slots;
    const mask = this.capacity - 1;
    let g = 0;
    let hasG = false;
    for (let s = mix(h) & mask; ; s = (s + 1) & mask) {
      const i = s * SLOT_INTS;
      const record = slots[i + 3]!;
      if (record === 0) return -1;
      if (slots[i] !== h) continue;
      if (!hasG) {
        g = secondHash(src, start, len);
        hasG = true;
      }
      if (slots[i + 1] === g && (!exact || this.sameName(record - 1, src, start, len))) return s;
    }
  }

  private sameName(at: number, src: Uint8Array, start: number, len: number): boolean {
    const b = this.bytes;
    if (b[at] !== len) return false;
    for (let i = 0; i < len; i++) if (b[at + 1 + i] !== src[start + i]) return false;
    return true;
  }

  private rehash(capacity: number): void {
    const old = this.slots;
    this.slots = new Int32Array(capacity * SLOT_INTS);
    for (let i = 0; i < old.length; i += SLOT_INTS) {
      if (old[i + 3] !== 0) insertSlot(this.slots, old[i]!, old[i + 1]!, old[i + 2]!, old[i + 3]! - 1);
    }
    this.bloomStale = true;
  }

  /** The filter from every slot's hash: one sequential pass, with a filter small enough to stay cached. */
  private buildBloom(): void {
    const slots = this.slots;
    const bloom = new Int32Array(this.capacity / SLOTS_PER_BLOOM_WORD);
    for (let i = 0; i < slots.length; i += SLOT_INTS) if (slots[i + 3] !== 0) addToBloom(bloom, slots[i]!);
    this.bloom = bloom;
    this.bloomStale = false;
  }
}

/**
 * A request host as bytes with the hashes of its label suffixes, worked out in one pass once
 * per decision and probed in every list: reading a typed array is several times faster than
 * `charCodeAt` on the sliced strings URL parsing yields. Encoding also normalises (ASCII lower
 * case, no trailing dot, no IPv6 brackets) as MatchRequest.host does, so the hot path never
 * builds a lower-cased string.
 */
export class HostKey {
  bytes = new Uint8Array(256);
  length = 0;
  /** Whether the bytes are the host exactly as given (nothing lower-cased or dropped). */
  clean = true;
  /** How many label suffixes: for `c.b.a`, 3 (`a`, `b.a`, `c.b.a`, shortest first). */
  suffixes = 0;
  /** Where each suffix starts in `bytes`. */
  starts = new Int32Array(257);
  /** Each suffix's hash. */
  hashes = new Int32Array(257);

  /** Encodes `host`, replacing the previous one. */
  set(host: string): this {
    let end = host.length;
    if (end > 0 && host.charCodeAt(end - 1) === 46) end--;
    let begin = 0;
    if (end > 0 && host.charCodeAt(0) === 91) {
      begin = 1;
      end = Math.max(begin, end - 1);
    }
    if (!this.encode(host, begin, end)) this.encode(normalizeRequestHost(host), 0, -1);
    this.clean = this.clean && begin === 0 && end === host.length;
    return this;
  }

  /**
   * Encodes `host[begin, end)` from the right, hashing as it goes. False when it meets a
   * non-ASCII character and `end` is not -1: Unicode lower-casing can yield ASCII (the Kelvin
   * sign is `k`), so the caller retries on the lower-cased string, where what is still
   * non-ASCII becomes 0xff, which no name in a table contains.
   */
  private encode(host: string, begin: number, endOrAll: number): boolean {
    const unicode = endOrAll === -1;
    const end = unicode ? host.length : endOrAll;
    const len = end - begin;
    if (len >= this.bytes.length) this.grow(len + 1);
    const b = this.bytes;
    const starts = this.starts;
    const hashes = this.hashes;
    let n = 0;
    let h = SEED;
    let folded = unicode;
    for (let i = len - 1; i >= 0; i--) {
      let c = host.charCodeAt(begin + i);
      if (c >= 65 && c <= 90) {
        c += 32;
        folded = true;
      } else if (c > 127) {
        if (!unicode) return false;
        c = 0xff;
      }
      b[i] = c;
      if (c === 46 && i < len - 1) {
        starts[n] = i + 1;
        hashes[n++] = h;
      }
      h = Math.imul(h ^ c, PRIME);
    }
    starts[n] = 0;
    hashes[n++] = h;
    this.length = len;
    this.suffixes = n;
    this.clean = !folded;
    return true;
  }

  /** Whether the suffix starting at `start` is `name` (lower-case ASCII). */
  suffixIs(start: number, name: string): boolean {
    if (this.length - start !== name.length) return false;
    const b = this.bytes;
    for (let i = 0; i < name.length; i++) if (b[start + i] !== name.charCodeAt(i)) return false;
    return true;
  }

  private grow(n: number): void {
    this.bytes = new Uint8Array(n);
    this.starts = new Int32Array(n + 1);
    this.hashes = new Int32Array(n + 1);
  }
}

const SCRATCH = new HostKey();

/** The fingerprint hash of `src[start, start + len)`, read from the right like the table hash. */
function secondHash(src: Uint8Array, start: number, len: number): number {
  let g = SEED2;
  for (let i = start + len - 1; i >= start; i--) {
    g = Math.imul(g ^ src[i]!, PRIME2);
    g ^= g >>> 13;
  }
  return g;
}

/** The hash HostKey gives a suffix equal to `name` (lower-case ASCII): for indexes keyed by it. */
export function hostHash(name: string): number {
  let h = SEED;
  for (let i = name.length - 1; i >= 0; i--) h = Math.imul(h ^ name.charCodeAt(i), PRIME);
  return h;
}

const SLOT_INTS = 4;

/** The longest host name (RFC 1035); a handle keeps a match's length in its low 8 bits. */
const MAX_NAME = 253;

/**
 * The table is at most half full, so 4 bits of filter per slot is 8+ bits per name: about 3 %
 * false positives, in a filter of 1 MB for a million names.
 */
const SLOTS_PER_BLOOM_WORD = 8;

function insertSlot(slots: Int32Array, h: number, g: number, line: number, at: number): void {
  const mask = slots.length / SLOT_INTS - 1;
  let s = mix(h) & mask;
  while (slots[s * SLOT_INTS + 3] !== 0) s = (s + 1) & mask;
  const i = s * SLOT_INTS;
  slots[i] = h;
  slots[i + 1] = g;
  slots[i + 2] = line;
  slots[i + 3] = at + 1;
}

function addToBloom(bloom: Int32Array, h: number): void {
  bloom[mix(h) & (bloom.length - 1)]! |= bloomBits(h);
}

/** Three bits of a 32-bit word, from hash bits independent of the ones that pick the word. */
function bloomBits(h: number): number {
  let y = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  y ^= y >>> 12;
  return (1 << (y & 31)) | (1 << ((y >>> 5) & 31)) | (1 << ((y >>> 10) & 31));
}

// FNV-1a: cheap, and good enough spread for host names with linear probing. The second hash
// only confirms a slot's name; its xor-shift feeds high bits back down, which FNV alone never
// does (its bit j depends only on the input's bits 0..j), so the two together are a 64-bit
// fingerprint rather than two views of the same low bits.
const SEED = 0x811c9dc5 | 0;
const PRIME = 16777619;
const SEED2 = 0x6a09e667 | 0;
const PRIME2 = 0x5bd1e995 | 0;

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
