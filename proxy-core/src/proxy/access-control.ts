import { BlockList, isIP } from 'node:net';
import { ProxyError } from './proxy-error.js';

export interface AccessOptions {
  /** The address Veil listens on; anything but loopback turns the guards on. */
  listenHost: string;
  /** Client CIDRs allowed when listening beyond loopback, e.g. `192.168.1.0/24`. */
  allowedClients: string[];
  /** `user:password` for Basic proxy authentication, when set. */
  proxyAuth?: string;
  /** Allow loopback, link-local and unspecified destinations even when listening beyond loopback. */
  allowLoopbackAndLinkLocal: boolean;
}

/** True for 127.0.0.0/8, ::1, localhost and IPv4-mapped loopback. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

const LOCAL_DESTINATIONS = new BlockList();
LOCAL_DESTINATIONS.addSubnet('127.0.0.0', 8, 'ipv4');
LOCAL_DESTINATIONS.addSubnet('169.254.0.0', 16, 'ipv4');
LOCAL_DESTINATIONS.addSubnet('0.0.0.0', 8, 'ipv4');
LOCAL_DESTINATIONS.addAddress('::1', 'ipv6');
LOCAL_DESTINATIONS.addAddress('::', 'ipv6');
LOCAL_DESTINATIONS.addSubnet('fe80::', 10, 'ipv6');

/** True for a destination on this machine or its link (loopback, link-local, unspecified). */
export function isLocalDestination(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  if (isLoopbackHost(h)) return true;
  const family = isIP(h);
  if (family === 4) return LOCAL_DESTINATIONS.check(h, 'ipv4');
  if (family === 6) {
    if (h.toLowerCase().startsWith('::ffff:')) return isLocalDestination(h.slice(7));
    return LOCAL_DESTINATIONS.check(h, 'ipv6');
  }
  return false;
}

/** Parses `a.b.c.d/n` or `x::/n` (or a bare address) into a BlockList entry; throws a readable error. */
export function addCidr(list: BlockList, cidr: string): void {
  const [addr = '', bits] = cidr.trim().split('/');
  const family = isIP(addr);
  if (!family) throw new Error(`"${cidr}" is not an IP address or CIDR range (e.g. 192.168.1.0/24).`);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (bits === undefined) {
    list.addAddress(addr, type);
    return;
  }
  const prefix = Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
    throw new Error(`"${cidr}" has an invalid prefix length.`);
  }
  list.addSubnet(addr, prefix, type);
}

/** Decides who may use Veil and where they may go. */
export class AccessControl {
  private readonly clients = new BlockList();
  readonly exposed: boolean;
  private readonly expectedAuth?: string;

  constructor(private readonly options: AccessOptions) {
    this.exposed = !isLoopbackHost(options.listenHost);
    for (const cidr of options.allowedClients) addCidr(this.clients, cidr);
    if (options.proxyAuth) this.expectedAuth = `Basic ${Buffer.from(options.proxyAuth).toString('base64')}`;
  }

  /** Throws the client's answer when this client may not use the proxy. */
  checkClient(remoteAddress: string | undefined, proxyAuthorization: string | undefined): void {
    this.checkClientAddress(remoteAddress);
    if (this.expectedAuth && proxyAuthorization !== this.expectedAuth) {
      throw new ProxyError('E_PROXY_AUTH_REQUIRED', 407, 'This proxy needs a user name and password.', {
        'Proxy-Authenticate': 'Basic realm="Veil", charset="UTF-8"',
      });
    }
  }

  /** The address half of `checkClient`: for clients that cannot be asked for credentials (transparent ones). */
  checkClientAddress(remoteAddress: string | undefined): void {
    const addr = (remoteAddress ?? '').replace(/^::ffff:/, '');
    if (this.exposed && !isLoopbackHost(addr)) {
      const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
      if (!addr || !this.clients.check(addr, family)) {
        throw new ProxyError('E_CLIENT_NOT_ALLOWED', 403, `Your address ${addr || 'unknown'} may not use this proxy.`);
      }
    }
  }

  /** True when destinations must be checked (exposed, and loopback/link-local not allowed). */
  get guardsDestinations(): boolean {
    return this.exposed && !this.options.allowLoopbackAndLinkLocal;
  }
}
