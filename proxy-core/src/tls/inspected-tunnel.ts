import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import type { TunnelInspector, TunnelOpening } from '../proxy/connect-tunnel.js';
import { renderErrorPage } from '../proxy/error-page.js';
import type { TunnelNote } from '../proxy/exchange-record.js';
import { explainFault } from './certificate-fault.js';
import { peekClientHello } from './client-hello.js';
import type { InspectionScope } from './inspection-scope.js';
import { leafName } from './leaf-certificate.js';
import type { IssuedLeaf, LeafIssuer } from './leaf-issuer.js';
import type { OriginTlsPools } from './origin-pool.js';
import { OriginTlsError } from './origin-tls.js';
import { type RefusalSign, type RefusalTracker, refusalSign } from './refusal-tracker.js';

/** A close this soon after the handshake, with no request, counts as the client refusing the certificate. */
const REFUSAL_WINDOW_MS = 1500;

/** Everything an inspected tunnel needs that does not change per tunnel (rebuilt on settings changes). */
export interface Inspector {
  scope: InspectionScope;
  issuer: LeafIssuer;
  /** Verified TLS connections to origins (system roots + extraCa, never Veil's CA). */
  origins: OriginTlsPools;
  refusals: RefusalTracker;
  onOriginCertError: 'pass-through' | 'error-page';
  handshakeTimeoutMs: number;
}

/**
 * The engine's tunnel inspector: decides per CONNECT (excluded hosts keep the engine's blind
 * path and are noted so), then for TLS bytes verifies the origin first, mints, terminates the
 * client's TLS and hands the decrypted stream to the engine's one HTTP pipeline.
 */
export function createTunnelInspector(current: () => Inspector | null): TunnelInspector {
  return {
    wants(tunnel) {
      const inspector = current();
      if (!inspector) return false;
      const decision = inspector.scope.decide(tunnel.facts.host);
      if (decision.inspect) return true;
      tunnel.note({
        mode:
          decision.reason === 'refused-certificate'
            ? 'passed-through'
            : decision.reason === 'off'
              ? 'blind'
              : 'excluded',
        reason: decision.pattern ?? decision.reason,
      });
      return false;
    },
    take(client, first, tunnel) {
      const inspector = current();
      // not TLS: the engine's cleartext path (HTTP served as plain HTTP, anything else blind)
      if (!inspector || first[0] !== 0x16) {
        tunnel.note({ mode: 'blind', reason: 'not-tls' });
        return false;
      }
      void inspectTls(inspector, client, tunnel).catch(() => client.destroy());
      return true;
    },
    connectTls(route, host, port, timeoutMs) {
      const inspector = current();
      if (!inspector) return Promise.reject(new Error('HTTPS inspection is off.'));
      return inspector.origins.connect(route, host, port, timeoutMs);
    },
    httpsTarget(route, host, port, path) {
      return current()?.origins.target(route, host, port, path) as ReturnType<
        NonNullable<TunnelInspector['httpsTarget']>
      >;
    },
  };
}

async function inspectTls(inspector: Inspector, client: Duplex, tunnel: TunnelOpening): Promise<void> {
  const { host, port } = tunnel.facts;
  const hello = await peekClientHello(client, inspector.handshakeTimeoutMs);
  if (hello.kind !== 'tls') {
    client.destroy();
    return;
  }
  const name = leafName(host);
  // the certificate is for the CONNECT authority only: an SNI naming another host gets none
  if (!name || (hello.serverName !== null && leafName(hello.serverName) !== name)) {
    await passThrough(client, tunnel, { mode: 'passed-through', reason: name ? 'sni-mismatch' : 'unnameable-host' });
    return;
  }
  const leaf = inspector.issuer.issue(name);
  leaf.catch(() => undefined);
  // the origin first: its certificate is verified before the client sees one of Veil's
  const pool = inspector.origins.poolFor(tunnel.route);
  // a kept-alive connection verified for this host on this route counts: no second handshake
  const idle = pool.take(host, port);
  if (idle) pool.putBack(host, port, idle);
  else {
    let opened: Awaited<ReturnType<typeof pool.open>>;
    try {
      opened = await pool.open(host, port, inspector.handshakeTimeoutMs);
    } catch (err) {
      if (err instanceof OriginTlsError) return originFailed(inspector, client, tunnel, err, leaf);
      tunnel.note({ mode: 'inspected', reason: 'origin-unreachable' });
      client.destroy();
      return;
    }
    // the first request inside takes this verified connection from the pool
    pool.putBack(host, port, opened.conn);
  }
  const issued = await leaf;
  const alpn = hello.alpn.includes('http/1.1') ? ['http/1.1'] : hello.alpn.length === 0 ? undefined : [];
  if (alpn && alpn.length === 0) {
    // the client offers only protocols Veil does not speak inside (h2 alone): stay out of the way
    await passThrough(client, tunnel, { mode: 'passed-through', reason: 'alpn' });
    return;
  }
  serveDecrypted(inspector, client, tunnel, issued, alpn);
}

