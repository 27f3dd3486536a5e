/** The list formats Veil reads. `auto` is resolved by detect-format.ts before parsing. */
export type ListFormat = 'hosts' | 'domains' | 'adblock';

/** Conditions an AdBlock rule may carry (the `$…` options Veil supports). */
export interface RuleOptions {
  /** true: only third-party requests; false: only first-party; undefined: both. */
  thirdParty?: boolean;
  /** Only when the page (Referer/Origin) is on one of these sites. */
  domains?: string[];
  /** Never when the page is on one of these sites. */
  notDomains?: string[];
  matchCase?: boolean;
  /** A block rule that list exceptions cannot undo (the user's allow list still can). */
  important?: boolean;
}

/** A rule on a host name: it applies to the host and every subdomain. */
export interface HostRule {
  type: 'host';
  action: 'block' | 'allow';
  host: string;
  line: number;
}

/** A URL pattern (AdBlock syntax), or a host rule with options. */
export interface PatternRule {
  type: 'pattern';
  action: 'block' | 'allow';
  /** The rule as written, for explanations. */
  text: string;
  /** The pattern part (before `$`), without a leading `@@`. */
  pattern: string;
  /** For `||host^` rules with options: the host they anchor on. */
  host?: string;
  options: RuleOptions;
  line: number;
}

export type ParsedRule = HostRule | PatternRule;

/** A line that gave no rule, and why. Comments and blank lines are not reported. */
export interface SkippedLine {
  line: number;
  text: string;
  reason: string;
}

/** What a parse produced, besides the rules. */
export interface ParseReport {
  format: ListFormat;
  lines: number;
  rules: number;
  skipped: number;
  /** The first skipped lines (at most MAX_SKIPPED_KEPT), with reasons. */
  skippedLines: SkippedLine[];
}

/** Skipped lines kept in a report: enough to explain, bounded for huge lists. */
export const MAX_SKIPPED_KEPT = 100;

/** Receives rules as a parser finds them (so a million rules never sit in an array). */
export interface RuleSink {
  rule(rule: ParsedRule): void;
  skip(line: number, text: string, reason: string): void;
}
