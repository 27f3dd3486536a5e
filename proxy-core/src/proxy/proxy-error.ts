/** Every way an exchange can fail, each with the status the client sees. */
export type ProxyErrorCode =
  | 'E_BAD_REQUEST'
  | 'E_HEADERS_TOO_LARGE'
  | 'E_HEADER_TIMEOUT'
  | 'E_NOT_A_PROXY_REQUEST'
  | 'E_UNSUPPORTED_SCHEME'
  | 'E_METHOD_NOT_ALLOWED'
  | 'E_PORT_NOT_ALLOWED'
  | 'E_CLIENT_NOT_ALLOWED'
  | 'E_PROXY_AUTH_REQUIRED'
  | 'E_DESTINATION_NOT_ALLOWED'
  | 'E_LOOP'
  | 'E_NO_ROUTE'
  | 'E_NO_DESTINATION'
  | 'E_BLOCKED'
  | 'E_MISDIRECTED'
  | 'E_UPSTREAM_DNS'
  | 'E_UPSTREAM_REFUSED'
  | 'E_UPSTREAM_UNREACHABLE'
  | 'E_UPSTREAM_TIMEOUT'
  | 'E_UPSTREAM_RESET'
  | 'E_UPSTREAM_BAD_RESPONSE'
  | 'E_UPSTREAM_PROXY'
  | 'E_NOT_CACHED'
  | 'E_TOO_MANY_CONNECTIONS'
  | 'E_INTERNAL';

/** A failure with a code (for records and tests) and an HTTP status (for the client). */
export class ProxyError extends Error {
  constructor(
    readonly code: ProxyErrorCode,
    readonly status: number,
    message: string,
    /** Extra response headers, e.g. Proxy-Authenticate on 407. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ProxyError';
  }
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'ENODATA']);

/** Turns a socket or DNS error met while reaching `target` into the ProxyError the client is told. */
export function upstreamFailure(err: unknown, target: string): ProxyError {
  if (err instanceof ProxyError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  if (DNS_CODES.has(code)) {
    // the name is the host: "the name example.com:80" reads as if the port were part of it
    const host = target.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
    return new ProxyError(
      'E_UPSTREAM_DNS',
      502,
      `The name ${host} could not be found (DNS). Check the address for a typo, or your network's DNS.`,
    );
  }
  if (code === 'ECONNREFUSED') return new ProxyError('E_UPSTREAM_REFUSED', 502, `${target} refused the connection.`);
  if (code === 'ETIMEDOUT' || code === 'E_TIMEOUT')
    return new ProxyError('E_UPSTREAM_TIMEOUT', 504, `${target} did not answer in time.`);
  if (code === 'ECONNRESET' || code === 'EPIPE')
    return new ProxyError('E_UPSTREAM_RESET', 502, `${target} closed the connection unexpectedly.`);
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
    return new ProxyError('E_UPSTREAM_UNREACHABLE', 502, `${target} is unreachable.`);
  if (code.startsWith('HPE_'))
    return new ProxyError('E_UPSTREAM_BAD_RESPONSE', 502, `${target} sent a malformed response (${code}).`);
  const message = err instanceof Error ? err.message : String(err);
  return new ProxyError('E_UPSTREAM_UNREACHABLE', 502, `${target} could not be reached: ${message}`);
}
