import { STATUS_CODES } from 'node:http';
import type { ProxyError } from './proxy-error.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** HTML-escapes text echoed into a page (URLs and hosts come from the client). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A short, self-contained page that names the cause; the same page for every failure. */
export function renderErrorPage(status: number, title: string, detail: string, hint = ''): string {
  const reason = STATUS_CODES[status] ?? 'Error';
  return (
    '<!doctype html><html><head><meta charset="utf-8"><title>' +
    `${status} ${escapeHtml(reason)} — Veil</title>` +
    '<style>body{font:15px/1.5 system-ui,sans-serif;max-width:40em;margin:3em auto;padding:0 1em;color:#222}' +
    'code{background:#eee;padding:0 .2em}@media(prefers-color-scheme:dark){body{background:#1b1b1f;color:#ddd}code{background:#333}}</style>' +
    `</head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(detail)}</p>` +
    (hint ? `<p>${escapeHtml(hint)}</p>` : '') +
    `<p><small>${status} ${escapeHtml(reason)} · Veil privacy proxy</small></p></body></html>\n`
  );
}

/** The page for a ProxyError. */
export function errorPageFor(err: ProxyError): string {
  return renderErrorPage(err.status, titleFor(err), err.message);
}

function titleFor(err: ProxyError): string {
  switch (err.code) {
    case 'E_BLOCKED':
      return 'Blocked by Veil';
    case 'E_UPSTREAM_DNS':
    case 'E_UPSTREAM_REFUSED':
    case 'E_UPSTREAM_UNREACHABLE':
    case 'E_UPSTREAM_RESET':
    case 'E_UPSTREAM_BAD_RESPONSE':
    case 'E_UPSTREAM_PROXY':
      return 'Veil could not reach the site';
    case 'E_UPSTREAM_TIMEOUT':
      return 'The site did not answer in time';
    default:
      return 'Veil could not handle this request';
  }
}
