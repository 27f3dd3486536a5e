import { isCleanHost, normalizeHost } from './host-name.js';
import type { RuleSink } from './rule.js';

const IP = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]*:[0-9a-f:.]*)$/i;

/**
 * One line of a hosts file: `0.0.0.0 ads.example.com tracker.example.com # comment`.
 * The address is ignored (every listed name is blocked); local names are skipped.
 */
export function parseHostsLine(text: string, line: number, sink: RuleSink): void {
  // fast path for the shape of nearly every line of a big list: `0.0.0.0 name`
  if (text.startsWith('0.0.0.0 ') || text.startsWith('127.0.0.1 ')) {
    const name = text.slice(text.indexOf(' ') + 1);
    if (isCleanHost(name)) {
      sink.rule({ type: 'host', action: 'block', host: name, line });
      return;
    }
  }
  const hash = text.indexOf('#');
  const body = (hash >= 0 ? text.slice(0, hash) : text).trim();
  if (!body) return;
  const parts = body.split(/\s+/);
  if (!IP.test(parts[0]!)) {
    sink.skip(line, text, 'expected an IP address followed by host names');
    return;
  }
  if (parts.length === 1) {
    sink.skip(line, text, 'an address with no host name');
    return;
  }
  for (let i = 1; i < parts.length; i++) {
    const name = parts[i]!;
    if (isCleanHost(name)) {
      sink.rule({ type: 'host', action: 'block', host: name, line });
      continue;
    }
    const n = normalizeHost(name);
    if ('error' in n) sink.skip(line, text, `${name}: ${n.error}`);
    else sink.rule({ type: 'host', action: 'block', host: n.host, line });
  }
}
