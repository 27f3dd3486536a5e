/**
 * RFC 9111 §4.1: selecting header values match when one can be turned into the other by
 * whitespace the field's syntax allows, joining field lines, or a normalisation the field's
 * specification makes meaningless (order where it carries no meaning, case where values are
 * case-insensitive). Fields Veil does not know are compared with only their list whitespace folded.
 */

// RFC 9110 §12.5.3 content-codings, §12.5.4 language ranges (RFC 4647), §12.5.2 charsets: case-insensitive
const CASE_INSENSITIVE = new Set(['accept-encoding', 'accept-language', 'accept-charset']);
// members whose order means nothing once their weights are known (preference is the qvalue)
const WEIGHTED_LISTS = new Set(['accept', 'accept-encoding', 'accept-language', 'accept-charset']);

/** The normalised form of one selecting field's value; null when the request lacks the field. */
export function selectingValue(name: string, value: string | undefined): string | null {
  if (value === undefined) return null;
  let members = value
    .split(',')
    .map((m) =>
      m
        .trim()
        .replace(/\s*;\s*/g, ';')
        .replace(/\s*=\s*/g, '='),
    )
    .filter((m) => m.length > 0);
  if (CASE_INSENSITIVE.has(name)) members = members.map((m) => m.toLowerCase());
  else if (name === 'accept') members = members.map(mediaRangeCase);
  if (WEIGHTED_LISTS.has(name)) members = byWeight(members);
  return members.join(', ');
}

/**
 * Members ordered by qvalue, highest first; members of equal weight keep their order (a client
 * may mean it as a preference), so only an order that weights already decide is normalised.
 * `q=1`, `q=1.0` and no q are one weight.
 */
function byWeight(members: string[]): string[] {
  const weighted = members.map((m, i) => {
    const [token, ...params] = m.split(';');
    let q = 1;
    const rest: string[] = [];
    for (const p of params) {
      const match = /^q=([0-9.]+)$/.exec(p);
      if (match) q = Number(match[1]);
      else rest.push(p);
    }
    const qText = q === 1 ? '' : `;q=${q}`;
    return { text: [token, ...rest].join(';') + qText, q: Number.isFinite(q) ? q : 0, i };
  });
  weighted.sort((a, b) => b.q - a.q || a.i - b.i);
  return weighted.map((w) => w.text);
}

/** RFC 9110 §8.3.1: a media range's type, subtype and parameter names are case-insensitive; values may not be. */
function mediaRangeCase(member: string): string {
  const [range, ...params] = member.split(';');
  const named = params.map((p) => {
    const at = p.indexOf('=');
    return at < 0 ? p.toLowerCase() : p.slice(0, at).toLowerCase() + p.slice(at);
  });
  return [range!.toLowerCase(), ...named].join(';');
}
