/**
 * The firewall rules that redirect a network's web traffic to Veil's transparent listener.
 * Everything lives in one nftables table (`inet veil`), so removing it is one command and
 * touches nothing else in the ruleset. The `inet` family covers IPv4 and IPv6 with the same
 * rules: IPv6 web traffic is redirected too, never left to bypass Veil.
 */

export const NFT_TABLE = 'veil';

/** Destinations never redirected: this network, loopback, link-local, multicast, reserved. */
export const EXCLUDED_V4 = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '224.0.0.0/4',
  '240.0.0.0/4',
];
export const EXCLUDED_V6 = ['::/127', 'fc00::/7', 'fe80::/10', 'ff00::/8'];

export interface RulesOptions {
  /** The veil listener's port that redirected connections reach. */
  port: number;
  /** Destination ports to redirect (default 80 and 443). */
  ports: number[];
  /** Gateway mode: the LAN interface whose forwarded traffic is redirected. */
  interface?: string;
  /** Local mode: the user Veil runs as; its own connections are never redirected (no loop). */
  localUser?: string;
}

const INTERFACE_NAME = /^[A-Za-z0-9_.:@-]{1,15}$/;
const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}\$?$|^\d+$/;

/** Checks the options; returns the problem in words, or null. */
export function checkRulesOptions(o: RulesOptions): string | null {
  if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535) return `--port must be 1-65535, not "${o.port}".`;
  if (o.ports.length === 0) return '--ports needs at least one port, e.g. 80,443.';
  for (const p of o.ports) {
    if (!Number.isInteger(p) || p < 1 || p > 65535) return `--ports: "${p}" is not a port (1-65535).`;
  }
  if (o.interface === undefined && o.localUser === undefined) {
    return 'Say where to redirect: --interface IF (a gateway: the LAN interface) or --local-user USER (this machine).';
  }
  if (o.interface !== undefined && o.localUser !== undefined) {
    return '--interface and --local-user are two different set-ups; give one of them.';
  }
  if (o.interface !== undefined && !INTERFACE_NAME.test(o.interface)) {
    return `"${o.interface}" is not an interface name (e.g. eth1, br-lan).`;
  }
  if (o.localUser !== undefined && !USER_NAME.test(o.localUser)) {
    return `"${o.localUser}" is not a user name or uid.`;
  }
  return null;
}

/**
 * The ruleset as one nftables script. It first creates and deletes the table so that applying it
 * twice leaves one copy (nft -f runs the whole script as one transaction).
 */
export function buildRules(o: RulesOptions): string {
  const problem = checkRulesOptions(o);
  if (problem) throw new Error(problem);
  const ports = [...new Set(o.ports)].sort((a, b) => a - b);
  const map = ports.map((p) => `${p} : ${o.port}`).join(', ');
  const lines: string[] = [
    `add table inet ${NFT_TABLE}`,
    `delete table inet ${NFT_TABLE}`,
    `table inet ${NFT_TABLE} {`,
    '  comment "Veil transparent proxy: remove with veil transparent rules --remove"',
    '',
    '  # destinations that stay direct: private, loopback, link-local, multicast, reserved',
    `  set excluded4 { type ipv4_addr; flags interval; elements = { ${EXCLUDED_V4.join(', ')} } }`,
    `  set excluded6 { type ipv6_addr; flags interval; elements = { ${EXCLUDED_V6.join(', ')} } }`,
    '',
    "  # each redirected destination port and the Veil port it goes to (kept apart, so a port's",
    '  # traffic can move to another listener without touching the rules)',
    `  map ports { type inet_service : inet_service; elements = { ${map} } }`,
    '',
  ];
  if (o.interface !== undefined) {
    const iif = `iifname "${o.interface}"`;
    lines.push(
      '  chain prerouting {',
      '    type nat hook prerouting priority dstnat; policy accept;',
      "    # the gateway's own addresses (its web UI, Veil itself) are not redirected",
      `    ${iif} fib daddr type local return`,
      `    ${iif} ip daddr @excluded4 return`,
      `    ${iif} ip6 daddr @excluded6 return`,
      `    ${iif} tcp dport @ports redirect to : tcp dport map @ports`,
      '  }',
      '',
      '  chain forward {',
      '    type filter hook forward priority filter; policy accept;',
      '    # QUIC (HTTP/3) cannot be proxied: refused, so browsers fall back to TCP',
      `    ${iif} udp dport 443 reject`,
      '  }',
    );
  } else {
    const user = `meta skuid ${/^\d+$/.test(o.localUser!) ? o.localUser : `"${o.localUser}"`}`;
    lines.push(
      '  chain output {',
      '    type nat hook output priority -100; policy accept;',
      "    # Veil's own connections to the sites go out as they are: without this, a loop",
      `    ${user} return`,
      '    fib daddr type local return',
      '    ip daddr @excluded4 return',
      '    ip6 daddr @excluded6 return',
      '    tcp dport @ports redirect to : tcp dport map @ports',
      '  }',
      '',
      '  chain quic {',
      '    type filter hook output priority filter; policy accept;',
      '    # QUIC (HTTP/3) cannot be proxied: refused, so browsers fall back to TCP',
      `    ${user} return`,
      '    udp dport 443 reject',
      '  }',
    );
  }
  lines.push('}', '');
  return lines.join('\n');
}

/** The script that removes Veil's table and nothing else. */
export function removalScript(): string {
  return `delete table inet ${NFT_TABLE}\n`;
}