/** Terminates the client's TLS with `leaf` and serves what is inside through the engine. */
function serveDecrypted(
  inspector: Inspector,
  client: Duplex,
  tunnel: TunnelOpening,
  leaf: IssuedLeaf,
  alpn: string[] | undefined,
): void {
  const { host, port } = tunnel.facts;
  const tls = terminate(client, leaf, alpn);
  let secureAt = 0;
  let accepted = false;
  // one refusal per tunnel, however many signs of it the socket shows
  let refusal: RefusalSign | null = null;
  const timer = setTimeout(() => tls.destroy(), inspector.handshakeTimeoutMs);
  tls.on('error', (err: NodeJS.ErrnoException) => {
    if (!secureAt) refusal ??= refusalSign(err.code);
  });
  // a client that verifies after the handshake just hangs up: no alert, no 'secure', only EOF
  tls.once('end', () => {
    if (!secureAt) tls.destroy();
  });
  tls.once('secure', () => {
    secureAt = Date.now();
    clearTimeout(timer);
    tunnel.note({ mode: 'inspected', protocol: 'http/1.1' });
    tunnel.serveHttp(tls, {
      kind: 'tls',
      scheme: 'https',
      authority: { host, port },
      clientAddress: tunnel.clientAddress,
      admitted: true,
      openedBy: tunnel.openedBy,
    });
    // after the engine's own listener, so both see the first bytes
    tls.once('data', () => {
      accepted = true;
      inspector.refusals.accepted(host);
    });
  });
  tls.once('close', () => {
    clearTimeout(timer);
    // "right after": an idle preconnect a browser drops later is not a refusal
    const hungUp = !secureAt || Date.now() - secureAt < REFUSAL_WINDOW_MS;
    if (!accepted && hungUp) {
      inspector.refusals.refused(host, refusal ?? (secureAt ? 'closed-without-request' : 'reset-in-handshake'));
    }
    if (!secureAt) tunnel.note({ mode: 'inspected', reason: 'client-refused-certificate' });
  });
}

/** The server side of the client's TLS, on the raw tunnel socket. */
function terminate(raw: Duplex, leaf: IssuedLeaf, alpn: string[] | undefined): TLSSocket {
  return new TLSSocket(raw, {
    isServer: true,
    secureContext: leaf.context,
    ...(alpn ? { ALPNProtocols: alpn } : {}),
  });
}

/** Dials the destination again and relays the client's own bytes (its ClientHello first) unread. */
async function passThrough(client: Duplex, tunnel: TunnelOpening, note: TunnelNote): Promise<void> {
  tunnel.note(note);
  let upstream: Duplex;
  try {
    upstream = await tunnel.dial();
  } catch {
    client.destroy();
    return;
  }
  tunnel.splice(client, upstream);
}

/**
 * The origin's TLS failed. Never hidden behind Veil's certificate: pass the client through to
 * the origin untouched (it sees the origin's own certificate and decides), or, for a certificate
 * fault when the setting asks, answer with a page naming the problem.
 */
async function originFailed(
  inspector: Inspector,
  client: Duplex,
  tunnel: TunnelOpening,
  err: OriginTlsError,
  leaf: Promise<IssuedLeaf>,
): Promise<void> {
  const fault = err.fault ?? undefined;
  if (!fault || inspector.onOriginCertError === 'pass-through') {
    await passThrough(client, tunnel, {
      mode: 'passed-through',
      reason: fault ? 'origin-certificate' : 'origin-tls',
      ...(fault ? { fault } : {}),
      answer: 'origin-certificate',
    });
    return;
  }
  tunnel.note({ mode: 'passed-through', reason: 'origin-certificate', fault, answer: 'error-page' });
  const tls = terminate(client, await leaf, ['http/1.1']);
  tls.on('error', () => tls.destroy());
  const page = renderErrorPage(
    502,
    'Veil did not trust this site',
    explainFault(tunnel.facts.host, fault),
    'Veil checks every site’s certificate before it inspects anything; it will not vouch for one that fails.',
  );
  let seen = '';
  tls.on('data', (chunk: Buffer) => {
    seen += chunk.toString('latin1');
    if (!seen.includes('\r\n\r\n')) return;
    tls.end(
      'HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n' +
        `Content-Length: ${Buffer.byteLength(page)}\r\nConnection: close\r\n\r\n${page}`,
    );
  });
}
