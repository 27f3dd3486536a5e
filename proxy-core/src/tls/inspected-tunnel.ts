import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import { renderErrorPage } from '../proxy/error-page.js';
import { explainFault } from './certificate-fault.js';
import { peekClientHello } from './client-hello.js';
import type { InspectionScope } from './inspection-scope.js';
import { leafName } from './leaf-certificate.js';
import type { IssuedLeaf, LeafIssuer } from './leaf-issuer.js';
import { connectOriginTls, type OriginTls, OriginTlsError, supportedAlpn } from './origin-tls.js';
import { type RefusalSign, type RefusalTracker, refusalSign } from './refusal-tracker.js';
import type { TunnelOutcome } from './tunnel-outcome.js';

/** A close this soon after the handshake, with no request, counts as the client refusing the certificate. */
const REFUSAL_WINDOW_MS = 1500;

/** Everything an inspected tunnel needs that does not change per tunnel (rebuilt on settings changes). */
export interface Inspector {
  scope: InspectionScope;
  issuer: LeafIssuer;
  /** Origin trust anchors: system roots + extraCa, never Veil's CA (originTrustAnchors). */
  anchors: string[];
  refusals: RefusalTracker;
  onOriginCertError: 'pass-through' | 'error-page';
  handshakeTimeoutMs: number;
}

/** What the engine lends one tunnel: its sockets and its ways of relaying them. */
export interface TunnelIo {
  host: string;
  port: number;
  /** The client, after `200 Connection Established`, with any bytes it already sent put back. */
  client: Duplex;
  /** The routed connection to host:port, already open. */
  origin: Duplex;
  /** Opens another routed connection (pass-through after Veil's own TLS attempt used the first). */
  redial(): Promise<Duplex>;
  /** Relays bytes both ways unread (the engine's splice). */
  blind(client: Duplex, origin: Duplex): void;
  /** Bytes that are not TLS: the engine's cleartext-tunnel path. */
  cleartext(client: Duplex, origin: Duplex): void;
  /** The decrypted client and the verified origin: the engine's HTTP pipeline takes over. */
  serve(client: TLSSocket, origin: OriginTls, accepted: () => void): void;
  /** Whether the engine can speak h2 inside a tunnel (otherwise only http/1.1 is offered). */
  h2: boolean;
  /** Tells the record what became of the tunnel (called once, before any relaying). */
  outcome(o: TunnelOutcome): void;
  /** Fails the tunnel (the engine records the code and closes both sides). */
  fail(code: string, message: string): void;
}

