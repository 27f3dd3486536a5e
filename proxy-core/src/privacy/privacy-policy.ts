import type { RequestFacts } from '../proxy/exchange-policy.js';
import type { ReceiptEntry } from '../proxy/exchange-record.js';
import type { HeaderList } from '../proxy/header-list.js';
import { BUILT_IN_PROFILES } from './built-in-profiles.js';
import { type CompiledRules, compileRules } from './compiled-rules.js';
import { type ExchangeContext, rewriteRequestHeaders, rewriteResponseHeaders } from './header-rewrite.js';
import type { ProfileRules } from './header-rules.js';
import { HostPatternMap } from './host-pattern.js';
import type { PrivacySettings, Profile } from './privacy-schema.js';
import { type Party, partyOf } from './site-of.js';

export type { PrivacySettings };

/** The privacy settings compiled once per change; every method is cheap enough for the hot path. */
export interface PrivacyPolicy {
  /** The rules for a target host: the site rule's, else the global profile's. */
  rulesFor(host: string): CompiledRules;
  /** The cookie allow-list pattern matching `host`, or null. */
  cookieAllowedBy(host: string): string | null;
  /** The profile id applied to a request (for the record). */
  profileFor(facts: RequestFacts): string;
  rewriteRequest(facts: RequestFacts, headers: HeaderList): ReceiptEntry[];
  rewriteResponse(facts: RequestFacts, status: number, headers: HeaderList): ReceiptEntry[];
  /** Every profile, built-in first, by id. */
  readonly profiles: ReadonlyMap<string, Profile>;
}

/** Compiles the privacy section; assumes it passed the settings schema (every profile id exists). */
export function compilePrivacy(p: PrivacySettings): PrivacyPolicy {
  const profiles = new Map<string, Profile>();
  for (const b of BUILT_IN_PROFILES) profiles.set(b.id, b);
  for (const c of p.customProfiles) profiles.set(c.id, c);
  const profileOf = (id: string): Profile => profiles.get(id) ?? profiles.get('standard')!;
  const compile = (profile: Profile, siteRule: string | null, overrides: Partial<ProfileRules>): CompiledRules => {
    const { id: _id, name: _name, description: _description, ...base } = profile;
    const overridden = new Set(Object.keys(overrides) as Array<keyof ProfileRules>);
    return compileRules(
      { ...base, ...overrides },
      { profileId: profile.id, siteRule, overridden },
      p.userAgent,
      p.extraForwardingHeaders,
    );
  };
  const global = compile(profileOf(p.profile), null, {});
  const sites = new HostPatternMap<CompiledRules>();
  for (const rule of p.siteRules) {
    sites.add(
      rule.pattern,
      compile(profileOf(rule.profile ?? p.profile), rule.pattern, stripUndefined(rule.overrides)),
    );
  }
  const allow = new HostPatternMap<true>();
  for (const pattern of p.cookieAllowList) allow.add(pattern, true);

  // Request and response of one exchange share one context, so party and rules are decided once.
  // It rides on the facts object under a private symbol: a WeakMap entry per exchange costs more in GC.
  const key = Symbol('privacy-context');
  type Carrier = RequestFacts & { [key]?: { rules: CompiledRules; x: ExchangeContext } };
  function contextFor(facts: Carrier): { rules: CompiledRules; x: ExchangeContext } {
    let found = facts[key];
    if (!found) {
      let party: Party | undefined;
      const x: ExchangeContext = {
        targetHost: facts.host,
        party: () => (party ??= partyOf(facts.host, facts.headers)),
        cookieAllowedBy: allow.size ? (allow.match(facts.host)?.pattern ?? null) : null,
      };
      found = { rules: rulesFor(facts.host), x };
      facts[key] = found;
    }
    return found;
  }
  function rulesFor(host: string): CompiledRules {
    return sites.size ? (sites.match(host)?.value ?? global) : global;
  }

  return {
    profiles,
    rulesFor,
    cookieAllowedBy: (host) => allow.match(host)?.pattern ?? null,
    profileFor: (facts) => rulesFor(facts.host).source.profileId,
    rewriteRequest(facts, headers) {
      if (rulesFor(facts.host).noop) return [];
      const { rules, x } = contextFor(facts);
      return rewriteRequestHeaders(rules, x, headers);
    },
    rewriteResponse(facts, _status, headers) {
      if (rulesFor(facts.host).rules.cookies === 'allow') return [];
      const { rules, x } = contextFor(facts);
      return rewriteResponseHeaders(rules, x, headers);
    },
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
