/**
 * What may be written in a header line (RFC 9110 §5.1 token, §5.5 field value): no CR, LF,
 * NUL or other controls except HTAB, nothing beyond one byte per character. The head writer
 * refuses anything else, and settings refuse it with a field error before it gets that far.
 */
export const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
export const BAD_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** True for a valid header name (RFC 9110 token). */
export function isHeaderName(name: string): boolean {
  return HEADER_NAME.test(name);
}

/** True for a header value Veil may write. */
export function isHeaderValue(value: string): boolean {
  return !BAD_HEADER_VALUE.test(value);
}

/** The message settings show next to a header value that could not be sent. */
export const HEADER_VALUE_MESSAGE = 'Use printable characters only: no line breaks or control characters';
export const HEADER_NAME_MESSAGE = 'Use a header name: letters, digits and - (no spaces or colons)';
