import { isCleanHost, normalizeHost } from './host-name.js';
import type { RuleSink } from './rule.js';

/**
 * One line of a plain domain list: `ads.example.com` or `*.example.com` (both block the
 * domain and its subdomains). `#` and `!` start comments.
 */
export function parseDomainLine(text: string, line: number, sink: RuleSink, action: 'block' | 'allow' = 'block'): void {
  const hash = text.indexOf('#');
  let body = (hash >= 0 ? text.slice(0, hash) : text).trim();
  if (!body || body.startsWith('!')) return;
  if (body.startsWith('*.')) body = body.slice(2);
  else if (body.startsWith('.')) body = body.slice(1);
  if (isCleanHost(body)) {
    sink.rule({ type: 'host', action, host: body, line });
    return;
  }
  if (/\s/.test(body)) {
    sink.skip(line, text, 'more than one word: a domain list has one host name per line');
    return;
  }
  const n = normalizeHost(body);
  if ('error' in n) sink.skip(line, text, n.error);
  else sink.rule({ type: 'host', action, host: n.host, line });
}
