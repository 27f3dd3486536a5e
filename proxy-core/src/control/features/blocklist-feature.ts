import { randomUUID } from 'node:crypto';
import { access } from 'node:fs/promises';
import { basename } from 'node:path';
import type { CompiledList, RuleMatch } from '../../blocklist/compiled-list.js';
import { ContentFilters } from '../../blocklist/content-filter.js';
import { downloadList, type ViaProxy } from '../../blocklist/list-download.js';
import { type ListEntry, ListManager } from '../../blocklist/list-manager.js';
import { ListStore } from '../../blocklist/list-store.js';
import { type MatchRequest, matchRequestFor, matchRequestFromFacts } from '../../blocklist/match-request.js';
import { type Decision, Matcher } from '../../blocklist/matcher.js';
import { SUGGESTED_LISTS } from '../../blocklist/suggestions.js';
import { compileUserRules, parseUserRules } from '../../blocklist/user-rules.js';
import type { BlockDecision, RequestFacts } from '../../proxy/exchange-policy.js';
import { InspectionScope } from '../../tls/inspection-scope.js';
import { type BlocklistInfo, type BlockTestResult, CommandError, type UserRulesResult } from '../contract.js';
import type { Feature, FeatureFactory, ServiceHost } from '../feature.js';
import type { Settings } from '../settings-schema.js';
import { resolverOf } from './dns-feature.js';

export interface BlocklistFeatureOptions {
  /** Lists added for this run only (`veil serve --blocklist`), on top of the settings. */
  runLists?: ListEntry[];
  /** How often due subscriptions are checked. Default 15 minutes. */
  checkEveryMs?: number;
  /** False: subscriptions are used as stored and never fetched (`veil blocklist test`). Default true. */
  downloads?: boolean;
}

const USER_BLOCK = 'user-block';
const USER_ALLOW = 'user-allow';

/**
 * Blocklists and content filters: answers the blocklist.* commands, keeps subscriptions fresh,
 * and puts `checkRequest`/`checkResponse` into the engine's policy.
 */
