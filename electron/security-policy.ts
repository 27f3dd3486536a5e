import { uiContentSecurityPolicy } from '../proxy-core/src/control/ui-policy.js';

export { mimeFor } from '../proxy-core/src/control/ui-policy.js';

/** The UI's origin: a privileged custom scheme, so the UI never runs from file:// and has an origin to check. */
export const APP_SCHEME = 'veil-app';
export const APP_HOST = 'ui';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** The window's Content-Security-Policy: the UI's one policy (ui-policy.ts), with no network beyond the app. */
export const CONTENT_SECURITY_POLICY = uiContentSecurityPolicy();

/** Links the UI may open in the user's browser: https only, no credentials in the URL. */
export function isAllowedExternal(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && !u.username && !u.password && u.hostname.length > 0;
  } catch {
    return false;
  }
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
