import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawExchange, statusOf } from '../proxy/helpers/raw-client.js';
import { startBackend, type TestBackend } from './backends.js';
import { fetchVia, nameOf, type RunningReverse, startReverse } from './harness.js';

const answered = (text: string): boolean => text.includes('</html>');

describe('reverse: routing by host and path', () => {
  let web: TestBackend;
  let api: TestBackend;
  let admin: TestBackend;
  let rp: RunningReverse;

  beforeAll(async () => {
    [web, api, admin] = await Promise.all([startBackend('web'), startBackend('api'), startBackend('admin')]);
    rp = await startReverse({
      routes: [
        { host: 'app.test', backends: [web.url] },
        { host: '*.app.test', pathPrefix: '/api', stripPrefix: true, backends: [api.url] },
        {
          host: 'app.test',
          pathPrefix: '/admin',
          backends: [admin.url],
          blockPaths: ['/admin/secret', '/admin/*.bak'],
        },
        { host: 'app.test', pathPrefix: '/public', backends: [web.url], blockUserAgents: ['BadBot'] },
      ],
    });
  });
  afterAll(async () => {
    await rp.close();
    await Promise.all([web.kill(), api.kill(), admin.kill()]);
  });

  it('sends each host and path to its route, longest prefix first', async () => {
    expect(nameOf(await fetchVia(rp.port, '/', { host: 'app.test' }))).toBe('web');
    expect(nameOf(await fetchVia(rp.port, '/admin/users', { host: 'app.test' }))).toBe('admin');
    expect(nameOf(await fetchVia(rp.port, '/administrator', { host: 'app.test' }))).toBe('web');
    expect(nameOf(await fetchVia(rp.port, '/api/users?x=1', { host: 'eu.app.test:8080' }))).toBe('api');
    expect(api.seen.at(-1)!.url).toBe('/users?x=1');
    expect(api.seen.at(-1)!.headers.host).toBe('eu.app.test:8080');
  });

  it('answers 404 for a host no route covers, naming no backend', async () => {
    const a = await fetchVia(rp.port, '/', { host: 'other.test' });
    expect(a.status).toBe(404);
    expect(a.body).toContain('No service is configured for other.test/');
    expect(a.body).not.toContain('127.0.0.1');
  });

  it('resolves traversal before routing: no spelling of a path reaches another route', async () => {
    const before = admin.seen.length;
    for (const path of ['/public/../admin/x', '/public/%2e%2e/admin/x', '/public/.%2E/admin/x', '/x/..//admin/x']) {
      const a = await fetchVia(rp.port, path, { host: 'app.test' });
      // each resolves to /admin/x, which is the admin route's own path: routed there, as written after resolving
      expect(nameOf(a), path).toBe('admin');
      expect(admin.seen.at(-1)!.url).toBe('/admin/x');
    }
    expect(admin.seen.length).toBe(before + 4);
    const blocked = await fetchVia(rp.port, '/public/%2e%2e/admin/secret', { host: 'app.test' });
    expect(blocked.status).toBe(403);
    for (const path of ['/public/..%2fadmin/x', '/public%2F..%2Fadmin', '/public/..%5cadmin']) {
      const a = await fetchVia(rp.port, path, { host: 'app.test' });
      expect(a.status, path).toBe(400);
      expect(a.body).toContain('encoded slash');
    }
    expect(admin.seen.length).toBe(before + 4);
  });

  it('refuses a route’s listed paths and user agents with 403', async () => {
    expect((await fetchVia(rp.port, '/admin/secret', { host: 'app.test' })).status).toBe(403);
    expect((await fetchVia(rp.port, '/admin/db.bak', { host: 'app.test' })).status).toBe(403);
    expect((await fetchVia(rp.port, '/admin/db', { host: 'app.test' })).status).toBe(200);
    const bot = await fetchVia(rp.port, '/public/x', {
      host: 'app.test',
      headers: { 'User-Agent': 'Mozilla BadBot/2' },
    });
    expect(bot.status).toBe(403);
    expect((await fetchVia(rp.port, '/public/x', { host: 'app.test', headers: { 'User-Agent': 'curl' } })).status).toBe(
      200,
    );
  });

  it('refuses smuggling shapes with 400 before any backend sees them', async () => {
    const before = web.seen.length + api.seen.length + admin.seen.length;
    const shapes = [
      'Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd',
      'Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n',
      'Transfer-Encoding: chunked\r\n\r\nzz\r\nabcd\r\n0\r\n\r\n',
      'X-Folded: a\r\n Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ];
    for (const rest of shapes) {
      const res = await rawExchange(rp.port, `POST / HTTP/1.1\r\nHost: app.test\r\n${rest}`, {
        waitMs: 3000,
        until: answered,
      });
      expect(statusOf(res.text), JSON.stringify(rest)).toBe(400);
    }
    const twoHosts = await rawExchange(rp.port, 'GET / HTTP/1.1\r\nHost: app.test\r\nHost: evil.test\r\n\r\n', {
      waitMs: 3000,
      until: answered,
    });
    expect(statusOf(twoHosts.text)).toBe(400);
    expect(web.seen.length + api.seen.length + admin.seen.length).toBe(before);
  });

  it('refuses CONNECT and sends absolute-form requests nowhere but the routes: this is not an open proxy', async () => {
    const before = web.seen.length + api.seen.length + admin.seen.length;
    const connect = await rawExchange(rp.port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', {
      waitMs: 3000,
      until: answered,
    });
    expect(statusOf(connect.text)).toBe(400);
    const absolute = await rawExchange(rp.port, 'GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n', {
      waitMs: 3000,
      until: answered,
    });
    expect(statusOf(absolute.text)).toBe(404);
    const mismatched = await rawExchange(rp.port, 'GET http://example.com/ HTTP/1.1\r\nHost: app.test\r\n\r\n', {
      waitMs: 3000,
      until: answered,
    });
    expect(statusOf(mismatched.text)).toBe(400);
    expect(web.seen.length + api.seen.length + admin.seen.length).toBe(before);
  });
});
