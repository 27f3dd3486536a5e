import { z } from 'zod';
import { blocklistSettings } from '../blocklist/blocklist-schema.js';
import { cacheSettings } from '../cache/cache-settings.js';
import { dnsSettings } from '../dns/dns-settings.js';
import { privacySettings } from '../privacy/privacy-schema.js';
import { proxySettings, timeoutSettings, upstreamSettings } from '../proxy/proxy-settings.js';
import { reverseSettings } from '../reverse/reverse-settings.js';
import { systemProxySettings } from '../system/system-proxy-settings.js';
import { inspectionSettings } from '../tls/inspection-settings.js';
import { auditSettings, trafficSettings } from '../traffic/traffic-schema.js';

// Each domain owns the schema of its own section; this file composes them into one document.
export {
  type BlocklistEntry,
  blocklistEntry,
  blocklistSettings,
  blocklistSource,
  type ContentFilter,
  contentFilterSchema,
} from '../blocklist/blocklist-schema.js';
export { cacheSettings } from '../cache/cache-settings.js';
export { dnsServer, dnsSettings } from '../dns/dns-settings.js';
export {
  builtInProfileIds,
  cookiePolicy,
  type Profile,
  privacySettings,
  profileSchema,
  refererPolicy,
  type SiteRule,
  siteRuleSchema,
  userAgentPolicy,
} from '../privacy/privacy-schema.js';
export { hostPattern } from '../proxy/host-pattern-schema.js';
export { proxySettings, timeoutSettings, upstreamSettings } from '../proxy/proxy-settings.js';
export { reverseSettings } from '../reverse/reverse-settings.js';
export { systemProxySettings } from '../system/system-proxy-settings.js';
export { inspectionSettings, inspectionSiteRule } from '../tls/inspection-settings.js';
export { auditSettings, trafficSettings } from '../traffic/traffic-schema.js';

/**
 * The one settings document. Every surface (CLI flags, config file, UI) edits it through
 * the service. Each section belongs to one feature; defaults make `{}` a valid current document.
 * Bump SETTINGS_VERSION and add a migration in settings-migrations.ts for any breaking change.
 */
export const SETTINGS_VERSION = 3;

export const appSettings = z.object({
  launchAtLogin: z.boolean().default(false),
  theme: z.enum(['system', 'light', 'dark']).default('system'),
});

export const settingsSchema = z.object({
  version: z.literal(SETTINGS_VERSION).default(SETTINGS_VERSION),
  proxy: proxySettings.default(proxySettings.parse({})),
  privacy: privacySettings.default(privacySettings.parse({})),
  upstream: upstreamSettings.default(upstreamSettings.parse({})),
  timeouts: timeoutSettings.default(timeoutSettings.parse({})),
  blocklists: blocklistSettings.default(blocklistSettings.parse({})),
  cache: cacheSettings.default(cacheSettings.parse({})),
  dns: dnsSettings.default(dnsSettings.parse({})),
  traffic: trafficSettings.default(trafficSettings.parse({})),
  audit: auditSettings.default(auditSettings.parse({})),
  systemProxy: systemProxySettings.default(systemProxySettings.parse({})),
  reverse: reverseSettings.default(reverseSettings.parse({})),
  inspection: inspectionSettings.default(inspectionSettings.parse({})),
  app: appSettings.default(appSettings.parse({})),
});

export type Settings = z.infer<typeof settingsSchema>;

/** A partial settings document: every section optional, every field in it optional. */
export type SettingsPatch = { [S in keyof Omit<Settings, 'version'>]?: Partial<Settings[S]> };

/** The defaults, as a complete document. */
export function defaultSettings(): Settings {
  return settingsSchema.parse({});
}
