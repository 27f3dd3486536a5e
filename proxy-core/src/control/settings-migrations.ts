import { builtInProfileIds, SETTINGS_VERSION } from './settings-schema.js';

/**
 * Migrations of the settings document, one per earlier version, each to the next version.
 *
 * Version 1 (Veil 0.0.x) was flat:
 *   {
 *     "version": 1,
 *     "port": 8899,                         -> proxy.port
 *     "listen": "127.0.0.1",                -> proxy.listen
 *     "profile": "standard",                -> privacy.profile (when a built-in; else the default)
 *     "upstream": "socks5h://…" | null,     -> upstream.default
 *     "blocklists": ["https://…"],          -> blocklists.lists (one enabled URL list each)
 *     "requestLog": false | true | "path",  -> audit.enabled / audit.path
 *     "cacheMb": 256                        -> cache.maxSizeMb
 *   }
 *
 * Version 2 had `audit.redactHeaderValues` off by default; version 3 turns it on. Veil writes whole documents,
 * so a v2 file holds `false` whether the user chose it or not: an audit section still equal to v2's defaults
 * in every field was never touched, and takes the new default; any other audit section keeps its value.
 *
 * A document without `version` is version 1 when it has any of those flat keys, else the current version
 * (so `{}` stays a valid file).
 */

type Doc = Record<string, unknown>;

const V1_KEYS = ['port', 'listen', 'profile', 'upstream', 'blocklists', 'requestLog', 'cacheMb'];

const migrations: Record<number, (doc: Doc) => Doc> = {
  1: migrateV1,
  2: migrateV2,
};

/** The audit section's defaults in version 2. */
const V2_AUDIT_DEFAULTS: Doc = {
  enabled: false,
  path: null,
  maxSizeMb: 50,
  maxAgeDays: 7,
  keep: 10,
  redactQuery: false,
  redactHeaderValues: false,
};

/** Version 2 -> 3: the audit and proxy sections' changes (see the comments of each). */
function migrateV2(v2: Doc): Doc {
  return migrateV2Proxy(migrateV2Audit({ ...v2, version: 3 }));
}

function migrateV2Audit(v2: Doc): Doc {
  const out: Doc = { ...v2 };
  const audit = v2.audit;
  if (typeof audit !== 'object' || audit === null || Array.isArray(audit)) return out;
  const section = audit as Doc;
  const untouched = Object.entries(section).every(
    ([k, v]) => Object.hasOwn(V2_AUDIT_DEFAULTS, k) && V2_AUDIT_DEFAULTS[k] === v,
  );
  if (untouched) {
    const { redactHeaderValues: _default, ...rest } = section;
    out.audit = rest;
  }
  return out;
}

export type MigrationResult = { ok: true; doc: Doc; from: number } | { ok: false; error: string };

/** Brings a parsed document to the current version; says why when it cannot. */
export function migrateSettings(doc: unknown): MigrationResult {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return { ok: false, error: 'the document is not a JSON object' };
  }
  let current = doc as Doc;
  const from = detectVersion(current);
  if (typeof from === 'string') return { ok: false, error: from };
  for (let v = from; v < SETTINGS_VERSION; v++) {
    const step = migrations[v];
    if (!step) return { ok: false, error: `no migration from settings version ${v}` };
    current = step(current);
  }
  return { ok: true, doc: current, from };
}

function detectVersion(doc: Doc): number | string {
  const v = doc.version;
  if (v === undefined) return V1_KEYS.some((k) => Object.hasOwn(doc, k)) ? 1 : SETTINGS_VERSION;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    return `version must be a whole number, not ${JSON.stringify(v)}`;
  if (v > SETTINGS_VERSION) {
    return `the file was written by a newer Veil (settings version ${v}); this Veil reads up to version ${SETTINGS_VERSION}`;
  }
  return v;
}

function migrateV1(v1: Doc): Doc {
  const out: Doc = { version: 2 };
  const proxy: Doc = {};
  if (v1.port !== undefined) proxy.port = v1.port;
  if (v1.listen !== undefined) proxy.listen = v1.listen;
  if (Object.keys(proxy).length) out.proxy = proxy;
  // version 1 had only the built-in profiles; an unknown name falls back to the default (the original file is kept)
  if (typeof v1.profile === 'string' && (builtInProfileIds as readonly string[]).includes(v1.profile)) {
    out.privacy = { profile: v1.profile };
  }
  if (v1.upstream !== undefined) out.upstream = { default: v1.upstream };
  if (Array.isArray(v1.blocklists)) {
    out.blocklists = {
      lists: v1.blocklists.map((url, i) => ({
        id: `list-${i + 1}`,
        name: listName(url),
        enabled: true,
        source: { type: 'url', url },
        format: 'auto',
      })),
    };
  }
  if (v1.requestLog !== undefined && v1.requestLog !== false) {
    out.audit = { enabled: true, path: typeof v1.requestLog === 'string' ? v1.requestLog : null };
  }
  if (v1.cacheMb !== undefined) out.cache = { maxSizeMb: v1.cacheMb };
  return out;
}

/**
 * Version 2 -> 3: `proxy.allowPrivateDestinations` is renamed `proxy.allowLoopbackAndLinkLocal`,
 * which says what it covers (loopback, link-local and unspecified addresses, not private LANs);
 * CONNECT ports still at version 2's default (443, 8443) gain 80, the new default, because
 * browsers send ws:// through a proxy as CONNECT host:80.
 */
function migrateV2Proxy(v2: Doc): Doc {
  const out: Doc = { ...v2 };
  const proxy = v2.proxy;
  if (typeof proxy !== 'object' || proxy === null || Array.isArray(proxy)) return out;
  const { allowPrivateDestinations, ...rest } = proxy as Doc;
  const next: Doc =
    allowPrivateDestinations === undefined ? rest : { allowLoopbackAndLinkLocal: allowPrivateDestinations, ...rest };
  const ports = next.allowedConnectPorts;
  if (Array.isArray(ports) && ports.length === 2 && ports[0] === 443 && ports[1] === 8443) {
    next.allowedConnectPorts = [443, 8443, 80];
  }
  out.proxy = next;
  return out;
}

function listName(url: unknown): string {
  try {
    return new URL(String(url)).hostname || String(url);
  } catch {
    return String(url);
  }
}
