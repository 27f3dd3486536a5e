import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDirectUpstream } from '../../proxy/direct-upstream.js';
import { ProxyError } from '../../proxy/proxy-error.js';
import type { Router } from '../../proxy/proxy-options.js';
import type { Upstream } from '../../proxy/upstream.js';
import { CHECK_PAGE_HOST, checkPageHtml, isCheckPageHost } from './check-page-html.js';

/** The veil.invalid page: a loopback server, and the route that sends its names there. */
export interface CheckPage {
  /** Sends veil.invalid and the canary names to the page; everything else to `router`. */
  wrap(router: Router): Router;
  close(): Promise<void>;
}

/**
 * Starts the page's server on a free loopback port. Requests for veil.invalid still go through
 * Veil's whole pipeline (admission, blocklists, the privacy policy) and only then reach this
 * server instead of a site: what the page shows is what a site would receive.
 */
export async function startCheckPage(): Promise<CheckPage> {
  const server: Server = createServer((req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    const path = (req.url ?? '/').split('?')[0];
    res.setHeader('Cache-Control', 'no-store');
    if (host !== CHECK_PAGE_HOST) {
      // a canary name: answering at all proves the request came through Veil
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.setHeader('Content-Type', 'text/plain');
      res.end(path === '/canary' ? 'through-veil' : 'veil canary');
      return;
    }
    const headers: Array<[string, string]> = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
    if (path === '/headers.json') {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ headers }));
      return;
    }
    if (path !== '/') {
      res.statusCode = 404;
      res.end('Not found: the page is at http://veil.invalid/');
      return;
    }
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.end(checkPageHtml(headers, randomBytes(6).toString('hex')));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.unref();
  const port = (server.address() as AddressInfo).port;
  const local = createDirectUpstream({ pool: { maxFreePerAddress: 8 } });
  const upstream: Upstream = {
    name: 'veil (check page)',
    httpTarget: (_host, _port, path) => local.httpTarget('127.0.0.1', port, path),
    connect: () =>
      Promise.reject(
        new ProxyError(
          'E_UPSTREAM_REFUSED',
          502,
          `${CHECK_PAGE_HOST} is plain HTTP only: open http://${CHECK_PAGE_HOST}/`,
        ),
      ),
    close: () => local.close(),
  };
  return {
    wrap: (router) => (facts) => (isCheckPageHost(facts.host) ? upstream : router(facts)),
    async close() {
      local.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
