import type { CompiledList, RuleMatch } from './compiled-list.js';
import { HostKey } from './host-table.js';
import type { MatchRequest } from './match-request.js';

/** A blocklist decision with the rules behind it. */
export interface Decision {
  decision: 'block' | 'allow' | 'none';
  /** The block rule that matched (also set when an allow rule overrode it). */
  block: RuleMatch | null;
  /** The allow rule that won, for `allow`. */
  allow: RuleMatch | null;
}

const NONE: Decision = Object.freeze({ decision: 'none', block: null, allow: null }) as Decision;

/**
 * Every enabled list together. Allow rules win: the user's allow list over everything,
 * list exceptions (`@@`) over every list's block rules except `$important` ones.
 */
export class Matcher {
  /** The request host as bytes, encoded once per decision for every list's table. */
  private readonly key = new HostKey();

  constructor(
    /** Block lists in order: the user's own first, then subscriptions and files. */
    private readonly lists: readonly CompiledList[],
    /** The user's allow list (null when empty). */
    private readonly userAllow: CompiledList | null,
  ) {}

  /** Decides for one request; the no-match path allocates nothing. */
  decide(req: MatchRequest): Decision {
    const key = this.key.set(req.rawHost);
    let block: RuleMatch | null = null;
    for (const list of this.lists) {
      block = list.matchBlock(req, key);
      if (block) break;
    }
    if (!block) return NONE;
    const userAllow = this.userAllow?.matchAllow(req, key) ?? null;
    if (userAllow) return { decision: 'allow', block, allow: userAllow };
    if (!block.important) {
      for (const list of this.lists) {
        const allow = list.matchAllow(req, key);
        if (allow) return { decision: 'allow', block, allow };
      }
    }
    return { decision: 'block', block, allow: null };
  }

  get listCount(): number {
    return this.lists.length;
  }
}
