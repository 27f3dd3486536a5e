import { readFile } from 'node:fs/promises';
import { sep } from 'node:path';
import type { ShellElectron } from './electron-surface.js';
import { APP_HOST, APP_SCHEME, assetPath, CONTENT_SECURITY_POLICY, mimeFor } from './security-policy.js';

/** Must run before `ready`: makes `veil-app:` a standard, secure origin. */
export function registerAppScheme(protocol: ShellElectron['protocol']): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

/** Serves the built renderer from `root` at `veil-app://ui/`, every response with the CSP and nosniff. */
export function serveRenderer(protocol: ShellElectron['protocol'], root: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const file = url.host === APP_HOST ? assetPath(root, url.pathname, sep) : null;
    const body = file ? await readFile(file).catch(() => null) : null;
    const headers = {
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
    };
    if (!body || !file) return new Response('Not found', { status: 404, headers });
    return new Response(body, { status: 200, headers: { ...headers, 'Content-Type': mimeFor(file) } });
  });
}
