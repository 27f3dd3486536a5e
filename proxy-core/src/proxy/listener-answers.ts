import type { ServerResponse } from 'node:http';
import { networkInterfaces } from 'node:os';
import { renderErrorPage } from './error-page.js';
import { ProxyError } from './proxy-error.js';

/** What a client sees when its request could not be parsed. */
export function clientErrorFor(err: NodeJS.ErrnoException): ProxyError | null {
  switch (err.code) {
    case 'ECONNRESET':
    case 'EPIPE':
    case 'HPE_INVALID_EOF_STATE': // the client left mid-request: nobody to answer
      return null;
    case 'HPE_HEADER_OVERFLOW':
      return new ProxyError('E_HEADERS_TOO_LARGE', 431, 'The request headers are larger than Veil accepts.');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'HPE_HEADER_TIMEOUT':
      return new ProxyError('E_HEADER_TIMEOUT', 408, 'The request headers did not arrive in time.');
    default:
      return new ProxyError('E_BAD_REQUEST', 400, `The request is malformed (${err.code ?? 'parse error'}).`);
  }
}

/** Answers a request whose body broke its framing, then closes the connection. */
export function answerAndClose(res: ServerResponse, failure: ProxyError): void {
  const body = renderErrorPage(failure.status, 'Veil could not handle this request', failure.message);
  res.shouldKeepAlive = false;
  res.writeHead(failure.status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    Connection: 'close',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(body, () => res.socket?.destroy());
}

/** The page for a client that treated Veil as a web server (an origin-form request to the listener). */
export function answerOriginForm(res: ServerResponse): void {
  const body = renderErrorPage(
    400,
    'This is Veil, a privacy proxy',
    'Your client sent a request as if Veil were a web server. Veil is a proxy: set it as the HTTP and HTTPS proxy of your browser or system instead of opening its address directly.',
    'For example: curl -x http://127.0.0.1:8899 http://example.com/',
  );
  res.writeHead(400, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(body);
}

/** This machine's addresses, for telling a request loop from a destination. */
export function collectLocalAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) out.add(a.address.toLowerCase());
  }
  return out;
}
