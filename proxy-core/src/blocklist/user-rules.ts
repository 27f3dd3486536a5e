import { parseAdblockLine } from './adblock-parser.js';
import { CompiledList } from './compiled-list.js';
import { parseDomainLine } from './domain-parser.js';
import { parseHostsLine } from './hosts-parser.js';
import type { ParsedRule, RuleSink } from './rule.js';

/** A line the user typed that Veil cannot use, and why. */
export interface UserRuleError {
  line: number;
  message: string;
}

const HOSTS_LINE = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f]*:[0-9a-f:]+)\s+\S/i;
const ADBLOCK_MARKS = /^(\|\||\||@@)|[$^/]|[^.]\*|##|#@#/;

/**
 * Parses the user's own rules, any syntax per line (host name, `*.host`, hosts line, AdBlock
 * rule). In the allow list every rule allows, with or without `@@`. Comments start with `!` or `#`.
 */
export function parseUserRules(
  lines: readonly string[],
  action: 'block' | 'allow',
): {
  rules: ParsedRule[];
  errors: UserRuleError[];
} {
  const rules: ParsedRule[] = [];
  const errors: UserRuleError[] = [];
  const sink: RuleSink = {
    rule: (r) => rules.push(action === 'allow' ? { ...r, action: 'allow' } : r),
    skip: (line, _text, reason) => errors.push({ line, message: reason }),
  };
  lines.forEach((raw, i) => {
    const text = raw.trim();
    const line = i + 1;
    if (!text || text.startsWith('!') || (text.startsWith('#') && !text.startsWith('##'))) return;
    if (HOSTS_LINE.test(text)) parseHostsLine(text, line, sink);
    else if (ADBLOCK_MARKS.test(text)) parseAdblockLine(text, line, sink, action === 'allow');
    else parseDomainLine(text, line, sink, action);
  });
  return { rules, errors };
}

/** Compiles the user's rules into a list that shows each rule as typed. */
export function compileUserRules(id: string, name: string, lines: readonly string[], action: 'block' | 'allow') {
  const { rules, errors } = parseUserRules(lines, action);
  const list = new CompiledList(id, name, 'adblock', (n) => lines[n - 1]?.trim());
  for (const r of rules) list.add(r);
  return { list, errors };
}
