import { EventEmitter } from 'node:events';
import { createProxy, type ProxyEngine } from '../proxy/create-proxy.js';
import { DestinationGuard } from '../proxy/destination-guard.js';
import type { ExchangePolicy } from '../proxy/exchange-policy.js';
import type { RecordOptions } from '../proxy/exchange-recorder.js';
import type { ProxyOptions, Router } from '../proxy/proxy-options.js';
import { serialQueue, settledWithin } from '../serial-queue.js';
import { TrafficCounters } from '../traffic/traffic-counters.js';
import { composePolicy } from './compose-policy.js';
import {
  type CommandArgs,
  CommandError,
  type CommandName,
  type CommandResult,
  type EventName,
  type FieldError,
  type Notice,
  parseCommandArgs,
  type Status,
  type UpdateResult,
  type VeilApi,
  type VeilEvents,
} from './contract.js';

import { engineTimeouts, listenerOptions } from './engine-settings.js';
import type { CommandHandler, EventSource, Feature, FeatureFactory, ServiceHost, SubscribeOptions } from './feature.js';
import { resolverOf } from './features/dns-feature.js';
import { builtInFeatures } from './features/index.js';
import { listenFailure } from './listen-failure.js';
import { RunOverrides } from './run-overrides.js';
import { mergeSettings, validateSettings } from './settings-merge.js';
import type { Settings, SettingsPatch } from './settings-schema.js';
import type { SettingsStore } from './settings-store.js';
import { statusOf } from './status-of.js';

export interface ServiceOptions {
  store: SettingsStore;
  /** Veil's own files (lists, cache, journal). */
  dataDir: string;
  /** Settings applied on top of the stored document for this run only (CLI flags); never saved. */
  overrides?: SettingsPatch;
  /** Engine options the settings do not cover (tests shorten timeouts). */
  engine?: Partial<ProxyOptions>;
  /** Features to run; default: all built-in ones. */
  features?: FeatureFactory[];
}

/** The service: owns the settings and the engine, answers the contract, emits its events. */
export interface VeilService extends VeilApi {
  /** Loads settings and starts the proxy if enabled. */
  start(): Promise<Status>;
  /** Stops everything; awaits features' cleanup up to `deadlineMs`. */
  shutdown(deadlineMs?: number): Promise<void>;
  /** Current settings with the run's overrides applied. */
  readonly settings: Settings;
  /** `on()` for transports: one subscription per connection, with backpressure (see SubscribeOptions). */
  subscribe<E extends EventName>(
    event: E,
    listener: (payload: VeilEvents[E]) => void,
    options?: SubscribeOptions,
  ): () => void;
}

