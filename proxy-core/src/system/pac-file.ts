import { LOCAL_NAMES, normalizeBypass, PRIVATE_IPV4 } from './bypass-list.js';

export interface PacOptions {
  /** Where Veil listens (a loopback address). */
  host: string;
  port: number;
  /** Fail closed (default): if Veil does not answer, nothing goes direct. */
  failClosed: boolean;
  /** The user's extra bypass entries: `example.com` (and its subdomains), `*.corp`, `10.1.0.0/16`. */
  bypass: readonly string[];
}

/** The PAC served while Veil is off: everything direct, so "off" never means "no internet". */
export const DIRECT_PAC =
  '// Veil is off: everything goes direct.\nfunction FindProxyForURL(url, host) {\n  return "DIRECT";\n}\n';

interface UserEntries {
  names: string[];
  globs: string[];
  nets: Array<[string, string]>;
}

function maskOf(bits: number): string {
  const n = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

function splitEntries(entries: readonly string[]): UserEntries {
  const out: UserEntries = { names: [], globs: [], nets: [] };
  for (const e of normalizeBypass(entries)) {
    const cidr = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(e);
    if (cidr && Number(cidr[2]) <= 32) out.nets.push([cidr[1]!, maskOf(Number(cidr[2]))]);
    else if (e.includes('*') || e.includes('?')) out.globs.push(e);
    else out.names.push(e.replace(/^\./, ''));
  }
  return out;
}

/**
 * Builds the PAC script: everything through Veil except this machine, private networks,
 * plain host names and the user's entries. It holds no blocklist data, only the bypass.
 * IP checks run on IP literals only, so the script never triggers a DNS lookup.
 */
export function buildPac(options: PacOptions): string {
  const hostPart = options.host.includes(':') ? `[${options.host}]` : options.host;
  const proxy = `PROXY ${hostPart}:${options.port}`;
  const verdict = options.failClosed ? proxy : `${proxy}; DIRECT`;
  const user = splitEntries(options.bypass);
  const privateNets = PRIVATE_IPV4.map(([net, mask]) => [net, mask]);
  return `// Veil proxy auto-config. Generated; ${options.failClosed ? 'fail-closed' : 'fail-open'}.
var VEIL = ${JSON.stringify(verdict)};
var LOCAL_NAMES = ${JSON.stringify(LOCAL_NAMES)};
var PRIVATE_NETS = ${JSON.stringify(privateNets)};
var USER_NAMES = ${JSON.stringify(user.names)};
var USER_GLOBS = ${JSON.stringify(user.globs)};
var USER_NETS = ${JSON.stringify(user.nets)};

function FindProxyForURL(url, host) {
  var h = String(host).toLowerCase();
  if (h.charAt(0) === "[") h = h.substring(1, h.length - 1);
  if (isPlainHostName(h)) return "DIRECT";
  var i;
  for (i = 0; i < LOCAL_NAMES.length; i++) if (h === LOCAL_NAMES[i] || shExpMatch(h, LOCAL_NAMES[i])) return "DIRECT";
  for (i = 0; i < USER_NAMES.length; i++) {
    var n = USER_NAMES[i];
    if (h === n || dnsDomainIs(h, "." + n)) return "DIRECT";
  }
  for (i = 0; i < USER_GLOBS.length; i++) if (shExpMatch(h, USER_GLOBS[i])) return "DIRECT";
  if (/^\\d{1,3}(\\.\\d{1,3}){3}$/.test(h)) {
    for (i = 0; i < PRIVATE_NETS.length; i++) if (isInNet(h, PRIVATE_NETS[i][0], PRIVATE_NETS[i][1])) return "DIRECT";
    for (i = 0; i < USER_NETS.length; i++) if (isInNet(h, USER_NETS[i][0], USER_NETS[i][1])) return "DIRECT";
  }
  if (h === "::1" || /^f[cd][0-9a-f]{2}:/.test(h) || /^fe[89ab][0-9a-f]:/.test(h)) return "DIRECT";
  return VEIL;
}
`;
}
