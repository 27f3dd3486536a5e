/**
 * Collapses concurrent misses for one URL: the first request (the leader) goes upstream,
 * the others wait until it has stored its response or found it uncacheable, then look again.
 */
export class MissCollapser {
  private readonly inflight = new Map<string, Promise<void>>();

  /** Resolves when the current leader for `url` is done; undefined when there is none. */
  pending(url: string): Promise<void> | undefined {
    return this.inflight.get(url);
  }

  /** Makes the caller the leader for `url`; returns its release function, or null when another leads. */
  lead(url: string): (() => void) | null {
    if (this.inflight.has(url)) return null;
    let release!: () => void;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.inflight.set(url, done);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (this.inflight.get(url) === done) this.inflight.delete(url);
      release();
    };
  }

  get size(): number {
    return this.inflight.size;
  }
}
