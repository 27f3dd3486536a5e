import { z } from 'zod';
import { HEADER_NAME, HEADER_NAME_MESSAGE, HEADER_VALUE_MESSAGE, isHeaderValue } from '../proxy/header-syntax.js';
import { hostPattern } from '../proxy/host-pattern-schema.js';
import { UNIFORM_USER_AGENT } from './browser-releases.js';

const PAST_DEFAULT_USER_AGENTS = new Set([
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36',
]);

const headerName = z.string().trim().min(1).regex(HEADER_NAME, HEADER_NAME_MESSAGE);

export const cookiePolicy = z.enum(['allow', 'block-third-party', 'session-only', 'block']);
export const refererPolicy = z.enum(['keep', 'origin-when-cross-site', 'remove']);
/** keep; reduce (same browser and major version, identifying detail gone); replace (one uniform string); remove. */
export const userAgentPolicy = z.enum(['keep', 'reduce', 'replace', 'remove']);

/** What Accept-Language may be replaced with: language tags and weights, e.g. `en-US,en;q=0.9`. */
const ACCEPT_LANGUAGE =
  /^(\*|[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*)(;q=[01](\.\d{1,3})?)?(\s*,\s*(\*|[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*)(;q=[01](\.\d{1,3})?)?)*$/;
/** One issue per bad value: a line break is named as such, anything else as not a language list. */
const acceptLanguage = z
  .string()
  .trim()
  .superRefine((v, ctx) => {
    if (!isHeaderValue(v)) ctx.addIssue({ code: 'custom', message: HEADER_VALUE_MESSAGE });
    else if (!ACCEPT_LANGUAGE.test(v))
      ctx.addIssue({ code: 'custom', message: 'Write languages as sites expect them, e.g. en-US,en;q=0.9.' });
  });

/** A privacy profile: a named set of rules (data), applied by privacy/ (code). */
export const profileSchema = z.object({
  id: z
    .string()
    .trim()
    .min(1)
    .regex(/^[a-z0-9-]+$/, 'Use lower-case letters, digits and dashes'),
  name: z.string().trim().min(1),
  description: z.string().default(''),
  /** Remove X-Forwarded-For, Forwarded, Via, X-Real-IP and the rest. */
  removeForwardingHeaders: z.boolean().default(true),
  userAgent: userAgentPolicy.default('reduce'),
  /** Remove Sec-CH-UA* client hints (always done when the User-Agent is replaced or removed). */
  removeClientHints: z.boolean().default(true),
  referer: refererPolicy.default('origin-when-cross-site'),
  cookies: cookiePolicy.default('block-third-party'),
  /** Add Sec-GPC: 1 (Global Privacy Control). */
  sendGpc: z.boolean().default(true),
  /** Replace Accept-Language with this value; null keeps it. */
  acceptLanguage: acceptLanguage.nullable().default(null),
  /** More request headers to remove, by name (From, DNT, …). */
  removeHeaders: z.array(headerName).default([]),
  /** Remove If-None-Match on third-party requests (ETag tracking). */
  removeThirdPartyEtag: z.boolean().default(false),
});

export const siteRuleSchema = z.object({
  /** `example.com` (exact) or `*.example.com` (subdomains and the domain). */
  pattern: hostPattern,
  /** A profile id, or null to keep the global profile and apply only the overrides. */
  profile: z.string().nullable().default(null),
  /** Only the fields given here replace the profile's (no defaults: an absent field keeps the profile's value). */
  overrides: z
    .object({
      removeForwardingHeaders: z.boolean().optional(),
      userAgent: userAgentPolicy.optional(),
      removeClientHints: z.boolean().optional(),
      referer: refererPolicy.optional(),
      cookies: cookiePolicy.optional(),
      sendGpc: z.boolean().optional(),
      acceptLanguage: acceptLanguage.nullable().optional(),
      removeHeaders: z.array(headerName).optional(),
      removeThirdPartyEtag: z.boolean().optional(),
    })
    .default({}),
});

/** The profiles Veil ships; their rules are data in privacy/built-in-profiles.ts. */
export const builtInProfileIds = ['transparent', 'standard', 'strict'] as const;

export const privacySection = z.object({
  /** The active profile id: a built-in (strict, standard, transparent) or a custom one. */
  profile: z.string().default('standard'),
  /** User profiles (copies of built-ins, changed). Built-ins are not stored here. */
  customProfiles: z.array(profileSchema).default([]),
  siteRules: z.array(siteRuleSchema).default([]),
  /** Sites whose cookies are always kept (the sites you sign in to). */
  cookieAllowList: z.array(hostPattern).default([]),
  /**
   * The uniform User-Agent used when a profile replaces it. A file holding a past default (which Veil wrote
   * out with every save) gets the current one: an aged uniform string makes its users stand out.
   */
  userAgent: z
    .string()
    .min(1)
    .refine(isHeaderValue, HEADER_VALUE_MESSAGE)
    .transform((v) => (PAST_DEFAULT_USER_AGENTS.has(v) ? UNIFORM_USER_AGENT : v))
    .default(UNIFORM_USER_AGENT),
  /** More forwarding/address headers to remove besides the built-in list. */
  extraForwardingHeaders: z.array(headerName).default([]),
});

/** Every profile a setting names must exist; custom profiles may not take a built-in id. */
export const privacySettings = privacySection.superRefine((p, ctx) => {
  const known = new Set<string>(builtInProfileIds);
  p.customProfiles.forEach((c, i) => {
    if ((builtInProfileIds as readonly string[]).includes(c.id)) {
      ctx.addIssue({
        code: 'custom',
        path: ['customProfiles', i, 'id'],
        message: `"${c.id}" is a built-in profile; save your copy under another id`,
      });
    } else if (known.has(c.id)) {
      ctx.addIssue({
        code: 'custom',
        path: ['customProfiles', i, 'id'],
        message: `Two profiles have the id "${c.id}"`,
      });
    }
    known.add(c.id);
  });
  const hint = `Use one of: ${[...known].join(', ')}`;
  if (!known.has(p.profile)) {
    ctx.addIssue({ code: 'custom', path: ['profile'], message: `No profile "${p.profile}". ${hint}` });
  }
  p.siteRules.forEach((r, i) => {
    if (r.profile !== null && !known.has(r.profile)) {
      ctx.addIssue({
        code: 'custom',
        path: ['siteRules', i, 'profile'],
        message: `No profile "${r.profile}". ${hint}`,
      });
    }
  });
});

export type Profile = z.infer<typeof profileSchema>;
export type SiteRule = z.infer<typeof siteRuleSchema>;
export type PrivacySettings = z.infer<typeof privacySettings>;

/** Why the policy decided what it did for one request (privacy.explain). */
export interface PrivacyExplanation {
  profile: string;
  /** The site rule that applied, if any, e.g. `*.example.com`. */
  siteRule: string | null;
  /** One line per decision: `Cookie: blocked (third-party, profile standard)`. */
  why: string[];
}
