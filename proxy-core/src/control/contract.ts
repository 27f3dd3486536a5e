import { z } from 'zod';
import type { BlocklistInfo, BlocklistProgress, BlocklistSuggestion } from '../blocklist/blocklist-schema.js';
import type { DnsStatus } from '../dns/dns-settings.js';
import type { PrivacyExplanation } from '../privacy/privacy-schema.js';
import type { BlockInfo, ExchangeRecord } from '../proxy/exchange-record.js';
import type { ReverseStatus } from '../reverse/reverse-settings.js';
import type { RefusedHost } from '../tls/refusal-tracker.js';
import type { Counters, Har, TrafficBatch } from '../traffic/traffic-schema.js';
import { trafficFilterSchema } from '../traffic/traffic-schema.js';
import { fieldMessage } from './field-words.js';
import type { SelfTestReport } from './self-test/self-test-report.js';
import { blocklistSource, type Profile, profileSchema, type Settings } from './settings-schema.js';

/**
 * The one API. The Electron IPC, the WebSocket transport and the CLI carry exactly these
 * commands and events; arguments are validated with these schemas at every boundary.
 * The renderer imports this file's types only.
 */

export type { BlocklistInfo, BlocklistProgress, BlocklistSuggestion } from '../blocklist/blocklist-schema.js';
export type { DnsStatus } from '../dns/dns-settings.js';
export type { PrivacyExplanation } from '../privacy/privacy-schema.js';
export type { BlockInfo, ExchangeRecord, ReceiptEntry } from '../proxy/exchange-record.js';
export type { Counters, Har, HarEntry, HarHeader, TrafficBatch, TrafficFilter } from '../traffic/traffic-schema.js';
export { trafficFilterSchema } from '../traffic/traffic-schema.js';
export type { CheckResult, SelfTestReport } from './self-test/self-test-report.js';
export type { Profile as PrivacyProfile, Settings, SettingsPatch, SiteRule } from './settings-schema.js';

// ---------- payload types ----------

/** A field-level validation error: `path` is the settings path, e.g. `proxy.port`. */
export interface FieldError {
  path: string;
  message: string;
}

export type UpdateResult = { ok: true; settings: Settings } | { ok: false; errors: FieldError[] };

/** Something the user should see: a recovered settings file, a failed list update, a foreign proxy change. */
export interface Notice {
  id: string;
  level: 'info' | 'warning' | 'error';
  code: string;
  message: string;
  /** What the user can do about it, in words. */
  action?: string;
  at: number;
}

export interface SystemProxyState {
  /** Whether Veil has the OS pointed at it now. */
  active: boolean;
  /** gnome | kde | macos | windows | unsupported */
  platform: string;
  mode: 'pac' | 'manual';
  pacUrl?: string;
  /** Set when the OS settings were changed by someone else while Veil was on. */
  foreignChange?: string;
  error?: string;
}

export interface Status {
  running: boolean;
  listening: { host: string; port: number } | null;
  /** The transparent listener (`proxy.transparentPort`), when it runs. */
  transparent?: { host: string; port: number } | null;
  profile: string;
  upstream: { name: string; reachable: boolean | null };
  systemProxy: SystemProxyState;
  counters: Counters;
  trafficPaused: boolean;
  /** Name resolution: private (DoH/DoT) or system, and how often it fell back (dns feature). */
  dns?: DnsStatus;
  notices: Notice[];
  /** Last listener error (e.g. port in use), if any. */
  error?: string;
  /** The reverse proxy, while `reverse.enabled` (absent otherwise). */
  reverse?: ReverseState;
}

/** The reverse proxy's listeners and each backend's health, for Home. */
export interface ReverseState extends ReverseStatus {
  running: boolean;
  error?: string;
}

export interface ProfileInfo extends Profile {
  builtIn: boolean;
}

export interface LineError {
  line: number;
  message: string;
}

export type UserRulesResult = { ok: true } | { ok: false; block: LineError[]; allow: LineError[] };

export interface BlockTestResult {
  decision: 'block' | 'allow' | 'none';
  /** The rule that decided, with its list and line. */
  rule?: BlockInfo;
  /** A sentence a person can read. */
  explanation: string;
}

