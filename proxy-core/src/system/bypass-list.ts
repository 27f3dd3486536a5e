/**
 * What never goes through Veil: this machine, private networks and plain host names
 * (`<local>`), plus the user's own entries. Each OS spells the list differently, so the
 * entries are kept as plain data here and formatted per platform.
 */

/** IPv4 ranges that stay direct: loopback, RFC 1918, link-local, CGNAT shared space. */
export const PRIVATE_IPV4: ReadonlyArray<readonly [network: string, mask: string, bits: number]> = [
  ['127.0.0.0', '255.0.0.0', 8],
  ['10.0.0.0', '255.0.0.0', 8],
  ['172.16.0.0', '255.240.0.0', 12],
  ['192.168.0.0', '255.255.0.0', 16],
  ['169.254.0.0', '255.255.0.0', 16],
  ['100.64.0.0', '255.192.0.0', 10],
];

/** Host names that stay direct besides plain (dot-less) names. */
export const LOCAL_NAMES: readonly string[] = ['localhost', '*.localhost', '*.local'];

/** IPv6 prefixes that stay direct: loopback, unique-local, link-local. */
export const PRIVATE_IPV6: readonly string[] = ['::1', 'fc00::/7', 'fe80::/10'];

/** Normalizes the user's bypass entries: trimmed, lower-case, duplicates and empties dropped. */
export function normalizeBypass(entries: readonly string[]): string[] {
  const out = new Set<string>();
  for (const e of entries) {
    const v = e.trim().toLowerCase();
    if (v) out.add(v);
  }
  return [...out];
}

/** The full list in the CIDR + glob spelling GNOME, KDE and macOS understand. */
export function cidrBypassList(user: readonly string[]): string[] {
  return [
    ...LOCAL_NAMES,
    ...PRIVATE_IPV4.map(([net, , bits]) => `${net}/${bits}`),
    ...PRIVATE_IPV6,
    ...normalizeBypass(user),
  ];
}

/**
 * The list as WinINet's ProxyOverride wants it: `;`-separated globs, no CIDR.
 * `<local>` covers plain host names; private ranges become octet wildcards.
 */
export function winInetBypassList(user: readonly string[]): string {
  const ipv4 = ['127.*', '10.*', '192.168.*', '169.254.*'];
  for (let b = 16; b <= 31; b++) ipv4.push(`172.${b}.*`);
  for (let b = 64; b <= 127; b++) ipv4.push(`100.${b}.*`);
  return ['<local>', 'localhost', '*.localhost', '*.local', ...ipv4, '[::1]', ...normalizeBypass(user)].join(';');
}
