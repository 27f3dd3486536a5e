import { parseAdblockLine } from './adblock-parser.js';
import { detectFormat } from './detect-format.js';
import { parseDomainLine } from './domain-parser.js';
import { parseHostsLine } from './hosts-parser.js';
import { type ListFormat, MAX_SKIPPED_KEPT, type ParsedRule, type ParseReport, type RuleSink } from './rule.js';

export interface ParseOptions {
  /** Called every `progressEvery` lines with the lines done and the total. */
  onProgress?: (done: number, total: number) => void;
  progressEvery?: number;
}

type LineParser = (text: string, line: number, sink: RuleSink) => void;

const PARSERS: Record<ListFormat, LineParser> = {
  hosts: parseHostsLine,
  domains: parseDomainLine,
  adblock: parseAdblockLine,
};

/** Resolves `auto` to a concrete format by looking at the text. */
export function resolveFormat(text: string, format: ListFormat | 'auto'): ListFormat {
  return format === 'auto' ? detectFormat(text) : format;
}

/**
 * Parses a list into `onRule`, line by line, yielding to the event loop between chunks so a
 * million-line import never stalls the proxy. Returns the report (rules, skipped lines with reasons).
 */
export async function parseListInto(
  text: string,
  format: ListFormat | 'auto',
  onRule: (rule: ParsedRule) => void,
  options: ParseOptions = {},
): Promise<ParseReport> {
  const resolved = resolveFormat(text, format);
  const parse = PARSERS[resolved];
  const report: ParseReport = { format: resolved, lines: 0, rules: 0, skipped: 0, skippedLines: [] };
  const sink: RuleSink = {
    rule(r) {
      report.rules++;
      onRule(r);
    },
    skip(line, lineText, reason) {
      report.skipped++;
      if (report.skippedLines.length < MAX_SKIPPED_KEPT) report.skippedLines.push({ line, text: lineText, reason });
    },
  };
  const every = options.progressEvery ?? 100_000;
  const total = options.onProgress ? countLines(text) : 0;
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const lineEnd = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    line++;
    if (lineEnd > start) parse(text.slice(start, lineEnd), line, sink);
    start = end + 1;
    if (line % every === 0) {
      options.onProgress?.(line, total);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  report.lines = line;
  options.onProgress?.(line, total);
  return report;
}

/** Parses a whole list into an array (for small lists and tests). */
export async function parseList(
  text: string,
  format: ListFormat | 'auto' = 'auto',
): Promise<{ rules: ParsedRule[]; report: ParseReport }> {
  const rules: ParsedRule[] = [];
  const report = await parseListInto(text, format, (r) => rules.push(r));
  return { rules, report };
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return text.length > 0 && !text.endsWith('\n') ? n + 1 : n;
}
