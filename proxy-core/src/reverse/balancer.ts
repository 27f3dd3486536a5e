/** What a balancer needs of a backend. */
export interface Balanced {
  readonly weight: number;
  /** Requests in flight on it now. */
  readonly active: number;
  /** Opaque id for the sticky cookie: it never spells the backend's address. */
  readonly stickyId: string;
}

export type BalanceMode = 'round-robin' | 'least-connections' | 'sticky';

/**
 * Picks backends for one route. Round-robin is nginx's smooth weighted round-robin (weights
 * 5,1,1 give a a b a c a a, not a a a a a b c); least-connections takes the fewest requests in
 * flight per unit of weight, ties in turn; sticky keeps a visitor on the backend its cookie
 * names while that one is available, and otherwise picks by round-robin.
 */
export class Balancer<B extends Balanced> {
  private readonly current: Map<B, number> = new Map();
  private turn = 0;

  constructor(
    private readonly backends: readonly B[],
    private readonly mode: BalanceMode,
  ) {
    for (const b of backends) this.current.set(b, 0);
  }

  /** A backend among those `usable` says yes to, or null when none is. */
  pick(usable: (b: B) => boolean, stickyId?: string): B | null {
    if (this.mode === 'sticky' && stickyId !== undefined) {
      const named = this.backends.find((b) => b.stickyId === stickyId);
      if (named && usable(named)) return named;
    }
    if (this.mode === 'least-connections') return this.fewest(usable);
    return this.smoothRoundRobin(usable);
  }

  private smoothRoundRobin(usable: (b: B) => boolean): B | null {
    let best: B | null = null;
    let total = 0;
    for (const b of this.backends) {
      if (!usable(b)) continue;
      const c = this.current.get(b)! + b.weight;
      this.current.set(b, c);
      total += b.weight;
      if (best === null || c > this.current.get(best)!) best = b;
    }
    if (best) this.current.set(best, this.current.get(best)! - total);
    return best;
  }

  private fewest(usable: (b: B) => boolean): B | null {
    let best: B | null = null;
    let bestLoad = Number.POSITIVE_INFINITY;
    const n = this.backends.length;
    // start the scan where the last one left off, so equal loads take turns
    for (let k = 0; k < n; k++) {
      const b = this.backends[(this.turn + k) % n]!;
      if (!usable(b)) continue;
      const load = b.active / b.weight;
      if (load < bestLoad) {
        best = b;
        bestLoad = load;
      }
    }
    this.turn = (this.turn + 1) % Math.max(1, n);
    return best;
  }
}
