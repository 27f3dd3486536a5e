import type { EngineContext } from './engine-context.js';
import type { BlockDecision, RequestFacts } from './exchange-policy.js';
import type { ExchangeRecorder } from './exchange-recorder.js';
import { getHeader, type HeaderList } from './header-list.js';
import { stripHopByHop } from './hop-by-hop.js';
import { ProxyError } from './proxy-error.js';
import { formatAuthority, type WayIn } from './way-in.js';

/** One request as any way in sees it, before Veil decided anything about it. */
export interface AdmitRequest {
  kind: RequestFacts['kind'];
  method: string;
  /** The request target as sent: absolute URL, `host:port` (CONNECT), or origin-form inside a way in. */
  target: string;
  rawHeaders: HeaderList;
  clientAddress: string;
  /** Set when the request arrived on a stream other than a listener's own client connection. */
  way?: WayIn | undefined;
}

/** An admitted request: what the policy was told, and its blocklist decision (null: let through). */
export interface Admission {
  facts: RequestFacts;
  block: BlockDecision | null;
}

/**
 * The one admission step of every way in (plain HTTP, CONNECT, WebSocket, a tunnel's inner
 * requests, later the reverse and transparent listeners), in order: client access, target
 * parse, loop check, destination guard, request facts, profile, blocklist decision. Throws
 * the ProxyError to answer with; a blocklist match is returned, not thrown, because plain
 * HTTP answers images with a blank GIF where a tunnel can only be refused.
 */
export function admit(ctx: EngineContext, input: AdmitRequest, rec: ExchangeRecorder): Admission {
  const { kind, way } = input;
  if (!way?.admitted) ctx.access.checkClient(input.clientAddress, getHeader(input.rawHeaders, 'proxy-authorization'));
  checkHost(input.rawHeaders);
  const { host, port, url } = kind === 'connect' ? connectTarget(ctx, input.target, way) : httpTarget(input, way);
  rec.host = host;
  if (ctx.isSelf(host, port)) {
    throw new ProxyError('E_LOOP', 508, `The request for ${host}:${port} is addressed to Veil itself (a loop).`);
  }
  ctx.guard.check(host, ctx.access.guardsDestinations);
  if (kind === 'http' && input.method === 'TRACE' && !ctx.allowTrace) {
    throw new ProxyError('E_METHOD_NOT_ALLOWED', 405, 'TRACE is disabled in Veil: it can echo private headers.', {
      Allow: 'GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS',
    });
  }
  const facts: RequestFacts = {
    kind,
    method: input.method,
    url,
    host,
    port,
    clientAddress: input.clientAddress,
    headers: stripHopByHop(input.rawHeaders, kind === 'websocket'),
  };
  if (way) facts.way = way.kind;
  if (way?.dial) {
    facts.dial = way.dial;
    // a keep-alive connection may name another host later: only the one checked matches
    if (!(way.hostCheck?.matches && way.hostCheck.host === host.toLowerCase())) facts.hostMismatch = true;
  }
  const profile = ctx.policy.profileFor?.(facts);
  if (profile) rec.profile = profile;
  return { facts, block: ctx.policy.checkRequest?.(facts) ?? null };
}

// RFC 9112 §3.2 / RFC 3986 §3.2.2: uri-host [ ":" port ], an IP literal in brackets
const HOST_VALUE = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::\d{0,5})?$/;

/** RFC 9112 §3.2: two Host lines, or a Host that is not a host[:port], get 400 and go nowhere. */
function checkHost(raw: HeaderList): void {
  let seen = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length !== 4 || name.toLowerCase() !== 'host') continue;
    if (seen) throw new ProxyError('E_BAD_REQUEST', 400, 'The request has more than one Host header.');
    seen = true;
    if (!HOST_VALUE.test(raw[i + 1]!))
      throw new ProxyError('E_BAD_REQUEST', 400, 'The Host header is not a valid host[:port].');
  }
}

/** Parses a CONNECT authority (`host:port`, `[v6]:port`). */
export function parseAuthority(authority: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:/?#@[\]]+)):(\d{1,5})$/.exec(authority);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port < 1 || port > 65535) {
    throw new ProxyError('E_BAD_REQUEST', 400, 'CONNECT needs a target of the form host:port.');
  }
  return { host: (m[1] ?? m[2])!, port };
}

