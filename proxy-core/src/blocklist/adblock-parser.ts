import { parse as parseDomain } from 'tldts';
import { isCleanHost, normalizeHost } from './host-name.js';
import type { RuleOptions, RuleSink } from './rule.js';

const COSMETIC = /#[@?$%]{0,2}#|#@[$?]#/;
const HOST_ANCHOR = /^\|\|([^/^*|?#:]+)\^?\|?$/;
const BARE_HOST = /^[a-z0-9_-]+(\.[a-z0-9_-]+)+\.?$/i;

/**
 * One line of an AdBlock Plus / uBlock Origin list, network rules only: `||host^`, `|https://…`,
 * `/path*pattern`, `@@` exceptions and the options Veil understands. Cosmetic rules and
 * unsupported options are skipped with a reason, never an error.
 */
export function parseAdblockLine(text: string, line: number, sink: RuleSink, forceAllow = false): void {
  const body = text.trim();
  if (!body || body.startsWith('!') || body === '#' || body.startsWith('# ')) return;
  if (body.startsWith('[') && body.endsWith(']')) return; // [Adblock Plus 2.0]
  if (COSMETIC.test(body)) {
    sink.skip(line, text, 'cosmetic rule: Veil filters requests, not page elements');
    return;
  }
  let rest = body;
  let action: 'block' | 'allow' = forceAllow ? 'allow' : 'block';
  if (rest.startsWith('@@')) {
    action = 'allow';
    rest = rest.slice(2);
  }
  if (rest.length > 1 && rest.startsWith('/') && rest.endsWith('/')) {
    sink.skip(line, text, 'regular-expression rules are not supported');
    return;
  }
  let pattern = rest;
  const options: RuleOptions = {};
  const dollar = rest.lastIndexOf('$');
  if (dollar >= 0 && /^[~\w-]+(=[^,]*)?(,[~\w-]+(=[^,]*)?)*$/.test(rest.slice(dollar + 1))) {
    pattern = rest.slice(0, dollar);
    const problem = parseOptions(rest.slice(dollar + 1), options);
    if (problem) {
      sink.skip(line, text, problem);
      return;
    }
  }
  if (!pattern || pattern === '*' || pattern === '||' || pattern === '|') {
    sink.skip(line, text, 'the rule would match every request');
    return;
  }
  const anchored = HOST_ANCHOR.exec(pattern);
  const hostText = anchored ? anchored[1]! : isBareHost(pattern) ? pattern : null;
  if (hostText !== null) {
    const n = isCleanHost(hostText) ? { host: hostText } : normalizeHost(hostText);
    if ('error' in n) {
      sink.skip(line, text, `${hostText}: ${n.error}`);
      return;
    }
    if (Object.keys(options).length === 0) {
      sink.rule({ type: 'host', action, host: n.host, line });
    } else {
      sink.rule({ type: 'pattern', action, text: body, pattern: `||${n.host}^`, host: n.host, options, line });
    }
    return;
  }
  if (/\s/.test(pattern)) {
    sink.skip(line, text, 'a rule cannot contain spaces');
    return;
  }
  const problem = patternProblem(pattern);
  if (problem) {
    sink.skip(line, text, problem);
    return;
  }
  sink.rule({ type: 'pattern', action, text: body, pattern, options, line });
}

/**
 * Why a URL pattern cannot mean what it says, or null: a `$` left in it is an option list Veil could not
 * read (`||bad^^$$$`), and a pattern spelled as a URL must be one up to its wildcards (`http://[::1`).
 */
function patternProblem(pattern: string): string | null {
  const dollar = pattern.indexOf('$');
  if (dollar >= 0) {
    return `"${pattern.slice(dollar)}" is not a list of options (they look like $third-party or $domain=example.com)`;
  }
  if (/\^{2,}/.test(pattern)) return '"^^": one ^ already stands for the end of the host or a separator';
  const url = /^\|?([a-z][a-z0-9+.-]*:\/\/.*)$/i.exec(pattern)?.[1];
  if (url) {
    // wildcards and separators stand in for URL characters; what is left must parse as a URL
    const concrete = url.replace(/\*/g, 'x').replace(/\^/g, '/').replace(/\|$/, '');
    if (!URL.canParse(concrete)) return `"${url}" is not a valid URL`;
  }
  return null;
}

/** Fills `options`; returns why the rule is skipped, or null. */
function parseOptions(raw: string, options: RuleOptions): string | null {
  for (const opt of raw.split(',')) {
    const [name, value] = opt.split('=', 2) as [string, string | undefined];
    switch (name.toLowerCase()) {
      case 'third-party':
      case '3p':
      case '~first-party':
      case '~1p':
        options.thirdParty = true;
        break;
      case '~third-party':
      case '~3p':
      case 'first-party':
      case '1p':
        options.thirdParty = false;
        break;
      case 'match-case':
        options.matchCase = true;
        break;
      case 'important':
        options.important = true;
        break;
      case 'domain':
      case 'from': {
        if (!value) return 'the domain option has no value';
        for (const d of value.split('|')) {
          const neg = d.startsWith('~');
          const n = normalizeHost(neg ? d.slice(1) : d);
          if ('error' in n) return `unsupported domain in options: ${d}`;
          const into = neg ? 'notDomains' : 'domains';
          options[into] = [...(options[into] ?? []), n.host];
        }
        break;
      }
      default:
        return `unsupported option $${opt}`;
    }
  }
  return null;
}

/** uBlock reads a bare `example.com` line as `||example.com^`; `ads.js` stays a URL pattern (no such suffix). */
function isBareHost(pattern: string): boolean {
  return BARE_HOST.test(pattern) && parseDomain(pattern).isIcann === true;
}
