import { z } from 'zod';

/**
 * The one settings document. Every surface (CLI flags, config file, UI) edits it through
 * the service. Each section belongs to one feature; defaults make `{}` a valid v2 document.
 * Bump SETTINGS_VERSION and add a migration in settings-migrations.ts for any breaking change.
 */
export const SETTINGS_VERSION = 2;

const hostPattern = z
  .string()
  .trim()
  .min(1)
  .regex(/^(\*\.)?[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?$|^\*$/i, 'Use a host name like example.com or *.example.com');

export const proxySettings = z.object({
  /** Whether the proxy listener runs. */
  enabled: z.boolean().default(true),
  port: z.number().int().min(0).max(65535).default(8899),
  /** 127.0.0.1 by default; anything else exposes Veil and needs allowedClients. */
  listen: z.string().trim().min(1).default('127.0.0.1'),
  allowedClients: z.array(z.string().trim().min(1)).default([]),
  /** `user:password` for Basic proxy authentication when exposed; null for none. */
  proxyAuth: z.string().nullable().default(null),
  allowPrivateDestinations: z.boolean().default(false),
  allowedConnectPorts: z.array(z.number().int().min(1).max(65535)).default([443, 8443]),
  allowTrace: z.boolean().default(false),
});

export const cookiePolicy = z.enum(['allow', 'block-third-party', 'session-only', 'block']);
export const refererPolicy = z.enum(['keep', 'origin-when-cross-site', 'remove']);
export const userAgentPolicy = z.enum(['keep', 'replace', 'remove']);

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
  userAgent: userAgentPolicy.default('replace'),
  /** Remove Sec-CH-UA* client hints (always done when the User-Agent is replaced or removed). */
  removeClientHints: z.boolean().default(true),
  referer: refererPolicy.default('origin-when-cross-site'),
  cookies: cookiePolicy.default('block-third-party'),
  /** Add Sec-GPC: 1 (Global Privacy Control). */
  sendGpc: z.boolean().default(true),
  /** Replace Accept-Language with this value; null keeps it. */
  acceptLanguage: z.string().nullable().default(null),
  /** More request headers to remove, by name (From, DNT, …). */
  removeHeaders: z.array(z.string().trim().min(1)).default([]),
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
      acceptLanguage: z.string().nullable().optional(),
      removeHeaders: z.array(z.string().trim().min(1)).optional(),
      removeThirdPartyEtag: z.boolean().optional(),
    })
    .default({}),
});

/** The profiles Veil ships; their rules are data in privacy/built-in-profiles.ts. */
export const builtInProfileIds = ['transparent', 'standard', 'strict'] as const;

