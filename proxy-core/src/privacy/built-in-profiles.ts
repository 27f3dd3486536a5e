import type { Profile } from './privacy-schema.js';

/**
 * The profiles Veil ships. They are data, not code paths: the user copies one, changes a
 * field and saves it under a new id; header-rules.ts applies whichever set is active.
 */
export const BUILT_IN_PROFILES: readonly Profile[] = Object.freeze([
  {
    id: 'transparent',
    name: 'Transparent',
    description: 'Forwards requests and responses unmodified. Blocklists still apply.',
    removeForwardingHeaders: false,
    userAgent: 'keep',
    removeClientHints: false,
    referer: 'keep',
    cookies: 'allow',
    sendGpc: false,
    acceptLanguage: null,
    removeHeaders: [],
    removeThirdPartyEtag: false,
  },
  {
    id: 'standard',
    name: 'Standard',
    description:
      'Removes forwarding and client-address headers, reduces the User-Agent to its common form for your browser ' +
      '(same browser and version) without client hints, trims cross-site Referer to the origin, blocks ' +
      'third-party cookies both ways and adds Sec-GPC: 1.',
    removeForwardingHeaders: true,
    userAgent: 'reduce',
    removeClientHints: true,
    referer: 'origin-when-cross-site',
    cookies: 'block-third-party',
    sendGpc: true,
    acceptLanguage: null,
    removeHeaders: [],
    removeThirdPartyEtag: false,
  },
  {
    id: 'strict',
    name: 'Strict',
    description:
      'Standard, plus: one User-Agent shared by every strict user (current Chrome on Windows), ' +
      'no Referer at all, no cookies either way except on sites you allow, ' +
      'Accept-Language normalized to en-US, and no From, DNT or third-party If-None-Match (ETag tracking).',
    removeForwardingHeaders: true,
    userAgent: 'replace',
    removeClientHints: true,
    referer: 'remove',
    cookies: 'block',
    sendGpc: true,
    acceptLanguage: 'en-US,en;q=0.9',
    removeHeaders: ['From', 'DNT'],
    removeThirdPartyEtag: true,
  },
]);

/** A built-in profile by id, or undefined. */
export function builtInProfile(id: string): Profile | undefined {
  return BUILT_IN_PROFILES.find((p) => p.id === id);
}

/**
 * Forwarding and client-address headers: each can carry the user's IP or the proxy chain.
 * Removed outside `transparent`, together with any names the user adds.
 */
export const FORWARDING_HEADERS: readonly string[] = Object.freeze([
  'X-Forwarded-For',
  'X-Forwarded-Host',
  'X-Forwarded-Proto',
  'Forwarded',
  'Via',
  'X-Real-IP',
  'Client-IP',
  'True-Client-IP',
  'CF-Connecting-IP',
  'Fastly-Client-IP',
  'X-Client-IP',
  'X-Cluster-Client-IP',
  'X-Originating-IP',
  'X-Remote-IP',
  'X-Remote-Addr',
  'X-ProxyUser-Ip',
]);