export interface CacheStats {
  enabled: boolean;
  entries: number;
  bytes: number;
  maxBytes: number;
  hits: number;
  misses: number;
  revalidations: number;
  bytesSaved: number;
}

/** HTTPS inspection as the UI shows it. */
export interface InspectionState {
  /** Inspection is on and running (the CA loaded). */
  active: boolean;
  /** SHA-256 fingerprint of Veil's CA, so the user can check what they trust; null before it exists. */
  caFingerprint: string | null;
  /** When the CA expires (ms since epoch), and whether renewal is due. */
  caExpires: number | null;
  renewSoon: boolean;
  /** Hosts Veil stopped inspecting because their app refused its certificate. */
  refused: RefusedHost[];
}

export interface UpstreamTestResult {
  ok: boolean;
  ms: number;
  /** The upstream tested, credentials removed. */
  name?: string;
  /** Why it failed, naming the proxy and the fix. */
  error?: string;
}

export interface AuditStatus {
  enabled: boolean;
  path: string;
  bytes: number;
  files: number;
}

// ---------- argument schemas ----------

const none = z.object({}).strict().optional();
const id = z.object({ id: z.string().min(1) }).strict();

/** Every command's argument schema. The key is the command's name. */
export const commandArgs = {
  'status.get': none,
  'proxy.start': none,
  'proxy.stop': none,

  'settings.get': none,
  /** A partial document; nested sections merge, arrays replace. */
  'settings.update': z.object({ patch: z.record(z.string(), z.unknown()) }).strict(),
  /** Same checks as update, nothing saved: for validating a form before sending. */
  'settings.validate': z.object({ patch: z.record(z.string(), z.unknown()) }).strict(),

  'privacy.profiles': none,
  'privacy.setProfile': z.object({ profile: z.string().min(1) }).strict(),
  'privacy.saveProfile': z.object({ profile: profileSchema }).strict(),
  'privacy.deleteProfile': id,
  'privacy.explain': z.object({ url: z.string().min(1), referer: z.string().optional() }).strict(),

  'blocklist.list': none,
  'blocklist.suggestions': none,
  'blocklist.add': z
    .object({
      name: z.string().trim().min(1).optional(),
      source: blocklistSource,
      format: z.enum(['auto', 'hosts', 'domains', 'adblock']).optional(),
    })
    .strict(),
  'blocklist.setEnabled': z.object({ id: z.string().min(1), enabled: z.boolean() }).strict(),
  'blocklist.remove': id,
  'blocklist.refresh': z.object({ id: z.string().min(1).optional() }).strict(),
  'blocklist.setUserRules': z.object({ block: z.array(z.string()), allow: z.array(z.string()) }).strict(),
  /** The same checks as setUserRules, nothing saved: the editor marks bad lines as they are typed. */
  'blocklist.checkUserRules': z.object({ block: z.array(z.string()), allow: z.array(z.string()) }).strict(),
  'blocklist.test': z.object({ url: z.string().min(1), referer: z.string().optional() }).strict(),

  'inspection.state': none,
  'inspection.forget': z.object({ host: z.string().min(1) }).strict(),

  'cache.stats': none,
  'cache.purge': z
    .object({ host: z.string().min(1).optional() })
    .strict()
    .optional(),

  'traffic.snapshot': z
    .object({ filter: trafficFilterSchema.optional(), limit: z.number().int().min(1).max(1_000_000).optional() })
    .strict()
    .optional(),
  'traffic.clear': none,
  'traffic.pause': none,
  'traffic.resume': none,
  'traffic.exportHar': z.object({ filter: trafficFilterSchema.optional() }).strict().optional(),

  /**
   * Tests an upstream proxy URL (saved or not). With `target` (`host:port`) Veil opens a real
   * connection to it through the proxy; without, it checks reachability and the SOCKS5 login.
   */
  'upstream.test': z.object({ url: z.string().min(1), target: z.string().min(1).optional() }).strict(),

  'system.state': none,
  'system.enable': none,
  'system.disable': none,

  'audit.status': none,

  /** The self-test (`veil selftest`): a canary through Veil's pipeline and the setup checks. */
  'selftest.run': none,

  'notices.dismiss': id,
} as const;

