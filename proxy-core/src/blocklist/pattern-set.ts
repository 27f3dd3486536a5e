import { forEachToken, patternToken, patternToRegExp } from './adblock-pattern.js';
import { hostMatches } from './host-name.js';
import type { MatchRequest } from './match-request.js';
import type { PatternRule } from './rule.js';

interface Compiled {
  rule: PatternRule;
  /** Null for a host rule with options (`||host^$third-party`): the host walk already matched. */
  re: RegExp | null;
}

const HOST_PREFIX = /^\|\|([a-z0-9_.-]+)(?=[/^:?*]|$)/i;

/**
 * URL patterns and optioned host rules, indexed so a lookup tests only the few that could match:
 * by anchored host (walked by label suffix), by a token the URL must contain, or else linearly.
 */
export class PatternSet {
  private readonly byHost = new Map<string, Compiled[]>();
  private readonly byToken = new Map<string, Compiled[]>();
  private readonly generic: Compiled[] = [];
  size = 0;

  add(rule: PatternRule): void {
    this.size++;
    if (rule.host) {
      push(this.byHost, rule.host, { rule, re: null });
      return;
    }
    const c: Compiled = { rule, re: patternToRegExp(rule.pattern, rule.options.matchCase) };
    const anchored = HOST_PREFIX.exec(rule.pattern);
    if (anchored) {
      push(this.byHost, anchored[1]!.toLowerCase(), c);
      return;
    }
    const token = patternToken(rule.pattern);
    if (token) push(this.byToken, token, c);
    else this.generic.push(c);
  }

  /** The first rule matching the request, or null. Patterns with a path never match CONNECT. */
  match(req: MatchRequest): PatternRule | null {
    if (this.size === 0) return null;
    if (this.byHost.size > 0) {
      const host = req.host;
      let from = 0;
      for (;;) {
        const list = this.byHost.get(from === 0 ? host : host.slice(from));
        if (list) {
          for (const c of list) if (test(c, req)) return c.rule;
        }
        const dot = host.indexOf('.', from);
        if (dot < 0) break;
        from = dot + 1;
      }
    }
    if (req.urlLower === null) return null;
    let found: PatternRule | null = null;
    if (this.byToken.size > 0) {
      forEachToken(req.urlLower, (token) => {
        const list = this.byToken.get(token);
        if (!list) return false;
        for (const c of list) {
          if (test(c, req)) {
            found = c.rule;
            return true;
          }
        }
        return false;
      });
      if (found) return found;
    }
    for (const c of this.generic) if (test(c, req)) return c.rule;
    return null;
  }
}

function push(map: Map<string, Compiled[]>, key: string, c: Compiled): void {
  const list = map.get(key);
  if (list) list.push(c);
  else map.set(key, [c]);
}

function test(c: Compiled, req: MatchRequest): boolean {
  if (c.re !== null && (req.url === null || !c.re.test(req.url))) return false;
  const o = c.rule.options;
  if (o.thirdParty !== undefined && req.thirdParty !== o.thirdParty) return false;
  if (o.domains || o.notDomains) {
    const page = req.pageHost;
    if (page === null) return !o.domains;
    if (o.notDomains?.some((d) => hostMatches(page, d))) return false;
    if (o.domains && !o.domains.some((d) => hostMatches(page, d))) return false;
  }
  return true;
}