/** Creates the service. Nothing runs until `start()`. */
export function createService(options: ServiceOptions): VeilService {
  const events = new EventEmitter();
  events.setMaxListeners(0);
  let stored: Settings | null = null;
  let effective: Settings | null = null;
  let proxy: ProxyEngine | null = null;
  /** The proxy settings the running engine was built from. */
  let runningProxy: Settings['proxy'] | null = null;
  let listenError: string | undefined;
  /** Set by shutdown(): a command still in flight (a tray click just before Quit) must not start the engine again. */
  let closing = false;
  const notices: Notice[] = [];
  let noticeSeq = 0;
  const writes = serialQueue();
  const counters = new TrafficCounters();
  // one destination guard for the engine and every route the routing feature builds
  const destinationGuard = new DestinationGuard();
  // one id source for every engine this service builds: a listener restart (Veil off and on, a new port)
  // must not reuse ids the Traffic view already shows
  let recordSeq = 0;
  const records: RecordOptions = {
    nextId: () => ++recordSeq,
    keepRemovedValues: () => effective?.traffic.keepRemovedValues ?? false,
  };

  const host: ServiceHost = {
    settings: () => requireSettings(),
    updateSettings: (patch) => update(patch as Record<string, unknown>, true),
    emit,
    notify(n) {
      const notice: Notice = { ...n, id: `n${++noticeSeq}`, at: Date.now() };
      notices.push(notice);
      if (notices.length > 50) notices.shift();
      emit('notice', notice);
    },
    proxy: () => proxy,
    publishRecord(record) {
      for (const f of features) f.onRecord?.(record);
    },
    statusChanged: () => {
      if (effective) emit('status', status());
    },
    refreshPolicy,
    dataDir: options.dataDir,
    destinationGuard,
  };
  const features: Feature[] = (options.features ?? builtInFeatures).map((make) => make(host));
  const handlers = new Map<string, CommandHandler<CommandName>>();
  const own: { [C in CommandName]?: CommandHandler<C> } = {
    'status.get': async () => status(),
    'proxy.start': () => setEnabled(true),
    'proxy.stop': () => setEnabled(false),
    'settings.get': async () => requireSettings(),
    'settings.update': async (args) => update(args!.patch, true),
    'settings.validate': async (args) => update(args!.patch, false),
    'notices.dismiss': async (args) => {
      const i = notices.findIndex((n) => n.id === args!.id);
      if (i >= 0) notices.splice(i, 1);
      emit('status', status());
      return { dismissed: i >= 0 };
    },
  };
  for (const [name, fn] of Object.entries(own)) handlers.set(name, fn as CommandHandler<CommandName>);
  for (const f of features) {
    for (const [name, fn] of Object.entries(f.commands ?? {})) {
      if (handlers.has(name)) throw new Error(`Command ${name} is answered twice (${f.name})`);
      handlers.set(name, fn as CommandHandler<CommandName>);
    }
  }

  async function setEnabled(enabled: boolean): Promise<Status> {
    await update({ proxy: { ...requireSettings().proxy, enabled } }, true);
    return status();
  }

  function emit<E extends keyof VeilEvents>(event: E, payload: VeilEvents[E]): void {
    if (events.listenerCount(event) > 0) events.emit(event, payload);
  }

  function subscribe<E extends EventName>(
    event: E,
    listener: (payload: VeilEvents[E]) => void,
    opts?: SubscribeOptions,
  ): () => void {
    for (const f of features) {
      const source = f.events?.[event] as EventSource<E> | undefined;
      if (source) return source(listener, opts);
    }
    events.on(event, listener as (p: unknown) => void);
    return () => events.off(event, listener as (p: unknown) => void);
  }

  function requireSettings(): Settings {
    if (!effective) throw new CommandError({ code: 'E_FAILED', message: 'The service has not started.' });
    return effective;
  }

  /** This run's flag overrides; a field the user later changes (UI, tray) is dropped from them. */
  const overrides = new RunOverrides(options.overrides ?? {});

  /**
   * Validates, then (when `save`) applies and persists. The listener moves first: a port or address that
   * cannot be bound is refused on its field and nothing is saved, so the file never holds a value Veil is
   * not running with. Writes are serialized.
   */
  function update(patch: Record<string, unknown>, save: boolean): Promise<UpdateResult> {
    const run = async (): Promise<UpdateResult> => {
      const base = stored ?? requireSettings();
      const flags = overrides.reconcile(patch, effective);
      const result = validateSettings(mergeSettings(base, flags.patch));
      if (!result.ok) return result;
      // what the features refuse in otherwise valid settings (see Feature.check)
      const refused = (await Promise.all(features.map((f) => f.check?.(result.settings) ?? []))).flat();
      if (refused.length) return { ok: false, errors: refused };
      if (!save) return result;
      const previous = effective;
      const undoRelease = flags.release();
      const next = overrides.over(result.settings);
      const failed = await reconcileProxy(next);
      if (failed) {
        undoRelease();
        // nothing runs at all (Veil was off, or turned on from the tray): the status and a notice say why,
        // since a switch has no field to show it beside
        if (!proxy) {
          listenError = failed.message;
          host.notify({ level: 'error', code: 'E_LISTEN', message: failed.message, action: 'Change it in Settings.' });
        }
        emit('status', status());
        return { ok: false, errors: [failed] };
      }
      await options.store.save(result.settings);
      stored = result.settings;
      effective = next;
      await applySettings(effective, previous);
      emit('settings', effective);
      emit('status', status());
      return { ok: true, settings: effective };
    };
    return writes(run);
  }

  /** Every feature takes the settings, then the engine (already bound by reconcileProxy) takes their policy. */
  async function applySettings(next: Settings, previous: Settings | null): Promise<void> {
    for (const f of features) await f.applySettings?.(next, previous);
    refreshPolicy();
    proxy?.setTimeouts(engineTimeouts(next));
  }

  function composedPolicy(): ExchangePolicy {
    return composePolicy(features.map((f) => f.policy?.() ?? {}));
  }

  function composedRouter(): Router | null {
    for (const f of features) {
      const r = f.router?.();
      if (r) return r;
    }
    return null;
  }

  function refreshPolicy(): void {
    if (!proxy) return;
    proxy.setPolicy(composedPolicy());
    const router = composedRouter();
    if (router) proxy.setRouter(router);
  }

  function engineOptions(s: Settings): ProxyOptions {
    const router = composedRouter();
    return {
      // Veil's one resolver (dns/) for the engine's own direct route too; a test's engine.lookup wins
      lookup: resolverOf(host).lookup,
      ...options.engine,
      ...listenerOptions(s),
      guard: destinationGuard,
      timeouts: { ...options.engine?.timeouts, ...engineTimeouts(s) },
      policy: composedPolicy(),
      ...(router ? { router } : {}),
      records,
    };
  }

  /**
   * Starts, stops or rebinds the engine to match the settings; the field error when it cannot. Compared with
   * what the running engine was built from (not the previous settings). A new port binds first and, if that
   * fails, the old listener stays. A change of access settings alone is applied in place (open connections
   * stay); a new listen address on the same port restarts the engine (closing first: two listeners cannot
   * share one port), and the old address comes back when the new one cannot be bound.
   */
  async function reconcileProxy(next: Settings): Promise<FieldError | null> {
    if (!next.proxy.enabled || closing) {
      if (proxy) await stopProxy();
      listenError = undefined;
      return null;
    }
    const bound = proxy?.address ?? null;
    const wanted = { ...next.proxy };
    // "any port" keeps the one it got, so an access change does not move the proxy
    if (wanted.port === 0 && runningProxy?.port === 0 && bound) wanted.port = bound.port;
    let restore: Settings['proxy'] | null = null;
    if (proxy && bound && runningProxy) {
      const runningAs = { ...runningProxy, port: bound.port };
      if (JSON.stringify(runningAs) === JSON.stringify(wanted)) {
        listenError = undefined;
        return null;
      }
      const sameListeners =
        wanted.port === runningAs.port &&
        wanted.listen === runningAs.listen &&
        wanted.transparentPort === runningAs.transparentPort;
      if (sameListeners) {
        const {
          allowedClients,
          proxyAuth,
          allowLoopbackAndLinkLocal,
          allowedConnectPorts,
          allowTrace,
          maxClientShare,
        } = wanted;
        proxy.reconfigure({
          allowedClients,
          proxyAuth,
          allowLoopbackAndLinkLocal,
          allowedConnectPorts,
          allowTrace,
          maxClientShare,
        });
        runningProxy = next.proxy;
        listenError = undefined;
        return null;
      }
      if (wanted.port === bound.port) {
        restore = runningAs;
        await stopProxy();
      }
    }
    const failure = await bind(next, wanted);
    if (failure && restore) await bind(next, restore);
    return failure;
  }

  /** Binds a fresh engine with `proxySection` and makes it the running one; the field error when it cannot. */
  async function bind(next: Settings, proxySection: Settings['proxy']): Promise<FieldError | null> {
    const fresh = createProxy(engineOptions({ ...next, proxy: proxySection }));
    try {
      await fresh.listen();
      listenError = undefined;
    } catch (err) {
      await fresh.close();
      return listenFailure(err as NodeJS.ErrnoException, proxySection);
    }
    if (closing) {
      await fresh.close();
      return null;
    }
    const old = proxy;
    if (old) {
      for (const f of features) f.detach?.();
      await old.close();
    }
    proxy = fresh;
    runningProxy = proxySection;
    fresh.on('exchange', (r) => {
      if (r.state === 'done') counters.add(r);
    });
    fresh.on('error', (e) => host.notify({ level: 'warning', code: e.code, message: e.message }));
    for (const f of features) f.attach?.(fresh);
    return null;
  }

  async function stopProxy(): Promise<void> {
    const old = proxy;
    if (!old) return;
    for (const f of features) f.detach?.();
    proxy = null;
    runningProxy = null;
    await old.close();
  }

  function status(): Status {
    return statusOf({ settings: requireSettings(), proxy, counters, notices, listenError, features });
  }

  return {
    get settings() {
      return requireSettings();
    },
    async start() {
      const loaded = await options.store.load();
      stored = loaded.settings;
      effective = overrides.over(loaded.settings);
      for (const n of loaded.notices) host.notify(n);
      await applySettings(effective, null);
      const failed = await reconcileProxy(effective);
      if (failed) {
        listenError = failed.message;
        host.notify({
          level: 'error',
          code: 'E_LISTEN',
          message: failed.message,
          action: `Choose another ${failed.path === 'proxy.port' ? 'port' : 'listen address'} in Settings.`,
        });
        throw new Error(listenError);
      }
      return status();
    },
    async shutdown(deadlineMs = 5000) {
      closing = true;
      await stopProxy();
      const disposing = features.map((f) => f.dispose?.());
      await settledWithin(disposing, deadlineMs);
    },
    async invoke<C extends CommandName>(command: C, args?: CommandArgs<C>): Promise<CommandResult<C>> {
      const parsed = parseCommandArgs(command, args);
      const handler = handlers.get(command) as CommandHandler<C> | undefined;
      if (!handler)
        throw new CommandError({ code: 'E_UNKNOWN_COMMAND', message: `${command} is not available in this build.` });
      return handler(parsed as Parameters<CommandHandler<C>>[0]);
    },
    on(event, listener) {
      return subscribe(event, listener);
    },
    subscribe,
  };
}