/** Every command's result type. */
export interface CommandResults {
  'status.get': Status;
  'proxy.start': Status;
  'proxy.stop': Status;
  'settings.get': Settings;
  'settings.update': UpdateResult;
  'settings.validate': UpdateResult;
  'privacy.profiles': ProfileInfo[];
  'privacy.setProfile': UpdateResult;
  'privacy.saveProfile': UpdateResult;
  'privacy.deleteProfile': UpdateResult;
  'privacy.explain': PrivacyExplanation;
  'blocklist.list': BlocklistInfo[];
  'blocklist.suggestions': BlocklistSuggestion[];
  'blocklist.add': BlocklistInfo;
  'blocklist.setEnabled': BlocklistInfo;
  'blocklist.remove': { removed: boolean };
  'blocklist.refresh': BlocklistInfo[];
  'blocklist.setUserRules': UserRulesResult;
  'blocklist.checkUserRules': UserRulesResult;
  'blocklist.test': BlockTestResult;
  'inspection.state': InspectionState;
  'inspection.forget': InspectionState;
  'cache.stats': CacheStats;
  'cache.purge': { removed: number };
  'traffic.snapshot': { records: ExchangeRecord[]; total: number };
  'traffic.clear': { cleared: number };
  'traffic.pause': { paused: boolean };
  /** `missed`: exchanges made while paused, which were not kept (the table never shows them). */
  'traffic.resume': { paused: boolean; missed?: number };
  'traffic.exportHar': Har;
  'upstream.test': UpstreamTestResult;
  'system.state': SystemProxyState;
  'system.enable': SystemProxyState;
  'system.disable': SystemProxyState;
  'audit.status': AuditStatus;
  'selftest.run': SelfTestReport;
  'notices.dismiss': { dismissed: boolean };
}

export type CommandName = keyof typeof commandArgs;
export type CommandArgs<C extends CommandName> = z.input<(typeof commandArgs)[C]>;
export type CommandResult<C extends CommandName> = CommandResults[C];

/** Every event and its payload. */
export interface VeilEvents {
  status: Status;
  settings: Settings;
  traffic: TrafficBatch;
  'blocklist.progress': BlocklistProgress;
  notice: Notice;
}
export type EventName = keyof VeilEvents;
export const eventNames: readonly EventName[] = ['status', 'settings', 'traffic', 'blocklist.progress', 'notice'];

/** What both transports carry: the renderer's Bridge has this shape too. */
export interface VeilApi {
  invoke<C extends CommandName>(command: C, args?: CommandArgs<C>): Promise<CommandResult<C>>;
  on<E extends EventName>(event: E, listener: (payload: VeilEvents[E]) => void): () => void;
}

/** A failure a command reports to its caller (invalid arguments, unknown id, …). */
export interface CommandErrorPayload {
  code: 'E_INVALID_ARGS' | 'E_UNKNOWN_COMMAND' | 'E_NOT_FOUND' | 'E_FAILED';
  message: string;
  errors?: FieldError[];
}

/** Validates a command's arguments; throws a CommandError naming each bad field. */
export function parseCommandArgs<C extends CommandName>(command: C, args: unknown): z.output<(typeof commandArgs)[C]> {
  const schema = commandArgs[command];
  if (!schema) throw new CommandError({ code: 'E_UNKNOWN_COMMAND', message: `Unknown command ${String(command)}` });
  const parsed = schema.safeParse(args ?? undefined);
  if (!parsed.success) {
    throw new CommandError({
      code: 'E_INVALID_ARGS',
      message: `Invalid arguments for ${command}`,
      errors: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: fieldMessage(schema, i) })),
    });
  }
  return parsed.data as z.output<(typeof commandArgs)[C]>;
}

export function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && Object.hasOwn(commandArgs, name);
}

export class CommandError extends Error {
  constructor(readonly payload: CommandErrorPayload) {
    super(payload.message);
    this.name = 'CommandError';
  }
}