/** Runs one CONNECT tunnel through inspection: decide, peek, verify the origin, mint, terminate, serve. */
export async function runTunnel(inspector: Inspector, io: TunnelIo): Promise<void> {
  const decision = inspector.scope.decide(io.host);
  if (!decision.inspect) {
    const mode =
      decision.reason === 'off' ? 'blind' : decision.reason === 'refused-certificate' ? 'passed-through' : 'excluded';
    io.outcome({ mode, ...(decision.reason !== 'off' ? { reason: decision.pattern ?? decision.reason } : {}) });
    io.blind(io.client, io.origin);
    return;
  }
  const hello = await peekClientHello(io.client, inspector.handshakeTimeoutMs);
  if (hello.kind === 'closed') {
    io.fail('E_CLIENT_GONE', 'The client closed the tunnel before its TLS handshake.');
    return;
  }
  if (hello.kind === 'not-tls') {
    io.outcome({ mode: 'blind', reason: 'not-tls' });
    io.cleartext(io.client, io.origin);
    return;
  }
  const name = leafName(io.host);
  // the certificate is for the CONNECT authority only: an SNI naming another host gets none
  if (!name || (hello.serverName !== null && leafName(hello.serverName) !== name)) {
    io.outcome({ mode: 'passed-through', reason: name ? 'sni-mismatch' : 'unnameable-host' });
    io.blind(io.client, io.origin);
    return;
  }
  const offered = io.h2 ? supportedAlpn(hello.alpn) : supportedAlpn(hello.alpn).filter((p) => p === 'http/1.1');
  const leaf = inspector.issuer.issue(name);
  leaf.catch(() => undefined);
  let origin: OriginTls;
  try {
    origin = await connectOriginTls(io.origin, io.host, offered, inspector.anchors, inspector.handshakeTimeoutMs);
  } catch (err) {
    await originFailed(inspector, io, err, leaf);
    return;
  }
  let issued: IssuedLeaf;
  try {
    issued = await leaf;
  } catch (err) {
    origin.socket.destroy();
    io.fail('E_INTERNAL', `Veil could not mint a certificate for ${name}: ${(err as Error).message}`);
    return;
  }
  // the client gets the protocol the origin chose, and nothing else
  const protocol = origin.protocol ?? (hello.alpn.includes('http/1.1') ? 'http/1.1' : null);
  const client = terminate(io.client, issued, protocol ? [protocol] : undefined);
  let secure = false;
  let accepted = false;
  const timer = setTimeout(() => client.destroy(), inspector.handshakeTimeoutMs);
  let secureAt = 0;
  client.once('secure', () => {
    secure = true;
    secureAt = Date.now();
    clearTimeout(timer);
    io.outcome({ mode: 'inspected', ...(protocol ? { protocol } : {}) });
    io.serve(client, origin, () => {
      if (accepted) return;
      accepted = true;
      inspector.refusals.accepted(io.host);
    });
  });
  // one refusal per tunnel, however many signs of it the socket shows
  let refusal: RefusalSign | null = null;
  client.on('error', (err: NodeJS.ErrnoException) => {
    if (!secure) refusal ??= refusalSign(err.code);
  });
  // a client that verifies after the handshake just hangs up: no alert, no 'secure', only EOF
  client.once('end', () => {
    if (!secure) client.destroy();
  });
  client.once('close', () => {
    clearTimeout(timer);
    // a client that hangs up before or right after the handshake without one request refused it
    // "right after": an idle preconnect a browser drops later is not a refusal
    const hungUp = !secure || Date.now() - secureAt < REFUSAL_WINDOW_MS;
    if (!accepted && hungUp) {
      inspector.refusals.refused(io.host, refusal ?? (secure ? 'closed-without-request' : 'reset-in-handshake'));
    }
    if (!secure) {
      origin.socket.destroy();
      io.fail('E_CLIENT_REFUSED_CERT', `The client did not accept Veil's certificate for ${name}.`);
    }
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

/**
 * The origin's TLS failed. Never hidden behind Veil's certificate: pass the client through to
 * the origin untouched (it sees the origin's own certificate and decides), or, for a certificate
 * fault when the setting asks, answer with a page naming the problem.
 */
async function originFailed(
  inspector: Inspector,
  io: TunnelIo,
  err: unknown,
  leaf: Promise<IssuedLeaf>,
): Promise<void> {
  const tlsErr = err instanceof OriginTlsError ? err : null;
  const fault = tlsErr?.fault ?? undefined;
  if (fault && inspector.onOriginCertError === 'error-page') {
    io.outcome({ mode: 'passed-through', reason: 'origin-certificate', fault, answer: 'error-page' });
    const client = terminate(io.client, await leaf, ['http/1.1']);
    client.on('error', () => client.destroy());
    const page = renderErrorPage(
      502,
      'Veil did not trust this site',
      explainFault(io.host, fault),
      'Veil checks every site’s certificate before it inspects anything; it will not vouch for one that fails.',
    );
    let seen = '';
    client.on('data', (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      if (!seen.includes('\r\n\r\n')) return;
      client.end(
        'HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n' +
          `Content-Length: ${Buffer.byteLength(page)}\r\nConnection: close\r\n\r\n${page}`,
      );
    });
    return;
  }
  let fresh: Duplex;
  try {
    fresh = await io.redial();
  } catch (e) {
    io.fail(
      'E_UPSTREAM_UNREACHABLE',
      `Veil could not reach ${io.host} again to pass the tunnel through: ${(e as Error).message}`,
    );
    return;
  }
  io.outcome({
    mode: 'passed-through',
    reason: fault ? 'origin-certificate' : 'origin-tls',
    ...(fault ? { fault } : {}),
    answer: 'origin-certificate',
  });
  io.blind(io.client, fresh);
}
