import type { z } from 'zod';

/**
 * The names a person sees for settings fields, as the Settings screen labels them. A schema's own text
 * ("Too big: expected number to be <=65535") is rewritten with these into "Port must be a whole number
 * from 0 to 65535." — the UI and the config-file warnings show the same sentence.
 */
const LABELS: Record<string, string> = {
  'proxy.port': 'Port',
  'proxy.listen': 'Listen address',
  'proxy.allowedClients': 'Each allowed client',
  'proxy.proxyAuth': 'Proxy login',
  'proxy.allowedConnectPorts': 'Each CONNECT port',
  'upstream.default': 'Upstream proxy URL',
  'cache.maxSizeMb': 'Cache size limit (MB)',
  'cache.maxEntryMb': 'Largest cached response (MB)',
  'cache.dir': 'Cache directory',
  'traffic.bufferSize': 'Traffic kept in memory',
  'audit.maxSizeMb': 'Audit file size (MB)',
  'audit.maxAgeDays': 'Days to keep audit files',
  'audit.keep': 'Audit files kept',
  'audit.path': 'Audit file',
  'systemProxy.bypass': 'Each bypassed host',
  'privacy.profile': 'Profile',
  'app.theme': 'Theme',
};

/** `proxy.allowedClients.2` → the label of `proxy.allowedClients`, or the last name in the path. */
export function labelOf(path: string): string {
  const [section, key] = path.split('.');
  return LABELS[`${section}.${key}`] ?? (key ? `${section}.${key}` : path || 'The settings document');
}

type AnySchema = { def?: { type?: string; innerType?: AnySchema; shape?: unknown }; shape?: Record<string, AnySchema> };

/** The schema at `section.field` (defaults, nullables and optionals unwrapped), for its bounds. */
function schemaAt(root: AnySchema, path: Array<string | number>): AnySchema | undefined {
  let s: AnySchema | undefined = root;
  for (const key of path) {
    s = unwrap(s);
    if (typeof key === 'number') s = (s?.def as { element?: AnySchema } | undefined)?.element;
    else s = s?.shape?.[key];
  }
  return unwrap(s);
}

function unwrap(s: AnySchema | undefined): AnySchema | undefined {
  let out = s;
  for (let i = 0; i < 5 && out?.def?.innerType; i++) out = out.def.innerType;
  return out;
}

/** The number rule in words: "a whole number from 0 to 65535". */
function numberRule(s: AnySchema | undefined): string {
  const n = s as { minValue?: number | null; maxValue?: number | null; isInt?: boolean } | undefined;
  const kind = n?.isInt ? 'a whole number' : 'a number';
  const min = n?.minValue;
  const max = n?.maxValue;
  if (typeof min === 'number' && Number.isFinite(min) && typeof max === 'number' && Number.isFinite(max))
    return `${kind} from ${min} to ${max}`;
  if (typeof min === 'number' && Number.isFinite(min)) return `${kind} of at least ${min}`;
  if (typeof max === 'number' && Number.isFinite(max)) return `${kind} of at most ${max}`;
  return kind;
}

/** One schema issue in plain words, naming the field; a message the schema wrote on purpose is kept. */
export function fieldMessage(root: z.ZodType, issue: z.core.$ZodIssue): string {
  const label = labelOf(issue.path.join('.'));
  const at = schemaAt(root as unknown as AnySchema, issue.path as Array<string | number>);
  const line = typeof issue.path[2] === 'number' ? ` (line ${issue.path[2] + 1})` : '';
  switch (issue.code) {
    case 'too_big':
    case 'too_small':
      if (issue.origin === 'number') return `${label} must be ${numberRule(at)}.`;
      if (issue.origin === 'string') return `${label}${line} cannot be empty.`;
      return issue.message;
    case 'invalid_type':
      if (issue.expected === 'number' || issue.expected === 'int') {
        return `${label}${line} must be ${numberRule(at)}.`;
      }
      if (issue.expected === 'string') return `${label}${line} must be text.`;
      if (issue.expected === 'boolean') return `${label} must be on or off (true or false).`;
      if (issue.expected === 'array') return `${label} must be a list.`;
      return `${label} has the wrong kind of value.`;
    case 'invalid_value':
      return `${label} must be one of: ${issue.values.map(String).join(', ')}.`;
    default:
      if (issue.message.startsWith('Invalid')) return `${label}${line}: ${issue.message.toLowerCase()}.`;
      return /[.!?)]$/.test(issue.message) ? issue.message : `${issue.message}.`;
  }
}
