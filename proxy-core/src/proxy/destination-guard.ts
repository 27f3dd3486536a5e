import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { systemLookup } from '../dns/system-lookup.js';
import { isLocalDestination } from './access-control.js';
import { ProxyError } from './proxy-error.js';

/**
 * The one destination guard of exposed mode: a Veil that network clients use never reaches
 * this machine or its link (loopback, link-local, unspecified), by address or by a name that
 * resolves there, unless `allowLoopbackAndLinkLocal` is set. The engine checks literal
 * addresses in `admit`; every route that resolves names itself (direct, SOCKS with local DNS)
 * resolves through `lookup()`/`resolve()` of this same object, so a route built by the
 * routing feature is guarded exactly as the engine's own direct route.
 *
 * Engines say whether they guard (`hold`); the guard is active while any live engine does,
 * so an exposed engine that is draining during a rebind is never left unguarded.
 */
export class DestinationGuard {
  private readonly holders = new Map<object, boolean>();

  /** Records whether `holder` (an engine) guards destinations now. */
  hold(holder: object, guards: boolean): void {
    this.holders.set(holder, guards);
  }

  /** The holder stopped (its engine closed). */
  release(holder: object): void {
    this.holders.delete(holder);
  }

  /** True while some live engine guards destinations. */
  get active(): boolean {
    for (const guards of this.holders.values()) if (guards) return true;
    return false;
  }

  /** Throws when `host` is a literal address on this machine or its link and `guards` is on. */
  check(host: string, guards: boolean = this.active): void {
    if (guards && isLocalDestination(host)) {
      throw new ProxyError(
        'E_DESTINATION_NOT_ALLOWED',
        403,
        `Destination ${host} is on this machine or its link; Veil does not reach it for network clients.`,
      );
    }
  }

  /**
   * A resolver that refuses a name resolving to loopback or link-local before any connection
   * is made (a DNS name must not be a way around `check`); decided at each lookup, so it
   * follows the engines' current settings.
   */
  lookup(base: LookupFunction = systemLookup): LookupFunction {
    return (hostname, options, callback) => {
      if (!this.active) {
        base(hostname, options, callback);
        return;
      }
      base(hostname, options, (err, address, family) => {
        if (err) {
          callback(err, address as string, family);
          return;
        }
        const all: LookupAddress[] = Array.isArray(address) ? address : [{ address, family: family ?? 4 }];
        const local = all.find((a) => isLocalDestination(a.address));
        if (local) {
          const refusal = new ProxyError(
            'E_DESTINATION_NOT_ALLOWED',
            403,
            `Destination ${hostname} resolves to ${local.address}, on this machine or its link; Veil does not reach it for network clients.`,
          );
          callback(refusal as unknown as NodeJS.ErrnoException, '', 4);
          return;
        }
        callback(null, address as string, family);
      });
    };
  }

  /** One address for `host` through the guarded resolver (SOCKS with local DNS). */
  resolve(host: string, base?: LookupFunction): Promise<string> {
    const lookup = this.lookup(base);
    return new Promise((resolve, reject) => {
      lookup(host, {}, (err, address) => (err ? reject(err) : resolve(address as string)));
    });
  }
}
