/**
 * AdBlock URL patterns: `*` is any run of characters, `^` a separator (anything but a letter,
 * digit or `_-.%`) or the end, `|` anchors at the start or end, `||` at a host-name boundary.
 */
export function patternToRegExp(pattern: string, matchCase = false): RegExp {
  let p = pattern;
  let prefix = '';
  let suffix = '';
  if (p.startsWith('||')) {
    prefix = '^[a-z][a-z0-9+.-]*:\\/\\/(?:[^/?#]*\\.)?';
    p = p.slice(2);
  } else if (p.startsWith('|')) {
    prefix = '^';
    p = p.slice(1);
  }
  if (p.endsWith('|')) {
    suffix = '$';
    p = p.slice(0, -1);
  }
  let body = '';
  for (const ch of p) {
    if (ch === '*') body += '.*';
    else if (ch === '^') body += '(?:[^\\w.%-]|$)';
    else body += ch.replace(/[.+?${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(prefix + body + suffix, matchCase ? '' : 'i');
}

const TOKEN_CHAR = /[a-z0-9%]/i;

/**
 * The best token to index a pattern by: the longest run of letters/digits that any matching
 * URL must contain whole (not cut by `*` or an unanchored end). Null when there is none.
 */
export function patternToken(pattern: string): string | null {
  const p = pattern.toLowerCase();
  let best: string | null = null;
  let i = 0;
  while (i < p.length) {
    if (!TOKEN_CHAR.test(p[i]!)) {
      i++;
      continue;
    }
    let j = i;
    while (j < p.length && TOKEN_CHAR.test(p[j]!)) j++;
    const before = i === 0 ? (p.startsWith('|') ? '|' : '') : p[i - 1]!;
    const after = j === p.length ? '' : p[j]!;
    // a token touching `*` or an unanchored edge may be part of a longer word in the URL
    const wholeBefore = before !== '' && before !== '*';
    const wholeAfter = after !== '' && after !== '*';
    const token = p.slice(i, j);
    if (wholeBefore && wholeAfter && token.length >= 2 && (!best || token.length > best.length)) best = token;
    i = j;
  }
  return best;
}
