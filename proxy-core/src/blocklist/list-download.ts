import { type ClientRequest, request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';

/** A proxy to download through: Veil's own listener, so the configured upstream applies. */
export interface ViaProxy {
  host: string;
  port: number;
  /** `user:password` when the listener requires it. */
  auth?: string;
}

export interface DownloadOptions {
  etag?: string | null;
  lastModified?: string | null;
  via?: ViaProxy | null;
  timeoutMs?: number;
  /** Larger bodies are refused (a list, not a disk filler). */
  maxBytes?: number;
  onProgress?: (done: number, total: number | null) => void;
  /** Extra trusted certificates (PEM), for a private list server. */
  ca?: string;
  /** Resolves the list server's name when downloading directly (Veil's resolver, dns/). */
  lookup?: LookupFunction;
}

export type DownloadResult =
  | { status: 'not-modified' }
  | { status: 'ok'; text: string; etag: string | null; lastModified: string | null };

const MAX_BYTES = 64 * 1024 * 1024;

/**
 * Fetches a list with a conditional GET (If-None-Match / If-Modified-Since). Throws on any
 * status but 200/304, on a body cut short (Content-Length or chunking not complete) and on
 * a timeout, so the caller keeps its previous copy.
 */
export async function downloadList(url: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  const target = new URL(url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new Error(`${url}: only http:// and https:// lists can be downloaded.`);
  }
  const headers: Record<string, string> = { 'User-Agent': 'Veil blocklist updater', Accept: 'text/plain, */*' };
  if (options.etag) headers['If-None-Match'] = options.etag;
  if (options.lastModified) headers['If-Modified-Since'] = options.lastModified;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const res = await send(target, headers, options.via ?? null, timeoutMs, options.ca, options.lookup);
  const status = res.statusCode ?? 0;
  if (status === 304) {
    res.resume();
    return { status: 'not-modified' };
  }
  if (status !== 200) {
    res.resume();
    const veil = veilCause(res.headers['x-veil-error'], target.hostname);
    throw new Error(veil ?? `${target.host} answered ${status} ${res.statusMessage ?? ''}`.trim());
  }
  const text = await readBody(res, options.maxBytes ?? MAX_BYTES, options.onProgress, timeoutMs);
  return {
    status: 'ok',
    text,
    etag: header(res, 'etag'),
    lastModified: header(res, 'last-modified'),
  };
}

function header(res: IncomingMessage, name: string): string | null {
  const v = res.headers[name];
  return typeof v === 'string' ? v : null;
}

function send(
  target: URL,
  headers: Record<string, string>,
  via: ViaProxy | null,
  timeoutMs: number,
  ca: string | undefined,
  lookup: LookupFunction | undefined,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const https = target.protocol === 'https:';
    const port = Number(target.port) || (https ? 443 : 80);
    let req: ClientRequest;
    if (via && !https) {
      // plain HTTP goes to the proxy in absolute form
      const proxyHeaders = { ...headers, Host: target.host, ...authHeader(via) };
      req = httpRequest({ host: via.host, port: via.port, path: target.href, headers: proxyHeaders, agent: false });
    } else if (via) {
      req = httpsRequest({
        host: target.hostname,
        port,
        path: target.pathname + target.search,
        headers,
        // no agent at all: with `agent: false` Node makes a fresh Agent and ignores createConnection
        createConnection: (_opts: unknown, done: (err: Error | null, s?: Duplex) => void) => {
          tunnel(via, target.hostname, port, timeoutMs).then(
            (socket) => done(null, tlsConnect({ socket, servername: tlsName(target.hostname), ...(ca ? { ca } : {}) })),
            (err: Error) => done(err),
          );
          return undefined;
        },
      } as RequestOptions);
    } else {
      const make = https ? httpsRequest : httpRequest;
      req = make({
        host: target.hostname,
        port,
        path: target.pathname + target.search,
        headers,
        agent: false,
        ...(ca && https ? { ca } : {}),
        ...(lookup ? { lookup } : {}),
      });
    }
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${target.host} did not answer within ${timeoutMs} ms`)));
    req.once('response', resolve);
    req.once('error', (err) =>
      reject(CAUSE_NAMED.has(err) ? err : new Error(`could not download from ${target.host}: ${err.message}`)),
    );
    req.end();
  });
}

/** Opens a CONNECT tunnel through the proxy. */
function tunnel(via: ViaProxy, host: string, port: number, timeoutMs: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: via.host,
      port: via.port,
      method: 'CONNECT',
      path: `${host}:${port}`,
      headers: { Host: `${host}:${port}`, ...authHeader(via) },
      agent: false,
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`the proxy did not open a tunnel within ${timeoutMs} ms`)));
    req.once('connect', (res, socket) => {
      if (res.statusCode === 200) resolve(socket);
      else {
        socket.destroy();
        const veil = veilCause(res.headers['x-veil-error'], host);
        const err = new Error(veil ?? `the proxy refused the tunnel to ${host}:${port} (${res.statusCode})`);
        if (veil) CAUSE_NAMED.add(err);
        reject(err);
      }
    });
    req.once('error', reject);
    req.end();
  });
}

/** Errors whose message already names the host and the cause: passed on without a prefix. */
const CAUSE_NAMED = new WeakSet<Error>();

/**
 * What Veil's own listener (which carries the download) says went wrong, from its X-Veil-Error code; null
 * for an answer from someone else. "The proxy refused the tunnel (502)" named the messenger, not the cause.
 */
function veilCause(code: string | string[] | undefined, host: string): string | null {
  switch (Array.isArray(code) ? code[0] : code) {
    case undefined:
      return null;
    case 'E_UPSTREAM_DNS':
      return `the name ${host} could not be found (DNS): check the list's address, or the network's DNS`;
    case 'E_UPSTREAM_REFUSED':
      return `${host} refused the connection`;
    case 'E_UPSTREAM_TIMEOUT':
      return `${host} did not answer in time`;
    case 'E_UPSTREAM_UNREACHABLE':
      return `${host} cannot be reached from this network`;
    case 'E_UPSTREAM_PROXY':
      return `the upstream proxy in Settings did not carry the download to ${host}`;
    case 'E_BLOCKED':
      return `Veil's own blocklists block ${host}: allow it in Your rules to download the list`;
    case 'E_DESTINATION_NOT_ALLOWED':
      return `${host} is on this machine or its network, which Veil does not reach for network clients`;
    default:
      return `Veil could not reach ${host} (${code})`;
  }
}

