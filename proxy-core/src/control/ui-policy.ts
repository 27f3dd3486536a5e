/**
 * What both shells of the UI (the desktop window and `veil serve --ui`) serve it with: one
 * Content-Security-Policy and one table of content types, so the two cannot drift apart.
 */

/**
 * The UI's Content-Security-Policy: only Veil's own bundled code, no inline script, no eval, no plugins, no
 * network beyond the app itself and `connect` (the web UI's WebSocket; the desktop window uses IPC only).
 */
export function uiContentSecurityPolicy(connect: readonly string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    // Inline styles as the renderer's own meta CSP allows them (both policies apply; a stricter one here
    // would break only this shell). Scripts stay strictly 'self'.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    ["connect-src 'self'", ...connect].join(' '),
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/** The content type for a bundled file (unknown types are served as bytes, which nosniff keeps inert). */
export function mimeFor(path: string): string {
  const dot = path.lastIndexOf('.');
  return (dot >= 0 && MIME[path.slice(dot).toLowerCase()]) || 'application/octet-stream';
}
