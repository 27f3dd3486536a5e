import { FORWARDING_HEADERS } from './built-in-profiles.js';
import { type ProfileRules, stripsClientHints } from './header-rules.js';

/** Where a field's value came from: the profile, or a site rule's override. */
export interface RuleSource {
  profileId: string;
  /** The site rule's pattern when one applies, e.g. `*.example.com`. */
  siteRule: string | null;
  /** Fields the site rule overrides. */
  overridden: ReadonlySet<keyof ProfileRules>;
}

/** Receipt rule names, one per field, e.g. `standard/cookies` or `site:*.bank.com/cookies`. */
export type RuleLabels = Record<keyof ProfileRules, string>;

/**
 * One profile (plus a site rule's overrides) turned into what the hot path needs:
 * a map from lower-case header name to the rule that removes it, and fixed labels.
 */
export interface CompiledRules {
  source: RuleSource;
  rules: ProfileRules;
  labels: RuleLabels;
  /** Headers removed whatever their value: forwarding headers and the profile's own list. */
  removeAlways: ReadonlyMap<string, string>;
  stripClientHints: boolean;
  /** The User-Agent sent when the rules replace it. */
  userAgent: string;
  /** True when the rules change nothing (transparent): the rewriter returns at once. */
  noop: boolean;
  /** True when a decision needs first/third party (computed lazily, once per exchange). */
  needsParty: boolean;
}

/** Compiles one rule set; `extraForwarding` are the user's additions to the forwarding list. */
export function compileRules(
  rules: ProfileRules,
  source: RuleSource,
  userAgent: string,
  extraForwarding: readonly string[],
): CompiledRules {
  const label = (field: keyof RuleLabels): string => {
    if (source.siteRule && source.overridden.has(field)) return `site:${source.siteRule}/${RULE_NAMES[field]}`;
    return `${source.profileId}/${RULE_NAMES[field]}`;
  };
  const labels = Object.fromEntries(
    Object.keys(RULE_NAMES).map((k) => [k, label(k as keyof RuleLabels)]),
  ) as RuleLabels;
  const removeAlways = new Map<string, string>();
  if (rules.removeForwardingHeaders) {
    for (const h of FORWARDING_HEADERS) removeAlways.set(h.toLowerCase(), labels.removeForwardingHeaders);
    for (const h of extraForwarding) removeAlways.set(h.toLowerCase(), labels.removeForwardingHeaders);
  }
  for (const h of rules.removeHeaders) removeAlways.set(h.toLowerCase(), labels.removeHeaders);
  const stripClientHints = stripsClientHints(rules);
  const noop =
    removeAlways.size === 0 &&
    !stripClientHints &&
    rules.userAgent === 'keep' &&
    rules.referer === 'keep' &&
    rules.cookies === 'allow' &&
    !rules.sendGpc &&
    rules.acceptLanguage === null &&
    !rules.removeThirdPartyEtag;
  const needsParty =
    rules.cookies === 'block-third-party' || rules.removeThirdPartyEtag || rules.referer === 'origin-when-cross-site';
  return { source, rules, labels, removeAlways, stripClientHints, userAgent, noop, needsParty };
}

const RULE_NAMES: Record<keyof RuleLabels, string> = {
  removeForwardingHeaders: 'forwarding-headers',
  userAgent: 'user-agent',
  removeClientHints: 'client-hints',
  referer: 'referer',
  cookies: 'cookies',
  sendGpc: 'gpc',
  acceptLanguage: 'accept-language',
  removeHeaders: 'remove-headers',
  removeThirdPartyEtag: 'third-party-etag',
};
