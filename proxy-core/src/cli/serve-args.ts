import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultConfigPath } from '../config-paths.js';
import type { SettingsPatch } from '../control/settings-schema.js';
import { DEFAULT_UI_PORT } from '../control/ui-access.js';
import { parseResolverUrl } from '../dns/resolver-url.js';
import { hostPattern } from '../proxy/host-pattern-schema.js';
import { isListenAddress } from '../proxy/proxy-settings.js';
import { redactUpstreamUrl } from '../proxy/upstream-url.js';
import type { RunInspection } from '../tls/create-inspector.js';
import { CliError } from './cli-error.js';

export const SERVE_USAGE = `Usage: veil serve [options]

  --port N              Port to listen on (default 8899; 0 picks a free one)
  --listen ADDR         Address to listen on (default 127.0.0.1). Any other address
                        exposes Veil to the network and needs --allow-client
  --allow-client CIDR   Client range allowed when listening beyond loopback (repeatable)
  --proxy-auth U:P      Require Basic proxy authentication
  --allow-loopback-and-link-local
                        Let network clients reach this machine's loopback, link-local and
                        unspecified addresses (--allow-private-destinations is the old name)
  --connect-ports LIST  Ports CONNECT may reach, comma-separated (default 443,8443,80)
  --connect-timeout SECONDS
                        How long to wait to reach an origin or upstream proxy (default 10)
  --upstream-timeout SECONDS
                        How long an origin may stay silent, before its first byte or
                        between two (default 60); 504 when it passes before any answer
  --profile NAME        Privacy profile: strict, standard (default), transparent or a custom id
  --upstream URL        Send everything through socks5://[user:pass@]host:port, socks5h://…
                        or http://[user:pass@]host:port (fails closed when it is down);
                        "direct" for none
  --blocklist FILE_OR_URL  Add a blocklist for this run, any supported format (repeatable)
  --cache-size MB       Response cache size in MB (default 256; 0 turns the cache off)
  --cache-dir DIR       Keep the cache on disk in DIR so it survives restarts (default: memory)
  --system-proxy        Point the system proxy at Veil while it runs (PAC; restored on exit,
                        and by a watchdog or the next start if Veil is killed)
  --inspect             Inspect HTTPS for this run (inspection.enabled): Veil's CA must be
                        trusted first (veil ca install)
  --upstream-ca FILE    Trust this CA (PEM) for origins too, on top of the system's (repeatable)
  --no-inspect PATTERN  Never inspect host or *.host: tunnel it blind (repeatable; adds to
                        inspection.exclude)
  --dns URL             Private DNS for the direct route: https://host[:port]/path (DoH) or
                        tls://host[:port] (DoT); repeatable, tried in order. Strict: when they
                        cannot answer, requests fail (502) instead of using the system resolver
  --dns-bootstrap IP    The address of the --dns server before it, so its own name is never
                        looked up in cleartext (repeatable)
  --dns-ca FILE         A CA (PEM) for the resolvers' certificates (private resolvers, tests)
  --dns-fallback MODE   "system": when the private resolvers fail, use the system resolver
                        (counted, shown on Home and in veil selftest); "none" (the default)
  --config FILE         Settings file (default $XDG_CONFIG_HOME/veil/config.json)
  --ui                  Serve the web UI on its own loopback port and print its address (with a token;
                        the token is kept in the config directory: \`veil ui-url\` prints the address)
  --transparent PORT    Also listen for connections a Linux gateway's firewall redirects
                        (veil transparent rules), on the --listen address, same access rules
  --ui-port N           Port for the web UI (default 8898; 0 picks a free one); implies --ui
  -h, --help            Show this help
`;

export interface ServeArgs {
  configPath: string;
  overrides: SettingsPatch;
  /** `--blocklist` sources, added for this run on top of the configured lists. */
  blocklists: string[];
  help: boolean;
  /** The web UI's port when `--ui` is on (0 picks one), or null without `--ui`. */
  uiPort: number | null;
  /** The port came from `--ui-port` (not the default): taken means an error, not another port. */
  uiPortChosen: boolean;
  configChosen: boolean;
  /** `--no-inspect` patterns and `--upstream-ca` files, added for this run on top of the settings. */
  inspection: RunInspection;
}

/** Options that take a value which may be negative: `--port -1` reaches the range check, not parseArgs' "ambiguous". */
const VALUE_OPTIONS = new Set([
  '--port',
  '--ui-port',
  '--cache-size',
  '--connect-ports',
  '--transparent',
  '--connect-timeout',
  '--upstream-timeout',
]);

function attachNegativeValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    if (VALUE_OPTIONS.has(a) && next !== undefined && /^-\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** What flag sets a settings field, for messages about a value given on the command line. */
export const FLAG_OF: Record<string, string> = {
  'proxy.port': '--port',
  'proxy.listen': '--listen',
  'proxy.allowedClients': '--allow-client',
  'proxy.proxyAuth': '--proxy-auth',
  'proxy.allowedConnectPorts': '--connect-ports',
  'privacy.profile': '--profile',
  'upstream.default': '--upstream',
  'cache.maxSizeMb': '--cache-size',
  'cache.dir': '--cache-dir',
};

/** Parses `veil serve` flags into config path and per-run overrides; throws CliError with the fix. */
export function parseServeArgs(argv: string[]): ServeArgs {
  let values: Record<string, string | boolean | string[] | undefined>;
  let tokens: Array<{ kind: string; name?: string; value?: string | undefined }> = [];
  try {
    ({ values, tokens = [] } = parseArgs({
      tokens: true,
      args: attachNegativeValues(argv),
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        listen: { type: 'string' },
        'allow-client': { type: 'string', multiple: true },
        'proxy-auth': { type: 'string' },
        'allow-loopback-and-link-local': { type: 'boolean' },
        'allow-private-destinations': { type: 'boolean' },
        'connect-timeout': { type: 'string' },
        'upstream-timeout': { type: 'string' },
        'connect-ports': { type: 'string' },
        profile: { type: 'string' },
        upstream: { type: 'string' },
        'cache-size': { type: 'string' },
        'cache-dir': { type: 'string' },
        config: { type: 'string' },
        ui: { type: 'boolean' },
        'ui-port': { type: 'string' },
        blocklist: { type: 'string', multiple: true },
        'system-proxy': { type: 'boolean' },
        inspect: { type: 'boolean' },
        'upstream-ca': { type: 'string', multiple: true },
        'no-inspect': { type: 'string', multiple: true },
        transparent: { type: 'string' },
        dns: { type: 'string', multiple: true },
        'dns-bootstrap': { type: 'string', multiple: true },
        'dns-ca': { type: 'string' },
        'dns-fallback': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new CliError(`${(err as Error).message}\nRun \`veil serve --help\` for the options.`);
  }
  const proxy: NonNullable<SettingsPatch['proxy']> = {};
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!/^\d+$/.test(String(values.port)) || port > 65535) {
      throw new CliError(`--port must be a number from 0 to 65535, not "${values.port}".`);
    }
    proxy.port = port;
  }
  if (typeof values.listen === 'string') {
    if (!isListenAddress(values.listen)) {
      throw new CliError(
        `--listen takes an IP address of this computer (127.0.0.1, ::1, or 0.0.0.0 for every network), not "${values.listen}".`,
      );
    }
    proxy.listen = values.listen;
  }
  if (Array.isArray(values['allow-client'])) proxy.allowedClients = values['allow-client'];
  if (typeof values['proxy-auth'] === 'string') {
    if (!values['proxy-auth'].includes(':')) throw new CliError('--proxy-auth takes user:password.');
    proxy.proxyAuth = values['proxy-auth'];
  }
  if (values['allow-loopback-and-link-local'] === true || values['allow-private-destinations'] === true) {
    proxy.allowLoopbackAndLinkLocal = true;
  }
  if (typeof values['connect-ports'] === 'string') proxy.allowedConnectPorts = parsePorts(values['connect-ports']);
  if (values.transparent !== undefined) {
    const n = Number(values.transparent);
    if (!/^\d+$/.test(String(values.transparent)) || n < 1 || n > 65535) {
      throw new CliError(
        `--transparent takes the port of the transparent listener (1-65535), not "${values.transparent}".`,
      );
    }
    proxy.transparentPort = n;
  }
  let uiPort: number | null = values.ui === true ? DEFAULT_UI_PORT : null;
  let uiPortChosen = false;
  if (values['ui-port'] !== undefined) {
    const n = Number(values['ui-port']);
    if (!/^\d+$/.test(String(values['ui-port'])) || n > 65535) {
      throw new CliError(`--ui-port must be a number from 0 to 65535, not "${values['ui-port']}".`);
    }
    uiPort = n;
    uiPortChosen = true;
  }
  const overrides: SettingsPatch = {};
  if (Object.keys(proxy).length) overrides.proxy = { ...proxy, enabled: true };
  if (typeof values.profile === 'string') {
    if (!/^[a-z0-9-]+$/.test(values.profile)) {
      throw new CliError(
        `--profile takes a profile id such as strict, standard or transparent, not "${values.profile}".`,
      );
    }
    overrides.privacy = { profile: values.profile };
  }
  if (typeof values.upstream === 'string') {
    const upstream = values.upstream.trim();
    if (upstream !== 'direct' && !/^(socks5h?|socks|http):\/\/([^@/\s]+@)?[^/\s:]+(:\d+)?\/?$/i.test(upstream)) {
      throw new CliError(
        `--upstream takes socks5://host:port, socks5h://host:port or http://host:port (user:pass@ allowed), not "${redactUpstreamUrl(upstream)}".`,
      );
    }
    overrides.upstream = { default: upstream === 'direct' ? null : upstream };
  }
  const timeouts: NonNullable<SettingsPatch['timeouts']> = {};
  if (values['connect-timeout'] !== undefined) {
    timeouts.connectSeconds = parseSeconds('--connect-timeout', values['connect-timeout'], 600);
  }
  if (values['upstream-timeout'] !== undefined) {
    timeouts.upstreamSeconds = parseSeconds('--upstream-timeout', values['upstream-timeout'], 3600);
  }
  if (Object.keys(timeouts).length) overrides.timeouts = timeouts;
  const cache = parseCacheFlags(values);
  if (cache) overrides.cache = cache;
  if (values['system-proxy'] === true) overrides.systemProxy = { enabled: true };
  if (values.inspect === true) overrides.inspection = { enabled: true };
  const dns = parseDnsFlags(values, tokens);
  if (dns) overrides.dns = dns;
  return {
    configPath: typeof values.config === 'string' ? values.config : defaultConfigPath(),
    overrides,
    blocklists: Array.isArray(values.blocklist) ? values.blocklist : [],
    help: values.help === true,
    uiPort,
    uiPortChosen,
    configChosen: typeof values.config === 'string',
    inspection: parseInspectionFlags(values),
  };
}

/** `--no-inspect` and `--upstream-ca`, checked the way the settings check them. */
function parseInspectionFlags(values: Record<string, unknown>): RunInspection {
  const exclude = (values['no-inspect'] as string[] | undefined) ?? [];
  for (const p of exclude) {
    if (!hostPattern.safeParse(p).success) {
      throw new CliError(`--no-inspect takes a host name like example.com or *.example.com, not "${p}".`);
    }
  }
  const extraCa = ((values['upstream-ca'] as string[] | undefined) ?? []).map((f) => resolve(f));
  return { exclude, extraCa };
}

function parseSeconds(flag: string, raw: unknown, max: number): number {
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(String(raw)) || n < 1 || n > max) {
    throw new CliError(`${flag} takes seconds from 1 to ${max}, e.g. ${flag} 30, not "${raw}".`);
  }
  return n;
}

function parsePorts(list: string): number[] {
  const ports = list.split(',').map((p) => p.trim());
  for (const p of ports) {
    if (!/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 65535) {
      throw new CliError(
        `--connect-ports takes ports from 1 to 65535 separated by commas (e.g. 443,8443), not "${list}".`,
      );
    }
  }
  return ports.map(Number);
}

/** `--dns`, `--dns-bootstrap` (for the `--dns` before it), `--dns-ca` and `--dns-fallback` as a patch. */
export function parseDnsFlags(
  values: Record<string, unknown>,
  tokens: Array<{ kind: string; name?: string; value?: string | undefined }>,
): SettingsPatch['dns'] {
  const dns: NonNullable<SettingsPatch['dns']> = {};
  const servers: Array<{ url: string; bootstrap: string[] }> = [];
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    if (t.name === 'dns') {
      const url = String(t.value ?? '').trim();
      try {
        parseResolverUrl(url);
      } catch (err) {
        throw new CliError(`--dns: ${(err as Error).message}`);
      }
      servers.push({ url, bootstrap: [] });
    } else if (t.name === 'dns-bootstrap') {
      const ip = String(t.value ?? '').trim();
      const last = servers.at(-1);
      if (!last) throw new CliError('--dns-bootstrap gives the address of a --dns server: put it after that --dns.');
      if (!isIP(ip)) throw new CliError(`--dns-bootstrap takes an IP address (e.g. 9.9.9.9), not "${ip}".`);
      last.bootstrap.push(ip);
    }
  }
  if (servers.length) dns.servers = servers;
  if (typeof values['dns-ca'] === 'string') {
    const file = resolve(values['dns-ca']);
    try {
      readFileSync(file, 'utf8');
    } catch (err) {
      throw new CliError(`--dns-ca: cannot read ${file} (${(err as NodeJS.ErrnoException).code}); give a PEM file.`);
    }
    dns.ca = file;
  }
  const fallback = values['dns-fallback'];
  if (typeof fallback === 'string') {
    if (fallback !== 'system' && fallback !== 'none') {
      throw new CliError(`--dns-fallback takes "system" or "none", not "${fallback}".`);
    }
    dns.fallback = fallback;
  }
  return Object.keys(dns).length ? dns : undefined;
}

/** `--cache-size` and `--cache-dir` as a cache settings patch (undefined when neither is given). */
function parseCacheFlags(values: Record<string, unknown>): SettingsPatch['cache'] {
  const cache: NonNullable<SettingsPatch['cache']> = {};
  const size = values['cache-size'];
  if (typeof size === 'string') {
    const mb = Number(size);
    if (!/^\d+(\.\d+)?$/.test(size) || mb > 64 * 1024) {
      throw new CliError(`--cache-size takes megabytes from 0 (off) to 65536, not "${size}".`);
    }
    cache.maxSizeMb = mb;
    cache.enabled = mb > 0;
  }
  const dir = values['cache-dir'];
  if (typeof dir === 'string') {
    if (!dir.trim()) throw new CliError('--cache-dir takes a directory, e.g. --cache-dir ~/.cache/veil.');
    cache.dir = resolve(dir);
  }
  return Object.keys(cache).length ? cache : undefined;
}
