import type { ProxyEngine } from '../proxy/create-proxy.js';
import type { DestinationGuard } from '../proxy/destination-guard.js';
import type { ExchangePolicy } from '../proxy/exchange-policy.js';
import type { ExchangeRecord } from '../proxy/exchange-record.js';
import type { Router } from '../proxy/proxy-options.js';
import type {
  CommandArgs,
  CommandName,
  CommandResult,
  EventName,
  FieldError,
  Notice,
  Status,
  UpdateResult,
  VeilEvents,
} from './contract.js';
import type { Settings, SettingsPatch } from './settings-schema.js';

/** A command handler: arguments already validated by the contract's schema. */
export type CommandHandler<C extends CommandName> = (
  args: NonNullable<CommandArgs<C>> | undefined,
) => Promise<CommandResult<C>>;

export type CommandTable = { [C in CommandName]?: CommandHandler<C> };

/** What the service lends a feature. */
export interface ServiceHost {
  /** The current settings (never mutate; update through `updateSettings`). */
  settings(): Settings;
  updateSettings(patch: SettingsPatch): Promise<UpdateResult>;
  emit<E extends keyof VeilEvents>(event: E, payload: VeilEvents[E]): void;
  /** Raises a notice the UI shows on Home (and Electron as a notification). */
  notify(notice: Omit<Notice, 'id' | 'at'>): void;
  /** The running engine, or null while the proxy is off. */
  proxy(): ProxyEngine | null;
  /** Hands the records of another way in (the reverse listeners) to the features that keep records. */
  publishRecord(record: ExchangeRecord): void;
  /** Emits a fresh `status` event (after a feature changed what it contributes to the status). */
  statusChanged(): void;
  /** Recomposes the engine's policy from every feature's parts (after a feature's rules changed). */
  refreshPolicy(): void;
  /** Directory for Veil's own files (settings, lists, cache, journal). */
  dataDir: string;
  /** The engine's destination guard, shared by every route a feature builds. */
  destinationGuard: DestinationGuard;
}

/**
 * One area of Veil (privacy, blocklists, cache, traffic, system proxy, …) as the service sees it.
 * Features never know each other; the service composes their policy parts in a fixed order.
 */
export interface Feature {
  readonly name: string;
  commands?: CommandTable;
  /**
   * Refuses settings that are valid but could not take effect (a path Veil cannot write), before anything
   * is saved; also run as the user types (`settings.validate`), so it must change nothing.
   */
  check?(settings: Settings): FieldError[] | Promise<FieldError[]>;
  /** Called at start and after every settings change, with the previous document (null at start). */
  applySettings?(settings: Settings, previous: Settings | null): void | Promise<void>;
  /** This feature's part of the per-request policy. */
  policy?(): Partial<ExchangePolicy>;
  /** The router, from the feature that owns routes. */
  router?(): Router | null;
  /** Called after the engine starts listening (e.g. to subscribe to its events). */
  attach?(proxy: ProxyEngine): void;
  /** Sees each record `publishRecord` hands over (the forward engine's come through `attach`). */
  onRecord?(record: ExchangeRecord): void;
  /** Called before the engine stops, and on shutdown. */
  detach?(): void;
  /** Fields this feature owns in `status.get` (e.g. `trafficPaused`), merged over the service's own. */
  status?(): Partial<Status>;
  /**
   * Events this feature delivers itself, one subscription per listener (e.g. `traffic`, which gives each
   * listener its own bounded queue). The service's `on(event)` goes here instead of its emitter.
   */
  events?: { [E in EventName]?: EventSource<E> };
  /** Called once when the service shuts down; awaited with a deadline. */
  dispose?(): Promise<void> | void;
}

/** Builds a feature from the host, once. */
export type FeatureFactory = (host: ServiceHost) => Feature;

/** Options a transport passes when it subscribes to an event for one connection. */
export interface SubscribeOptions {
  /** False while the subscriber cannot take more (its socket's buffer is full); see traffic-feed.ts. */
  ready?: () => boolean;
  /** Most payload items held for this subscriber while it is not ready. */
  maxQueue?: number;
}

/** Subscribes one listener; returns its unsubscribe function. */
export type EventSource<E extends EventName> = (
  listener: (payload: VeilEvents[E]) => void,
  options?: SubscribeOptions,
) => () => void;
