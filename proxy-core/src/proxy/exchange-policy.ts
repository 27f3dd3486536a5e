import type { BlockInfo, ReceiptEntry } from './exchange-record.js';
import type { HeaderList } from './header-list.js';
import type { WayInKind } from './way-in.js';

/** What the engine knows about a request when it asks its policy. */
export interface RequestFacts {
  kind: 'http' | 'connect' | 'websocket';
  method: string;
  /** Absolute URL for http/websocket; `https://host:port/` for connect (only host and port are known). */
  url: URL;
  host: string;
  port: number;
  clientAddress: string;
  /** Request headers as the client sent them (hop-by-hop already removed). */
  headers: HeaderList;
  /** How the request reached Veil when not straight from a client of the listener (e.g. inside a tunnel). */
  way?: WayInKind;
  /** The address to connect to instead of resolving `host` (a transparent connection's original destination). */
  dial?: { address: string; port: number };
  /**
   * The request's host does not resolve to the address the client connected to (a forged or
   * stale Host): it goes to that address, is never cached, and its record says so.
   */
  hostMismatch?: boolean;
}

/** A refusal: the engine answers 403 (or a 1x1 GIF for image requests) and records `blocked`. */
export interface BlockDecision extends BlockInfo {
  /** Shown on the page: how to allow it. */
  hint?: string;
}

/**
 * What the engine asks while it handles an exchange. The service composes one from the
 * settings (privacy profiles, blocklists, content filters, cache, routes) and swaps it
 * live; the engine holds no rules of its own. Every hook is synchronous and cheap: it
 * runs on the hot path.
 */
export interface ExchangePolicy {
  /** Name of the privacy profile that applies to this request (for the record). */
  profileFor?(facts: RequestFacts): string | undefined;
  /** Blocklists and request content filters; null lets the request through. */
  checkRequest?(facts: RequestFacts): BlockDecision | null;
  /** Rewrites the headers about to be forwarded, in place; returns what it changed. */
  rewriteRequest?(facts: RequestFacts, headers: HeaderList): ReceiptEntry[];
  /** Response content filters (Content-Type, extension); null lets it through. */
  checkResponse?(facts: RequestFacts, status: number, headers: HeaderList): BlockDecision | null;
  /** Rewrites the response headers about to reach the client, in place. */
  rewriteResponse?(facts: RequestFacts, status: number, headers: HeaderList): ReceiptEntry[];
}