/** SNI takes host names only (RFC 6066 §3); an IP address is verified without it. */
function tlsName(host: string): string | undefined {
  return isIP(host) ? undefined : host;
}

function authHeader(via: ViaProxy): Record<string, string> {
  return via.auth ? { 'Proxy-Authorization': `Basic ${Buffer.from(via.auth).toString('base64')}` } : {};
}

function readBody(
  res: IncomingMessage,
  maxBytes: number,
  onProgress: DownloadOptions['onProgress'],
  timeoutMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(res.headers['content-length']);
    const total = Number.isFinite(declared) ? declared : null;
    const chunks: Buffer[] = [];
    let size = 0;
    let lastReport = 0;
    res.setTimeout(timeoutMs, () => res.destroy(new Error(`the download stalled for ${timeoutMs} ms`)));
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        res.destroy(new Error(`the list is larger than ${Math.round(maxBytes / 1048576)} MB`));
        return;
      }
      chunks.push(chunk);
      if (onProgress && size - lastReport >= 1 << 20) {
        lastReport = size;
        onProgress(size, total);
      }
    });
    res.once('error', (err) => reject(new Error(`the download failed: ${err.message}`)));
    res.once('aborted', () => reject(new Error('the download was cut short (connection closed early)')));
    res.once('end', () => {
      if (!res.complete || (total !== null && size !== total)) {
        reject(new Error(`the download was cut short (${size} of ${total ?? 'unknown'} bytes)`));
        return;
      }
      onProgress?.(size, total);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}
