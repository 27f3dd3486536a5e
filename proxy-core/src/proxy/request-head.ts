import type { HeaderList } from './header-list.js';

// RFC 9110 §5.1 token and §5.5 field value (no CR, LF, NUL or other controls except HTAB; one byte per char)
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * The request line and header section as one latin1 string, header names spelled and ordered
 * as given (the fingerprint a browser sent survives), so the head leaves in one write.
 * Throws when a name or value could not be sent as is (a policy or the client put it there).
 */
export function requestHead(method: string, target: string, headers: HeaderList): string {
  if (!TOKEN.test(method)) throw new TypeError(`invalid method "${method}"`);
  if (BAD_VALUE.test(target) || target.includes(' ')) throw new TypeError('invalid request target');
  let head = `${method} ${target} HTTP/1.1\r\n`;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    const value = headers[i + 1]!;
    if (!TOKEN.test(name)) throw new TypeError(`invalid header name "${name}"`);
    if (BAD_VALUE.test(value)) throw new TypeError(`invalid value for header "${name}"`);
    head += `${name}: ${value}\r\n`;
  }
  return `${head}\r\n`;
}
