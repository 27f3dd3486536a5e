/** The UI's origin: a privileged custom scheme, so the UI never runs from file:// and has an origin to check. */
export const APP_SCHEME = 'veil-app';
export const APP_HOST = 'ui';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/**
 * The window's Content-Security-Policy: only Veil's own bundled code, no inline script, no eval,
 * no plugins, no network beyond the app itself (the UI talks to Veil through IPC only).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  // Inline styles as the renderer's own meta CSP allows them (both policies apply; a stricter one here
  // would break only the desktop window). Scripts stay strictly 'self'.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Links the UI may open in the user's browser: https only, no credentials in the URL. */
export function isAllowedExternal(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && !u.username && !u.password && u.hostname.length > 0;
  } catch {
    return false;
  }
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.map': 'application/json',
};

/** The content type for a bundled file (unknown types are served as bytes, which nosniff keeps inert). */
export function mimeFor(path: string): string {
  const dot = path.lastIndexOf('.');
  return MIME[path.slice(dot).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Maps an app URL's path to a file under `root`, or null when it would leave `root`
 * (`..`, encoded slashes) or is not a plain path.
 */
export function assetPath(root: string, pathname: string, sep = '/'): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const parts = decoded.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) return null;
  if (parts.length === 0) parts.push('index.html');
  return [root.replace(/[\\/]+$/, ''), ...parts].join(sep);
}
