import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { downloadList } from '../../proxy-core/src/blocklist/list-download.js';
import { type ListEntry, ListManager } from '../../proxy-core/src/blocklist/list-manager.js';
import { ListStore } from '../../proxy-core/src/blocklist/list-store.js';
import { matchRequestFor } from '../../proxy-core/src/blocklist/match-request.js';
import { Matcher } from '../../proxy-core/src/blocklist/matcher.js';
import type { BlocklistProgress } from '../../proxy-core/src/control/contract.js';

type Mode = 'ok' | 'fail' | 'truncated' | 'html' | 'empty';

/** A list server on loopback whose behaviour each test switches. */
async function listServer() {
  const state = {
    mode: 'ok' as Mode,
    body: '0.0.0.0 ads.example\n0.0.0.0 track.example\n',
    etag: '"v1"',
    lastModified: 'Sun, 29 Nov 2026 10:00:00 GMT',
    requests: [] as IncomingMessage['headers'][],
  };
  const server: Server = createServer((req, res) => {
    state.requests.push(req.headers);
    if (state.mode === 'fail') {
      res.writeHead(500).end('boom');
      return;
    }
    if (state.mode === 'truncated') {
      res.writeHead(200, { 'Content-Length': String(state.body.length + 500), ETag: '"broken"' });
      res.write(state.body.slice(0, 10), () => res.socket?.destroy());
      return;
    }
    if (state.mode === 'html') {
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!DOCTYPE html><html><body>Login</body></html>');
      return;
    }
    if (state.mode === 'empty') {
      res.writeHead(200, { ETag: '"empty"' }).end('# nothing here\n');
      return;
    }
    if (req.headers['if-none-match'] === state.etag) {
      res.writeHead(304, { ETag: state.etag }).end();
      return;
    }
    res.writeHead(200, { ETag: state.etag, 'Last-Modified': state.lastModified, 'Content-Type': 'text/plain' });
    res.end(state.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hosts.txt`;
  return { state, url, close: () => new Promise<void>((r) => server.close(() => r())) };
}

let dir: string;
let server: Awaited<ReturnType<typeof listServer>>;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'veil-bl-'));
  server = await listServer();
});
afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function manager(events: BlocklistProgress[] = [], failures: string[] = []) {
  return new ListManager({
    store: new ListStore(dir),
    download: (url, opts) => downloadList(url, { ...opts, timeoutMs: 5000 }),
    progress: (p) => events.push(p),
    failed: (_e, message) => failures.push(message),
    changed: () => undefined,
    refreshHours: () => 24,
  });
}

const entry = (url: string): ListEntry => ({
  id: 'sub',
  name: 'Sub',
  enabled: true,
  source: { type: 'url', url },
  format: 'auto',
});

function blocks(m: ListManager, host: string): boolean {
  return new Matcher(m.compiled(), null).decide(matchRequestFor(host, null, null, null)).decision === 'block';
}

describe('subscriptions', () => {
  it('download, revalidate with ETag (304), and keep the previous version through a 500, a cut body and a web page', async () => {
    const events: BlocklistProgress[] = [];
    const failures: string[] = [];
    const m = manager(events, failures);
    await m.sync([entry(server.url)]);
    expect(m.compiled()).toHaveLength(0); // nothing stored yet, nothing downloaded by sync
    await m.refreshDue();
    let info = m.info('sub')!;
    expect(info).toMatchObject({ rules: 2, format: 'hosts', lastError: null });
    expect(info.lastUpdate).toBeGreaterThan(0);
    expect(blocks(m, 'x.ads.example')).toBe(true);
    expect(events.some((e) => e.phase === 'done' && e.id === 'sub')).toBe(true);
    const stored = new ListStore(dir);
    expect(await stored.readText('sub')).toBe(server.state.body);

    await m.refresh('sub');
    const revalidation = server.state.requests.at(-1)!;
    expect(revalidation['if-none-match']).toBe('"v1"');
    expect(revalidation['if-modified-since']).toBe(server.state.lastModified);
    expect(m.info('sub')!.lastError).toBeNull();

    for (const [mode, message] of [
      ['fail', /answered 500/],
      ['truncated', /cut short/],
      ['html', /web page/],
      ['empty', /no rules found/],
    ] as const) {
      server.state.mode = mode;
      await m.refresh('sub');
      info = m.info('sub')!;
      expect(info.lastError).toMatch(message);
      expect(info.rules).toBe(2);
      expect(blocks(m, 'track.example')).toBe(true);
      expect(await stored.readText('sub')).toBe(server.state.body);
      expect(failures.at(-1)).toMatch(message);
    }

    const noticed = failures.length;
    await m.refresh('sub'); // the same failure again: recorded, not announced twice
    expect(m.info('sub')!.lastError).toMatch(/no rules found/);
    expect(failures.length).toBe(noticed);

    server.state.mode = 'ok';
    server.state.body = '||new.example^\n||other.example^\n||third.example^\n';
    server.state.etag = '"v2"';
    await m.refresh('sub');
    info = m.info('sub')!;
    expect(info).toMatchObject({ rules: 3, format: 'adblock', lastError: null });
    expect(blocks(m, 'new.example')).toBe(true);
    expect(blocks(m, 'ads.example')).toBe(false);
    const meta = JSON.parse(await readFile(stored.path('sub', 'json'), 'utf8'));
    expect(meta.etag).toBe('"v2"');
  });

  it('loads the stored copy at start without the network, and refreshes only when due', async () => {
    const first = manager();
    await first.sync([entry(server.url)]);
    await first.refreshDue();
    const before = server.state.requests.length;

    const second = manager();
    await second.sync([entry(server.url)]);
    expect(blocks(second, 'ads.example')).toBe(true);
    expect(second.info('sub')!.rules).toBe(2);
    await second.refreshDue();
    expect(server.state.requests.length).toBe(before); // fresh: not due
    await second.refreshDue(Date.now() + 25 * 3_600_000);
    expect(server.state.requests.length).toBe(before + 1);
  });

  it('a disabled list is freed and an enabled one reloads from disk', async () => {
    const m = manager();
    await m.sync([entry(server.url)]);
    await m.refreshDue();
    await m.sync([{ ...entry(server.url), enabled: false }]);
    expect(m.compiled()).toHaveLength(0);
    await m.sync([entry(server.url)]);
    expect(blocks(m, 'ads.example')).toBe(true);
  });
});
