import type { Profile } from './privacy-schema.js';
import { hostSite, siteOf, splitUrl } from './site-of.js';

/** The rule fields of a profile, without its id and names. */
export type ProfileRules = Omit<Profile, 'id' | 'name' | 'description'>;

/** True for the User-Agent client hints (`Sec-CH-UA`, `Sec-CH-UA-Platform`, …). */
export function isUaClientHint(lowerName: string): boolean {
  return lowerName.startsWith('sec-ch-ua');
}

/** Whether client hints go: asked for, or implied because the User-Agent they describe is replaced or removed. */
export function stripsClientHints(rules: ProfileRules): boolean {
  return rules.removeClientHints || rules.userAgent !== 'keep';
}

/** The Referer to send under `mode`, or null to remove it, with the reason. */
export function refererFor(
  mode: ProfileRules['referer'],
  referer: string,
  targetHost: string,
): { value: string | null; why: string } {
  if (mode === 'keep') return { value: referer, why: 'kept' };
  if (mode === 'remove') return { value: null, why: 'removed' };
  const from = hostSite(referer);
  const to = siteOf(targetHost);
  if (from === to) return { value: referer, why: `kept (same site ${to})` };
  const origin = originOf(referer);
  if (origin === null) return { value: null, why: 'removed (not a URL)' };
  return { value: origin, why: `trimmed to the origin (cross-site: ${from ?? 'unknown'} → ${to})` };
}

const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443', ws: '80', wss: '443' };

/** `https://host[:port]/`, the form browsers send when they trim a Referer; null for a non-URL. */
export function originOf(url: string): string | null {
  const u = splitUrl(url);
  if (!u) return null;
  const host = u.host.includes(':') ? `[${u.host}]` : u.host;
  const port = u.port && u.port !== DEFAULT_PORTS[u.scheme] ? `:${u.port}` : '';
  return `${u.scheme}://${host}${port}/`;
}

export type CookieAction = 'keep' | 'remove' | 'session';

/** What happens to cookies (either way) for a request, given the mode, the party and the allow list. */
export function cookieAction(mode: ProfileRules['cookies'], thirdParty: boolean, allowListed: boolean): CookieAction {
  if (allowListed || mode === 'allow') return 'keep';
  if (mode === 'block') return 'remove';
  if (mode === 'block-third-party') return thirdParty ? 'remove' : 'keep';
  return 'session';
}

/**
 * A Set-Cookie value without Expires and Max-Age, so the browser keeps it for the session only.
 * A deletion (Max-Age ≤ 0 or an Expires in the past) is left alone: stripping it would
 * turn "forget this cookie" into "keep it until the browser closes".
 */
export function sessionOnlyCookie(setCookie: string, now = Date.now()): string {
  const parts = setCookie.split(';');
  const kept: string[] = [parts[0]!];
  let changed = false;
  for (let i = 1; i < parts.length; i++) {
    const attr = parts[i]!;
    const eq = attr.indexOf('=');
    const name = (eq < 0 ? attr : attr.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? '' : attr.slice(eq + 1).trim();
    if (name === 'max-age') {
      if (Number(value) <= 0) return setCookie;
      changed = true;
      continue;
    }
    if (name === 'expires') {
      const at = Date.parse(value);
      if (Number.isFinite(at) && at <= now) return setCookie;
      changed = true;
      continue;
    }
    kept.push(attr);
  }
  return changed ? kept.join(';') : setCookie;
}