export function createBlocklistFeature(host: ServiceHost, options: BlocklistFeatureOptions = {}): Feature {
  const runLists = [...(options.runLists ?? [])];
  const store = new ListStore(host.dataDir);
  /** Lists whose first download is part of `blocklist.add`. */
  const adding = new Set<string>();
  let userBlock: CompiledList | null = null;
  let userAllow: CompiledList | null = null;
  let matcher = new Matcher([], null);
  let filters = new ContentFilters([]);
  let lastUserRules = '';
  let timer: NodeJS.Timeout | null = null;
  /** The latest sync: lists loaded from disk, files and typed text (downloads not included). */
  let loaded: Promise<void> = Promise.resolve();

  const manager = new ListManager({
    store,
    download: (url, opts) => downloadList(url, { ...opts, via: downloadRoute(), lookup: resolverOf(host).lookup }),
    progress: (p) => host.emit('blocklist.progress', p),
    failed: (entry, message) =>
      // a list being added reports its failure to the one who adds it, not as a notice
      adding.has(entry.id) ||
      host.notify({
        level: 'warning',
        code: 'E_BLOCKLIST_UPDATE',
        message: `The list "${entry.name}" could not be updated: ${message}`,
        action: 'Veil keeps the previous version. Check the source, or refresh it later in Blocklists.',
      }),
    changed: rebuild,
    refreshHours: () => host.settings().blocklists.refreshHours,
  });

  /** Lists download through Veil's own listener, so the configured upstream carries them. */
  function downloadRoute(): ViaProxy | null {
    const s = host.settings();
    const address = host.proxy()?.address;
    if (address) {
      const h = address.host === '0.0.0.0' ? '127.0.0.1' : address.host === '::' ? '::1' : address.host;
      return { host: h, port: address.port, ...(s.proxy.proxyAuth ? { auth: s.proxy.proxyAuth } : {}) };
    }
    if (s.upstream.default || s.upstream.rules.length > 0) {
      throw new Error('Veil is off and an upstream is configured: lists are downloaded through it once Veil runs.');
    }
    return null;
  }

  function rebuild(): void {
    const lists = manager.compiled();
    if (userBlock) lists.unshift(userBlock);
    matcher = new Matcher(lists, userAllow);
  }

  function entries(s: Settings): ListEntry[] {
    return [...s.blocklists.lists, ...runLists];
  }

  // one hint per list, not a new string per blocked request
  const hints = new Map<string, string>();
  function toDecision(match: RuleMatch): BlockDecision {
    let hint = hints.get(match.listName);
    if (hint === undefined) {
      hint = `To allow it, add the host to your allow rules in Veil → Blocklists, or disable "${match.listName}".`;
      if (hints.size > 256) hints.clear();
      hints.set(match.listName, hint);
    }
    return { kind: 'blocklist', rule: match.rule, list: match.listName, line: match.line, hint };
  }

  function checkRequest(facts: RequestFacts): BlockDecision | null {
    if (matcher.listCount > 0) {
      const d = matcher.decide(matchRequestFromFacts(facts));
      if (d.decision === 'block' && d.block) {
        manager.count(d.block.listId, d.block.line, d.block.rule);
        return toDecision(d.block);
      }
    }
    return filters.size > 0 ? filters.checkRequest(facts) : null;
  }

  function find(id: string): BlocklistInfo {
    const info = manager.info(id);
    if (!info) throw new CommandError({ code: 'E_NOT_FOUND', message: `There is no list with id "${id}".` });
    return info;
  }

  async function saveLists(lists: Settings['blocklists']['lists']): Promise<void> {
    const result = await host.updateSettings({ blocklists: { lists } });
    if (!result.ok) {
      throw new CommandError({
        code: 'E_INVALID_ARGS',
        message: result.errors.map((e) => `${e.path}: ${e.message}`).join('; '),
        errors: result.errors,
      });
    }
  }

  function test(url: string, referer?: string): BlockTestResult {
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `https://${url}`;
    let target: URL;
    try {
      target = new URL(withScheme);
    } catch {
      throw new CommandError({ code: 'E_INVALID_ARGS', message: `"${url}" is not a URL or host name.` });
    }
    // inside an inspected tunnel the engine matches the full https URL: explain the same way
    const inspected =
      (target.protocol === 'https:' || target.protocol === 'wss:') &&
      new InspectionScope(host.settings().inspection).decide(target.hostname).inspect;
    const plain = target.protocol === 'http:' || target.protocol === 'ws:' || inspected;
    const req: MatchRequest = matchRequestFor(target.hostname, plain ? target.href : null, referer ?? null, null);
    const d: Decision = matcher.decide(req);
    const seen = plain
      ? target.href
      : `${target.hostname} (HTTPS: Veil sees only the host unless HTTPS inspection is on for it)`;
    if (d.decision === 'block' && d.block) {
      const b = d.block;
      return {
        decision: 'block',
        rule: { kind: 'blocklist', rule: b.rule, list: b.listName, line: b.line },
        explanation: `Blocked: ${seen} matches ${b.rule} in ${b.listName}, line ${b.line}.`,
      };
    }
    if (d.decision === 'allow' && d.allow && d.block) {
      const a = d.allow;
      return {
        decision: 'allow',
        rule: { kind: 'blocklist', rule: a.rule, list: a.listName, line: a.line },
        explanation: `Allowed: ${seen} matches the block rule ${d.block.rule} in ${d.block.listName}, but the allow rule ${a.rule} in ${a.listName} (line ${a.line}) wins.`,
      };
    }
    const facts: RequestFacts = {
      kind: plain ? 'http' : 'connect',
      method: plain ? 'GET' : 'CONNECT',
      url: target,
      host: target.hostname,
      port: Number(target.port) || (target.protocol === 'http:' || target.protocol === 'ws:' ? 80 : 443),
      clientAddress: '',
      headers: [],
    };
    const filtered = filters.checkRequest(facts);
    if (filtered) {
      const { hint: _hint, ...rule } = filtered;
      return { decision: 'block', rule, explanation: `Blocked: ${seen} matches ${rule.rule} (${rule.list}).` };
    }
    return { decision: 'none', explanation: `No rule matches ${seen}.` };
  }

  return {
    name: 'blocklist',
    async applySettings(settings) {
      const b = settings.blocklists;
      const userKey = JSON.stringify([b.userBlock, b.userAllow]);
      if (userKey !== lastUserRules) {
        lastUserRules = userKey;
        const block = compileUserRules(USER_BLOCK, 'Your block rules', b.userBlock, 'block').list;
        const allow = compileUserRules(USER_ALLOW, 'Your allow rules', b.userAllow, 'allow').list;
        userBlock = block.rules > 0 ? block : null;
        userAllow = allow.rules > 0 ? allow : null;
      }
      filters = new ContentFilters(b.contentFilters);
      loaded = manager.sync(entries(settings));
      await loaded;
      rebuild();
      if (options.downloads === false) return;
      if (host.proxy() || !settings.proxy.enabled) void manager.refreshDue();
      if (!timer) {
        timer = setInterval(() => void manager.refreshDue(), options.checkEveryMs ?? 15 * 60_000);
        timer.unref();
      }
    },
    attach() {
      if (options.downloads !== false) void manager.refreshDue();
    },
    policy() {
      return {
        checkRequest,
        checkResponse: (facts, _status, headers) => (filters.size > 0 ? filters.checkResponse(facts, headers) : null),
      };
    },
    dispose() {
      if (timer) clearInterval(timer);
      timer = null;
      return manager.idle();
    },
    commands: {
      'blocklist.list': async () => manager.infos(),
      'blocklist.suggestions': async () => [...SUGGESTED_LISTS],
      'blocklist.add': async (args) => {
        const { source } = args!;
        if (source.type === 'file') {
          await access(source.path).catch(() => {
            throw new CommandError({
              code: 'E_INVALID_ARGS',
              message: `Cannot read ${source.path}: check the path and that Veil may read it.`,
            });
          });
        }
        const name =
          args!.name ??
          (source.type === 'url'
            ? new URL(source.url).hostname
            : source.type === 'file'
              ? basename(source.path)
              : 'Typed list');
        const same = host
          .settings()
          .blocklists.lists.find((l) => source.type !== 'text' && JSON.stringify(l.source) === JSON.stringify(source));
        if (same) {
          throw new CommandError({
            code: 'E_INVALID_ARGS',
            message: `This list is already added as "${same.name}". Enable or refresh that one instead.`,
          });
        }
        const id = `l-${randomUUID().slice(0, 8)}`;
        const entry = { id, name, enabled: true, source, format: args!.format ?? 'auto' };
        adding.add(id);
        try {
          await saveLists([...host.settings().blocklists.lists, entry]);
          await manager.idle();
          if (source.type === 'url' && manager.info(id)?.lastUpdate === null) await manager.refresh(id);
        } finally {
          adding.delete(id);
        }
        if (source.type === 'url') {
          const info = manager.info(id);
          // a list that never downloaded is not added broken: the user fixes the address and tries again
          // (with Veil off behind an upstream nothing was tried yet: that list waits for Veil instead)
          if (info && info.lastUpdate === null && info.lastError && host.proxy()) {
            await saveLists(host.settings().blocklists.lists.filter((l) => l.id !== id));
            await store.remove(id);
            throw new CommandError({
              code: 'E_FAILED',
              message: `Nothing was added: ${info.lastError.replace(/\.$/, '')}. Check the address, then add it again.`,
            });
          }
        }
        return find(id);
      },
      'blocklist.setEnabled': async (args) => {
        const { id, enabled } = args!;
        find(id);
        const run = runLists.find((l) => l.id === id);
        if (run) {
          run.enabled = enabled;
          await manager.sync(entries(host.settings()));
        } else {
          await saveLists(host.settings().blocklists.lists.map((l) => (l.id === id ? { ...l, enabled } : l)));
        }
        await manager.idle();
        if (enabled && manager.info(id)?.lastUpdate === null) await manager.refresh(id);
        return find(id);
      },
      'blocklist.remove': async (args) => {
        const { id } = args!;
        const runIndex = runLists.findIndex((l) => l.id === id);
        const lists = host.settings().blocklists.lists;
        if (runIndex >= 0) {
          runLists.splice(runIndex, 1);
          await manager.sync(entries(host.settings()));
        } else if (lists.some((l) => l.id === id)) {
          await saveLists(lists.filter((l) => l.id !== id));
        } else {
          return { removed: false };
        }
        await store.remove(id);
        return { removed: true };
      },
      'blocklist.refresh': async (args) => {
        if (args?.id) find(args.id);
        await manager.refresh(args?.id);
        return manager.infos();
      },
      'blocklist.checkUserRules': async (args) => checkUserRules(args!.block, args!.allow),
      'blocklist.setUserRules': async (args) => {
        const { block, allow } = args!;
        const checked = checkUserRules(block, allow);
        if (!checked.ok) return checked;
        const result = await host.updateSettings({ blocklists: { userBlock: block, userAllow: allow } });
        if (!result.ok) {
          return { ok: false, block: result.errors.map((e) => ({ line: 0, message: e.message })), allow: [] };
        }
        return { ok: true };
      },
      'blocklist.test': async (args) => {
        await loaded;
        return test(args!.url, args!.referer);
      },
    },
  };
}

/** The user's rules as the editor and setUserRules check them: each bad line with why. */
function checkUserRules(block: string[], allow: string[]): UserRulesResult {
  const blockErrors = parseUserRules(block, 'block').errors;
  const allowErrors = parseUserRules(allow, 'allow').errors;
  if (blockErrors.length || allowErrors.length) return { ok: false, block: blockErrors, allow: allowErrors };
  return { ok: true };
}

/** The built-in blocklist feature. */
export const blocklistFeature: FeatureFactory = (host) => createBlocklistFeature(host);

/** The blocklist feature with lists added for one run (`veil serve --blocklist`). */
export function blocklistFeatureWith(options: BlocklistFeatureOptions): FeatureFactory {
  return (host) => createBlocklistFeature(host, options);
}
