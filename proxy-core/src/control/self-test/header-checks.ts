import { networkInterfaces } from 'node:os';
import { builtInProfile } from '../../privacy/built-in-profiles.js';
import { cookieAction, refererFor, stripsClientHints } from '../../privacy/header-rules.js';
import type { Profile } from '../../privacy/privacy-schema.js';
import { reduceUserAgent } from '../../privacy/user-agent-reduction.js';
import type { Settings } from '../settings-schema.js';
import { CANARY } from './canary-exchange.js';
import type { CheckResult } from './self-test-report.js';

type Headers = Array<[string, string]>;

const get = (h: Headers, name: string): string | undefined =>
  h.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];

/** The active profile's rules, or null when the settings name a profile that does not exist. */
export function activeProfile(s: Settings): Profile | null {
  return builtInProfile(s.privacy.profile) ?? s.privacy.customProfiles.find((p) => p.id === s.privacy.profile) ?? null;
}

/**
 * Checks what the site received against what must never arrive (forwarding and proxy headers,
 * the client's addresses) and against the active profile, decided by the functions the privacy
 * policy itself uses (refererFor, stripsClientHints, cookieAction).
 */
export function headerChecks(received: Headers, s: Settings, profile: Profile, targetHost: string): CheckResult[] {
  const out: CheckResult[] = [];
  const where = `profile ${profile.id}`;

  const forwarded = Object.keys(CANARY.forwarding).filter((n) => get(received, n) !== undefined);
  const other = received.filter(([n]) => /^x-forwarded-/i.test(n) && !forwarded.includes(n)).map(([n]) => n);
  const leaked = [...forwarded, ...other];
  out.push(
    leaked.length
      ? {
          id: 'forwarding-headers',
          status: 'fail',
          message: `${leaked.join(', ')} reached the site (${where}): turn on "Remove forwarding headers" for this profile (Privacy).`,
        }
      : {
          id: 'forwarding-headers',
          status: 'pass',
          message: 'No forwarding header (X-Forwarded-For, Forwarded, Via, X-Real-IP) reached the site.',
        },
  );

  const proxyish = received.filter(([n]) => /^(proxy-|x-proxy|x-veil)/i.test(n)).map(([n]) => n);
  out.push(
    proxyish.length
      ? {
          id: 'proxy-headers',
          status: 'fail',
          message: `${proxyish.join(', ')} reached the site: they tell it a proxy is in the way. Report this as a bug.`,
        }
      : {
          id: 'proxy-headers',
          status: 'pass',
          message: 'No proxy header (Proxy-Connection, Proxy-Authorization, Via added by Veil) reached the site.',
        },
  );

  const addresses = new Set(['203.0.113.7', ...localAddresses()]);
  const carrying = received
    .filter(([n]) => n.toLowerCase() !== 'host')
    .filter(([, v]) => [...addresses].some((a) => v.includes(a)))
    .map(([n]) => n);
  out.push(
    carrying.length
      ? {
          id: 'client-address',
          status: 'fail',
          message: `${carrying.join(', ')} carried a client address to the site (${where}): remove it in Privacy (extra forwarding headers).`,
        }
      : {
          id: 'client-address',
          status: 'pass',
          message: "No header carried the client's address or this machine's addresses.",
        },
  );

  const ua = get(received, 'User-Agent');
  const uaWanted = {
    keep: CANARY.userAgent,
    reduce: reduceUserAgent(CANARY.userAgent),
    replace: s.privacy.userAgent,
    remove: undefined,
  }[profile.userAgent];
  const uaDone = {
    keep: 'kept as the browser sent it',
    reduce: 'reduced to the same browser and version, without the detail that tells the user apart',
    replace: 'replaced with the uniform one',
    remove: 'removed',
  }[profile.userAgent];
  out.push(
    ua === uaWanted
      ? {
          id: 'user-agent',
          status: 'pass',
          message: `User-Agent ${uaDone}, as ${where} says.`,
        }
      : {
          id: 'user-agent',
          status: 'fail',
          message: `User-Agent arrived as ${ua === undefined ? 'nothing' : JSON.stringify(ua)} but ${where} says ${profile.userAgent}: check the site rules for ${targetHost}.`,
        },
  );

  const ref = get(received, 'Referer');
  const refWanted = refererFor(profile.referer, CANARY.referer, targetHost).value ?? undefined;
  out.push(
    ref === refWanted
      ? {
          id: 'referer',
          status: 'pass',
          message: `A cross-site Referer arrived as ${ref === undefined ? 'nothing' : ref}, as ${where} (${profile.referer}) says.`,
        }
      : {
          id: 'referer',
          status: 'fail',
          message: `Referer arrived as ${ref ?? 'nothing'}, expected ${refWanted ?? 'nothing'} (${where}): check the site rules for ${targetHost}.`,
        },
  );

  const hints = received.filter(([n]) => n.toLowerCase().startsWith('sec-ch-ua')).map(([n]) => n);
  const hintsGo = stripsClientHints(profile);
  out.push(
    hintsGo === (hints.length === 0)
      ? {
          id: 'client-hints',
          status: 'pass',
          message: hintsGo
            ? `Client hints (Sec-CH-UA*) removed, as ${where} says.`
            : `Client hints kept, as ${where} says (sites see the browser's brand and platform).`,
        }
      : {
          id: 'client-hints',
          status: 'fail',
          message: `Client hints ${hints.length ? `arrived (${hints.join(', ')})` : 'were removed'} but ${where} says ${hintsGo ? 'remove' : 'keep'}.`,
        },
  );

  const cookie = get(received, 'Cookie');
  const action = cookieAction(profile.cookies, true, false);
  const cookieOk = action === 'remove' ? cookie === undefined : cookie === CANARY.cookie;
  out.push(
    cookieOk
      ? {
          id: 'cookies',
          status: 'pass',
          message: `A third-party Cookie was ${action === 'remove' ? 'removed' : 'kept'}, as ${where} (${profile.cookies}) says.`,
        }
      : {
          id: 'cookies',
          status: 'fail',
          message: `A third-party Cookie was ${cookie === undefined ? 'removed' : 'kept'} but ${where} (${profile.cookies}) says ${action}.`,
        },
  );
  return out;
}

function localAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal) out.push(a.address);
  }
  return out;
}
