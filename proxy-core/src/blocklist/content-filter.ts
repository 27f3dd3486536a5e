import type { BlockDecision, RequestFacts } from '../proxy/exchange-policy.js';
import { getHeader, type HeaderList } from '../proxy/header-list.js';
import type { ContentFilter } from './blocklist-schema.js';

interface CompiledFilter {
  id: string;
  sites: string[];
  types: string[];
  extensions: Set<string>;
  methods: Set<string>;
}

/**
 * Content filters from the settings: requests refused by method or by the extension of the
 * URL path (known before anything is sent), responses refused by Content-Type (checked on the
 * response headers, before any body byte reaches the client). Each applies to its sites or,
 * with none listed, everywhere. `example.com` is that host only; `*.example.com` adds subdomains.
 */
export class ContentFilters {
  private readonly filters: CompiledFilter[];

  constructor(filters: readonly ContentFilter[]) {
    this.filters = filters
      .filter((f) => f.enabled)
      .map((f) => ({
        id: f.id,
        sites: f.sites.map((s) => s.toLowerCase()),
        types: f.blockContentTypes.map((t) => t.toLowerCase()),
        extensions: new Set(f.blockExtensions.map((e) => e.toLowerCase().replace(/^\*?\./, ''))),
        methods: new Set(f.blockMethods.map((m) => m.toUpperCase())),
      }));
  }

  get size(): number {
    return this.filters.length;
  }

  /** Method and extension checks; null lets the request through. */
  checkRequest(facts: RequestFacts): BlockDecision | null {
    if (this.filters.length === 0) return null;
    const ext = facts.kind === 'connect' ? null : extensionOf(facts.url.pathname);
    for (const f of this.filters) {
      if (!appliesTo(f, facts.host)) continue;
      if (f.methods.has(facts.method.toUpperCase())) return decision(f, `method ${facts.method.toUpperCase()}`);
      if (ext && f.extensions.has(ext)) return decision(f, `extension .${ext}`);
    }
    return null;
  }

  /** Content-Type check on a response; null lets it through. */
  checkResponse(facts: RequestFacts, headers: HeaderList): BlockDecision | null {
    if (this.filters.length === 0) return null;
    const raw = getHeader(headers, 'content-type');
    if (!raw) return null;
    const type = raw.split(';')[0]!.trim().toLowerCase();
    for (const f of this.filters) {
      if (!appliesTo(f, facts.host)) continue;
      const hit = f.types.find((t) => typeMatches(type, t));
      if (hit) return decision(f, `Content-Type ${hit}`);
    }
    return null;
  }
}

/** `video/*` matches any video type; otherwise the media type must be equal. */
function typeMatches(type: string, rule: string): boolean {
  if (rule.endsWith('/*')) return type.startsWith(rule.slice(0, -1));
  return type === rule;
}

function extensionOf(pathname: string): string | null {
  const slash = pathname.lastIndexOf('/');
  const dot = pathname.lastIndexOf('.');
  if (dot <= slash + 1) return null;
  try {
    return decodeURIComponent(pathname.slice(dot + 1)).toLowerCase();
  } catch {
    return pathname.slice(dot + 1).toLowerCase();
  }
}

function appliesTo(f: CompiledFilter, host: string): boolean {
  if (f.sites.length === 0) return true;
  const h = host.toLowerCase();
  return f.sites.some((s) => {
    if (s === '*') return true;
    if (!s.startsWith('*.')) return h === s;
    const base = s.slice(2);
    return h === base || h.endsWith(`.${base}`);
  });
}

function decision(f: CompiledFilter, rule: string): BlockDecision {
  return {
    kind: 'content-filter',
    rule,
    list: `content filter ${f.id}`,
    hint: `To allow it, edit or disable the content filter "${f.id}" in Veil → Blocklists.`,
  };
}