function connectTarget(ctx: EngineContext, target: string, way?: WayIn): { host: string; port: number; url: URL } {
  const { host, port } = parseAuthority(target);
  // a transparent connection was already going to that port: the firewall rules chose which ports come here
  if (way?.kind !== 'transparent' && !ctx.allowedConnectPorts.has(port)) {
    throw new ProxyError(
      'E_PORT_NOT_ALLOWED',
      403,
      `Veil does not open tunnels to port ${port}. Allowed ports: ${[...ctx.allowedConnectPorts].join(', ')}.`,
    );
  }
  return { host, port, url: new URL(`https://${formatAuthority(host, port)}/`) };
}

function httpTarget(input: AdmitRequest, way: WayIn | undefined): { host: string; port: number; url: URL } {
  const url = way ? innerUrl(input, way) : absoluteUrl(input);
  // IPv6 literals come bracketed in URLs; sockets, records and policies want the bare address
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return { host, port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80), url };
}

/** Parses the target of a request to the listener itself; only absolute http:// URLs reach this point. */
function absoluteUrl(input: AdmitRequest): URL {
  let url: URL;
  try {
    url = new URL(input.target);
  } catch {
    if (input.kind === 'websocket') {
      throw new ProxyError(
        'E_NOT_A_PROXY_REQUEST',
        400,
        'A WebSocket through Veil needs an absolute ws target (http://host/path).',
      );
    }
    throw new ProxyError('E_BAD_REQUEST', 400, 'The request target is not a valid absolute URL.');
  }
  const ok = url.protocol === 'http:' || (input.kind === 'websocket' && url.protocol === 'ws:');
  if (!ok) {
    throw new ProxyError(
      'E_UNSUPPORTED_SCHEME',
      400,
      `Veil forwards http:// URLs directly; for ${url.protocol}// the client must use CONNECT.`,
    );
  }
  if (!url.hostname) throw new ProxyError('E_BAD_REQUEST', 400, 'The request target has no host.');
  return url;
}

/** The URL of a request on a way in: origin-form goes to the way's authority (or its Host, transparently). */
function innerUrl(input: AdmitRequest, way: WayIn): URL {
  const target = input.target;
  let authority: string;
  if (way.authority) {
    authority = formatAuthority(way.authority.host, way.authority.port);
  } else {
    const host = getHeader(input.rawHeaders, 'host');
    if (!host) throw new ProxyError('E_BAD_REQUEST', 400, 'The request has no Host header to route it by.');
    authority = host;
  }
  let url: URL;
  try {
    url = target.startsWith('/') ? new URL(`${way.scheme}://${authority}${target}`) : new URL(target);
  } catch {
    throw new ProxyError('E_BAD_REQUEST', 400, 'The request target is not a valid URL.');
  }
  const expected = new URL(`${way.scheme}://${authority}/`);
  if (way.kind === 'tls') checkTlsAuthority(input.rawHeaders, url, expected);
  if (url.host !== expected.host || url.protocol !== expected.protocol) {
    throw new ProxyError(
      'E_BAD_REQUEST',
      400,
      `A request inside the tunnel to ${expected.host} must stay there, not go to ${url.host}.`,
    );
  }
  return url;
}

/**
 * Inside an inspected tunnel the certificate Veil minted names one host: a request whose Host
 * (or absolute target) names another is answered 421 (RFC 9110 §15.5.20), never forwarded there.
 */
function checkTlsAuthority(raw: HeaderList, url: URL, expected: URL): void {
  const host = getHeader(raw, 'host');
  let named = url;
  if (host !== undefined) {
    try {
      named = new URL(`${expected.protocol}//${host}/`);
    } catch {
      throw new ProxyError('E_BAD_REQUEST', 400, 'The Host header is not a valid host[:port].');
    }
  }
  for (const u of [url, named]) {
    if (u.host !== expected.host) {
      throw new ProxyError(
        'E_MISDIRECTED',
        421,
        `This connection is for ${expected.host}; open a new one for ${u.host}.`,
      );
    }
  }
}
