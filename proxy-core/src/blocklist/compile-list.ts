import { CompiledList } from './compiled-list.js';
import { type ParseOptions, parseListInto, resolveFormat } from './parse-list.js';
import type { ListFormat, ParseReport } from './rule.js';

/** Parses and compiles one list's text; `keepLineText` keeps each line to show rules as written. */
export async function compileList(
  id: string,
  name: string,
  text: string,
  format: ListFormat | 'auto',
  options: ParseOptions & { keepLineText?: boolean } = {},
): Promise<{ list: CompiledList; report: ParseReport }> {
  const resolved = resolveFormat(text, format);
  const lines = options.keepLineText ? text.split(/\r?\n/) : undefined;
  const list = new CompiledList(id, name, resolved, lines ? (n) => lines[n - 1]?.trim() : undefined);
  if (text.length > 1 << 20) list.reserve(countLines(text), text.length);
  const report = await parseListInto(text, resolved, (rule) => list.add(rule), options);
  list.finish();
  return { list, report };
}

function countLines(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
