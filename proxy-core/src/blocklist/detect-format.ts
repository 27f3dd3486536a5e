import type { ListFormat } from './rule.js';

const HOSTS_LINE = /^\s*(\d{1,3}(\.\d{1,3}){3}|[0-9a-f]*:[0-9a-f:]+)\s+\S/i;
const ADBLOCK_LINE = /^(\|\||@@|\||!|\[adblock|.*##|.*#@#|.*\$[~a-z0-9-]+(=|,|$))/i;

/** Guesses a list's format from its first few hundred meaningful lines (the majority wins). */
export function detectFormat(text: string): ListFormat {
  let hosts = 0;
  let adblock = 0;
  let domains = 0;
  let seen = 0;
  let start = 0;
  while (start < text.length && seen < 500) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (!line) continue;
    if (/^\[adblock/i.test(line)) return 'adblock';
    if (line.startsWith('#') && !line.includes('##')) continue;
    seen++;
    if (HOSTS_LINE.test(line)) hosts++;
    else if (ADBLOCK_LINE.test(line)) {
      // `!` comments say nothing about the rules below them, but they are an AdBlock habit
      adblock += line.startsWith('!') ? 0.5 : 1;
    } else domains++;
  }
  if (adblock > hosts && adblock > domains * 0.2) return 'adblock';
  if (hosts >= domains && hosts > 0) return 'hosts';
  return 'domains';
}
