import { type HostKey, HostTable } from './host-table.js';
import type { MatchRequest } from './match-request.js';
import { PatternSet } from './pattern-set.js';
import type { ListFormat, ParsedRule, RuleSink } from './rule.js';

/** A rule that matched, with where it came from. */
export interface RuleMatch {
  listId: string;
  listName: string;
  /** The rule as written (host rules are shown in their list's syntax). */
  rule: string;
  line: number;
  important: boolean;
}

/**
 * One list, compiled for lookups. Host rules live in a HostTable (a million of them cost about
 * 40 bytes each); a lookup probes the request host's label suffixes, so `example.com` blocks
 * `a.b.example.com` with at most one probe per label.
 */
export class CompiledList {
  private readonly blockHosts = new HostTable();
  private readonly allowHosts = new HostTable();
  private readonly blockPatterns = new PatternSet();
  private readonly allowPatterns = new PatternSet();
  /** Rules kept (duplicates of a host count once). */
  rules = 0;

  constructor(
    readonly id: string,
    readonly name: string,
    readonly format: ListFormat,
    /** The original text of each line, for lists small enough to keep it (the user's own). */
    private readonly lineText?: (line: number) => string | undefined,
  ) {}

  /** Prepares for about `hosts` host rules in `bytes` of text (see HostTable.reserve). */
  reserve(hosts: number, bytes: number): void {
    this.blockHosts.reserve(hosts, bytes);
  }

  /** Frees what loading over-reserved. */
  finish(): void {
    this.blockHosts.compact();
  }

  /** Adds one parsed rule; a host already in the list keeps its first line. */
  add(rule: ParsedRule): void {
    if (rule.type === 'host') {
      const table = rule.action === 'block' ? this.blockHosts : this.allowHosts;
      if (!table.add(rule.host, rule.line)) return;
    } else {
      (rule.action === 'block' ? this.blockPatterns : this.allowPatterns).add(rule);
    }
    this.rules++;
  }

  /** The block rule that matches, or null; `key` is `req.host` encoded. */
  matchBlock(req: MatchRequest, key: HostKey): RuleMatch | null {
    return this.match(req, key, this.blockHosts, this.blockPatterns);
  }

  /** The exception that matches, or null; `key` is `req.host` encoded. */
  matchAllow(req: MatchRequest, key: HostKey): RuleMatch | null {
    return this.match(req, key, this.allowHosts, this.allowPatterns);
  }

  /** Host rules first (a table probe per label), then patterns; builds the explanation only on a match. */
  private match(req: MatchRequest, key: HostKey, hosts: HostTable, patterns: PatternSet): RuleMatch | null {
    // allow tables compare names exactly: a crafted name must never pass for an allowed one
    const e = hosts.lookupKey(key, hosts === this.allowHosts);
    if (e >= 0) {
      // the rule is the request host's suffix (the table holds ASCII names, compared byte for
      // byte); a clean key is the raw host itself, which spares normalising it
      const host = key.clean ? req.rawHost : req.host;
      return this.hostMatch(host.slice(host.length - hosts.nameLength(e)), hosts.lineAt(e), hosts === this.allowHosts);
    }
    if (patterns.size === 0) return null;
    const p = patterns.match(req, key);
    if (!p) return null;
    return {
      listId: this.id,
      listName: this.name,
      rule: this.lineText?.(p.line) ?? p.text,
      line: p.line,
      important: p.options.important === true,
    };
  }

  private hostMatch(host: string, line: number, allow: boolean): RuleMatch {
    const written = this.lineText?.(line) ?? (this.format === 'adblock' ? `${allow ? '@@' : ''}||${host}^` : host);
    return { listId: this.id, listName: this.name, rule: written, line, important: false };
  }
}

/** A sink that compiles into `list` and forwards skips to `onSkip`. */
export function compilingSink(list: CompiledList, onSkip: RuleSink['skip']): RuleSink {
  return { rule: (r) => list.add(r), skip: onSkip };
}
