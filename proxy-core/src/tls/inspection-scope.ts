import { BlockList, isIP } from 'node:net';
import { HostPatternMap } from '../privacy/host-pattern.js';
import { isLocalDestination } from '../proxy/access-control.js';
import type { InspectionSettings } from './inspection-settings.js';

/** Why a tunnel is not inspected (or that it is). */
export type InspectionDecision =
  | { inspect: true; pattern?: string }
  | { inspect: false; reason: 'off' | 'excluded' | 'private-address' | 'refused-certificate'; pattern?: string };

const PRIVATE = new BlockList();
PRIVATE.addSubnet('10.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('172.16.0.0', 12, 'ipv4');
PRIVATE.addSubnet('192.168.0.0', 16, 'ipv4');
PRIVATE.addSubnet('100.64.0.0', 10, 'ipv4');
PRIVATE.addSubnet('fc00::', 7, 'ipv6');

/** True for an address literal on a private, loopback or link-local network. */
export function isPrivateAddress(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  const family = isIP(h);
  if (family === 0) return false;
  if (isLocalDestination(h)) return true;
  if (family === 6 && h.toLowerCase().startsWith('::ffff:')) return isPrivateAddress(h.slice(7));
  return PRIVATE.check(h, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Decides per host whether a tunnel is inspected, from the settings and the hosts whose
 * clients refused Veil's certificate. Rules are data; this is the one place that reads them.
 */
export class InspectionScope {
  private readonly rules = new HostPatternMap<boolean>();

  constructor(
    private readonly settings: Pick<InspectionSettings, 'enabled' | 'exclude' | 'sites' | 'excludePrivateAddresses'>,
    private readonly refused: (host: string) => boolean = () => false,
  ) {
    // site rules first: for the same pattern the user's explicit switch wins over the list
    for (const s of settings.sites) this.rules.add(s.pattern, s.inspect);
    for (const p of settings.exclude) this.rules.add(p, false);
  }

  /** Whether to inspect a CONNECT to `host`, and the rule that said so. */
  decide(host: string): InspectionDecision {
    if (!this.settings.enabled) return { inspect: false, reason: 'off' };
    const rule = this.rules.match(host.replace(/^\[|\]$/g, ''));
    if (rule && !rule.value) return { inspect: false, reason: 'excluded', pattern: rule.pattern };
    if (rule?.value) return { inspect: true, pattern: rule.pattern };
    if (this.settings.excludePrivateAddresses && isPrivateAddress(host)) {
      return { inspect: false, reason: 'private-address' };
    }
    if (this.refused(host)) return { inspect: false, reason: 'refused-certificate' };
    return { inspect: true };
  }
}
