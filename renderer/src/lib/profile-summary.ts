import type { PrivacyProfile } from '../../../proxy-core/src/control/contract.js';

const userAgent: Record<PrivacyProfile['userAgent'], string> = {
  keep: 'Shows sites your real browser and system',
  reduce: 'Your browser and version, minus what sets you apart',
  replace: 'Looks like every other strict user (current Chrome on Windows)',
  remove: 'Sends no browser identity at all',
};
const referer: Record<PrivacyProfile['referer'], string> = {
  keep: 'Tells sites which page you came from',
  'origin-when-cross-site': 'Tells other sites only which site you came from, not the page',
  remove: 'Never tells sites where you came from',
};
const cookies: Record<PrivacyProfile['cookies'], string> = {
  allow: 'Keeps all cookies',
  'block-third-party': 'Blocks cookies from sites other than the one you visit',
  'session-only': 'Forgets cookies when the session ends',
  block: 'Blocks all cookies (sign-ins will not stick)',
};

/** A profile in plain words, one short sentence per choice. */
export function summarizeProfile(p: PrivacyProfile): string[] {
  const lines = [
    p.removeForwardingHeaders ? 'Hides your address from forwarding headers' : 'Leaves forwarding headers as they are',
    userAgent[p.userAgent],
    referer[p.referer],
    cookies[p.cookies],
  ];
  if (p.sendGpc) lines.push('Asks sites not to sell or share your data');
  if (p.acceptLanguage) lines.push(`Says your language is ${p.acceptLanguage}`);
  return lines;
}

export const userAgentLabels = userAgent;
export const refererLabels = referer;
export const cookieLabels = cookies;
