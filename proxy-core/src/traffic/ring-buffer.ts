/**
 * A fixed-capacity FIFO: pushing past capacity drops the oldest item. O(1) push, no copying.
 * Every push gets a sequence number, so an item can be replaced in place while it is still held.
 */
export class RingBuffer<T> {
  private items: Array<T | undefined>;
  private head = 0;
  private count = 0;
  /** Items ever pushed: the next push's sequence number. */
  private pushed = 0;

  constructor(private cap: number) {
    if (!Number.isInteger(cap) || cap < 1) throw new RangeError(`capacity must be a positive integer, not ${cap}`);
    this.items = new Array(cap);
  }

  get size(): number {
    return this.count;
  }

  get capacity(): number {
    return this.cap;
  }

  /** The sequence number the next `push` gets. */
  get nextSeq(): number {
    return this.pushed;
  }

  /** Adds an item; returns the one dropped to make room, if any. */
  push(item: T): T | undefined {
    this.pushed++;
    const tail = (this.head + this.count) % this.cap;
    if (this.count < this.cap) {
      this.items[tail] = item;
      this.count++;
      return undefined;
    }
    const dropped = this.items[this.head];
    this.items[this.head] = item;
    this.head = (this.head + 1) % this.cap;
    return dropped;
  }

  /** Replaces the item pushed as `seq`; false when it was dropped (or cleared) since. */
  replace(seq: number, item: T): boolean {
    const offset = seq - (this.pushed - this.count);
    if (!Number.isInteger(offset) || offset < 0 || offset >= this.count) return false;
    this.items[(this.head + offset) % this.cap] = item;
    return true;
  }

  /** Oldest first. */
  toArray(): T[] {
    const out: T[] = new Array(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.items[(this.head + i) % this.cap] as T;
    return out;
  }

  /** Removes everything; returns how many items there were. */
  clear(): number {
    const n = this.count;
    this.items = new Array(this.cap);
    this.head = 0;
    this.count = 0;
    return n;
  }

  /** Changes the capacity, keeping the newest items that fit (and their sequence numbers). */
  resize(capacity: number): void {
    if (capacity === this.cap) return;
    const kept = this.toArray().slice(-capacity);
    this.cap = capacity;
    this.items = new Array(capacity);
    for (let i = 0; i < kept.length; i++) this.items[i] = kept[i];
    this.head = 0;
    this.count = kept.length;
  }
}