const privacySection = z.object({
  /** The active profile id: a built-in (strict, standard, transparent) or a custom one. */
  profile: z.string().default('standard'),
  /** User profiles (copies of built-ins, changed). Built-ins are not stored here. */
  customProfiles: z.array(profileSchema).default([]),
  siteRules: z.array(siteRuleSchema).default([]),
  /** Sites whose cookies are always kept (the sites you sign in to). */
  cookieAllowList: z.array(hostPattern).default([]),
  /** The generic User-Agent used when a profile replaces it. */
  userAgent: z
    .string()
    .min(1)
    .default(
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36',
    ),
  /** More forwarding/address headers to remove besides the built-in list. */
  extraForwardingHeaders: z.array(z.string().trim().min(1)).default([]),
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

const upstreamUrl = z
  .string()
  .trim()
  .regex(
    /^(socks5h?|socks|http):\/\/([^@/\s]+@)?[^/\s:]+(:\d+)?\/?$/i,
    'Use socks5://host:port, socks5h://host:port or http://host:port',
  );

export const upstreamSettings = z.object({
  /** The global upstream; null goes direct. */
  default: upstreamUrl.nullable().default(null),
  /** Per-site routes: `*.onion` through Tor, a bank direct. The most specific pattern wins. */
  rules: z.array(z.object({ pattern: hostPattern, upstream: z.union([upstreamUrl, z.literal('direct')]) })).default([]),
  /** Go direct when the upstream is down. Off: Veil fails closed (502). */
  allowDirectFallback: z.boolean().default(false),
  /** Resolve names locally before SOCKS (leaks DNS). Off: the SOCKS server resolves. */
  localDns: z.boolean().default(false),
});

export const blocklistSource = z.discriminatedUnion('type', [
  z.object({ type: z.literal('url'), url: z.string().url() }),
  z.object({ type: z.literal('file'), path: z.string().min(1) }),
  z.object({ type: z.literal('text'), text: z.string() }),
]);

export const blocklistEntry = z.object({
  id: z.string().min(1),
  name: z.string().trim().min(1),
  enabled: z.boolean().default(true),
  source: blocklistSource,
  /** hosts | domains | adblock | auto (detected). */
  format: z.enum(['auto', 'hosts', 'domains', 'adblock']).default('auto'),
});

export const contentFilterSchema = z.object({
  id: z.string().min(1),
  /** Sites it applies to; empty means everywhere. */
  sites: z.array(hostPattern).default([]),
  blockContentTypes: z.array(z.string().trim().min(1)).default([]),
  blockExtensions: z.array(z.string().trim().min(1)).default([]),
  blockMethods: z.array(z.string().trim().min(1)).default([]),
  enabled: z.boolean().default(true),
});

export const blocklistSettings = z.object({
  lists: z.array(blocklistEntry).default([]),
  /** The user's own block rules, one per line (any supported syntax). */
  userBlock: z.array(z.string()).default([]),
  /** The user's allow rules; they win over every block rule. */
  userAllow: z.array(z.string()).default([]),
  refreshHours: z
    .number()
    .min(1)
    .max(24 * 30)
    .default(24),
  contentFilters: z.array(contentFilterSchema).default([]),
});

export const cacheSettings = z.object({
  enabled: z.boolean().default(true),
  maxSizeMb: z
    .number()
    .min(0)
    .max(64 * 1024)
    .default(256),
  maxEntryMb: z.number().min(0).max(4096).default(16),
  /** On-disk store directory; null keeps the cache in memory only. */
  dir: z.string().nullable().default(null),
});

export const trafficSettings = z.object({
  bufferSize: z.number().int().min(100).max(1_000_000).default(10_000),
});

export const auditSettings = z.object({
  enabled: z.boolean().default(false),
  /** NDJSON file; null uses the default under the config directory. */
  path: z.string().nullable().default(null),
  maxSizeMb: z.number().min(1).max(10_240).default(50),
  maxAgeDays: z.number().min(1).max(3650).default(7),
  keep: z.number().int().min(1).max(1000).default(10),
  redactQuery: z.boolean().default(false),
  redactHeaderValues: z.boolean().default(false),
});

export const systemProxySettings = z.object({
  /** Point the operating system at Veil while it runs. */
  enabled: z.boolean().default(false),
  mode: z.enum(['pac', 'manual']).default('pac'),
  /** Fail closed: if Veil dies, nothing goes direct. Fail open adds `DIRECT` as a fallback. */
  failClosed: z.boolean().default(true),
  /** Extra hosts that bypass Veil (besides localhost and private networks). */
  bypass: z.array(z.string().trim().min(1)).default([]),
  /** Warn when another program changes the system proxy while Veil is on. */
  guard: z.boolean().default(true),
});

export const appSettings = z.object({
  launchAtLogin: z.boolean().default(false),
  theme: z.enum(['system', 'light', 'dark']).default('system'),
});

export const settingsSchema = z.object({
  version: z.literal(SETTINGS_VERSION).default(SETTINGS_VERSION),
  proxy: proxySettings.default(proxySettings.parse({})),
  privacy: privacySettings.default(privacySettings.parse({})),
  upstream: upstreamSettings.default(upstreamSettings.parse({})),
  blocklists: blocklistSettings.default(blocklistSettings.parse({})),
  cache: cacheSettings.default(cacheSettings.parse({})),
  traffic: trafficSettings.default(trafficSettings.parse({})),
  audit: auditSettings.default(auditSettings.parse({})),
  systemProxy: systemProxySettings.default(systemProxySettings.parse({})),
  app: appSettings.default(appSettings.parse({})),
});

export type Settings = z.infer<typeof settingsSchema>;
export type Profile = z.infer<typeof profileSchema>;
export type SiteRule = z.infer<typeof siteRuleSchema>;
export type BlocklistEntry = z.infer<typeof blocklistEntry>;
export type ContentFilter = z.infer<typeof contentFilterSchema>;

/** A partial settings document: every section optional, every field in it optional. */
export type SettingsPatch = { [S in keyof Omit<Settings, 'version'>]?: Partial<Settings[S]> };

/** The defaults, as a complete document. */
export function defaultSettings(): Settings {
  return settingsSchema.parse({});
}
