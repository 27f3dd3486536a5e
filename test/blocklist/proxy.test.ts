import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExchangeRecord } from '../../proxy-core/src/control/contract.js';
import type { FeatureFactory } from '../../proxy-core/src/control/feature.js';
import { blocklistFeature } from '../../proxy-core/src/control/features/blocklist-feature.js';
import { createService, type VeilService } from '../../proxy-core/src/control/service.js';
import { defaultSettings } from '../../proxy-core/src/control/settings-schema.js';
import { createMemoryStore } from '../../proxy-core/src/control/settings-store.js';

const run = promisify(execFile);

let origin: Server;
let originPort: number;
let service: VeilService;
let proxyUrl: string;
let dir: string;
const records: ExchangeRecord[] = [];

const spy: FeatureFactory = () => ({
  name: 'spy',
  attach(proxy) {
    proxy.on('exchange', (r) => records.push(r));
  },
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'veil-blp-'));
  origin = createServer((req, res) => {
    if (req.url === '/setup.exe') {
      res.writeHead(200, { 'Content-Type': 'application/x-msdownload' }).end('MZ-not-really-a-program');
    } else if (req.url === '/missing.txt') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('no such list');
    } else if (req.url === '/list.txt') {
      res.writeHead(200, { 'Content-Type': 'text/plain', ETag: '"l1"' }).end('subscribed.test\n');
    } else {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`origin saw ${req.method} ${req.url}`);
    }
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  originPort = (origin.address() as AddressInfo).port;
  const settings = defaultSettings();
  settings.proxy.port = 0;
  settings.blocklists.lists = [
    {
      id: 'typed',
      name: 'Typed ads',
      enabled: true,
      format: 'auto',
      source: { type: 'text', text: '! sample\n||ads.blocked.test^\n@@||ok.ads.blocked.test^\n' },
    },
  ];
  settings.blocklists.contentFilters = [
    {
      id: 'no-exe',
      sites: [],
      blockContentTypes: ['application/x-msdownload'],
      blockExtensions: ['.zip'],
      blockMethods: [],
      enabled: true,
    },
    {
      id: 'read-only',
      sites: ['localhost'],
      blockContentTypes: [],
      blockExtensions: [],
      blockMethods: ['DELETE'],
      enabled: true,
    },
  ];
  service = createService({
    store: createMemoryStore(settings),
    dataDir: dir,
    features: [blocklistFeature, spy],
  });
  const status = await service.start();
  proxyUrl = `http://127.0.0.1:${status.listening!.port}`;
});

afterAll(async () => {
  await service?.shutdown(2000);
  await new Promise<void>((r) => origin?.close(() => r()));
  await rm(dir, { recursive: true, force: true });
});

/** Runs curl through the proxy; returns the status, the body and the response headers. */
async function fetchVia(url: string, extra: string[] = []): Promise<{ status: number; body: Buffer; type: string }> {
  const result = await run(
    'curl',
    ['-s', '--proxy', proxyUrl, '-o', '-', '-w', '\n%{http_code} %{content_type}', ...extra, url],
    { encoding: 'buffer', maxBuffer: 1 << 20 },
  );
  const out = result.stdout;
  const nl = out.lastIndexOf(10);
  const [status, type = ''] = out
    .subarray(nl + 1)
    .toString()
    .split(' ');
  return { status: Number(status), body: out.subarray(0, nl), type };
}

const recordFor = (host: string) => records.filter((r) => r.url.includes(host)).at(-1);

describe('blocked requests through the proxy', () => {
  it('HTTP: 403 with a page naming the rule and list; the record says blocked', async () => {
    const r = await fetchVia('http://cdn.ads.blocked.test/banner.js');
    expect(r.status).toBe(403);
    const page = r.body.toString();
    expect(page).toContain('||ads.blocked.test^');
    expect(page).toContain('Typed ads');
    expect(page).toContain('line 2');
    await expect
      .poll(() => recordFor('cdn.ads.blocked.test')?.blocked)
      .toMatchObject({
        kind: 'blocklist',
        rule: '||ads.blocked.test^',
        list: 'Typed ads',
        line: 2,
      });
  });

  it('image requests get a 1x1 transparent GIF', async () => {
    const r = await fetchVia('http://img.ads.blocked.test/pixel.png', ['-H', 'Sec-Fetch-Dest: image']);
    expect(r.status).toBe(200);
    expect(r.type).toBe('image/gif');
    expect(r.body.subarray(0, 6).toString()).toBe('GIF89a');
    expect(r.body.readUInt16LE(6)).toBe(1); // width
    expect(r.body.readUInt16LE(8)).toBe(1); // height
  });

  it('CONNECT: 403, tunnel refused', async () => {
    const { stdout } = await run('curl', [
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{http_connect}',
      '--proxy',
      proxyUrl,
      'https://ads.blocked.test/',
    ]).catch((err: { stdout: string }) => ({ stdout: err.stdout }));
    expect(stdout).toBe('403');
    await expect
      .poll(() => records.find((r) => r.kind === 'connect' && r.host === 'ads.blocked.test')?.blocked?.rule)
      .toBe('||ads.blocked.test^');
  });

  it('an exception lets a subdomain through, and counters name the list', async () => {
    // ok.ads.blocked.test does not resolve: the request gets past the blocklist and fails upstream
    const r = await fetchVia('http://ok.ads.blocked.test/');
    expect(r.status).not.toBe(403);
    const [info] = await service.invoke('blocklist.list');
    expect(info).toMatchObject({ id: 'typed', rules: 2 });
    expect(info!.hits).toBeGreaterThanOrEqual(3);
    expect(info!.topRules![0]).toMatchObject({ line: 2, rule: '||ads.blocked.test^' });
  });

  it('user rules: line errors come back, good rules apply at once', async () => {
    const bad = await service.invoke('blocklist.setUserRules', { block: ['fine.test', 'not-valid!'], allow: [] });
    expect(bad).toEqual({ ok: false, block: [{ line: 2, message: 'not a valid host name' }], allow: [] });
    const good = await service.invoke('blocklist.setUserRules', { block: ['mine.blocked.test'], allow: [] });
    expect(good).toEqual({ ok: true });
    expect(service.settings.blocklists.userBlock).toEqual(['mine.blocked.test']);
    const r = await fetchVia('http://www.mine.blocked.test/');
    expect(r.status).toBe(403);
    expect(r.body.toString()).toContain('Your block rules');
    const t = await service.invoke('blocklist.test', { url: 'https://x.mine.blocked.test/' });
    expect(t).toMatchObject({
      decision: 'block',
      rule: { rule: 'mine.blocked.test', list: 'Your block rules', line: 1 },
    });
  });
});

describe('list commands', () => {
  it('setEnabled turns a list off and on, live', async () => {
    const off = await service.invoke('blocklist.setEnabled', { id: 'typed', enabled: false });
    expect(off.enabled).toBe(false);
    expect((await fetchVia('http://cdn.ads.blocked.test/x')).status).not.toBe(403);
    const on = await service.invoke('blocklist.setEnabled', { id: 'typed', enabled: true });
    expect(on).toMatchObject({ enabled: true, rules: 2 });
    expect((await fetchVia('http://cdn.ads.blocked.test/x')).status).toBe(403);
    await expect(service.invoke('blocklist.setEnabled', { id: 'nope', enabled: true })).rejects.toThrow(/no list/);
  });

  it('suggests subscriptions by URL only', async () => {
    const s = await service.invoke('blocklist.suggestions');
    expect(s.map((x) => x.name)).toEqual(expect.arrayContaining(['StevenBlack unified hosts', 'EasyPrivacy']));
    expect(s.some((x) => x.name.startsWith('OISD'))).toBe(true);
    for (const x of s) expect(x.url).toMatch(/^https:\/\//);
  });
});

describe('content filters through the proxy', () => {
  it('a response whose Content-Type is blocked is replaced with 403 before its body', async () => {
    const r = await fetchVia(`http://127.0.0.1:${originPort}/setup.exe`);
    expect(r.status).toBe(403);
    expect(r.body.toString()).not.toContain('MZ-not-really');
    expect(r.body.toString()).toContain('application/x-msdownload');
    const ok = await fetchVia(`http://127.0.0.1:${originPort}/readme.txt`);
    expect(ok.status).toBe(200);
    expect(ok.body.toString()).toBe('origin saw GET /readme.txt');
  });

  it('extensions and methods are refused before anything is sent; methods only on their sites', async () => {
    expect((await fetchVia(`http://127.0.0.1:${originPort}/archive.zip`)).status).toBe(403);
    const del = await fetchVia(`http://localhost:${originPort}/item`, ['-X', 'DELETE']);
    expect(del.status).toBe(403);
    expect(del.body.toString()).toContain('method DELETE');
    const elsewhere = await fetchVia(`http://127.0.0.1:${originPort}/item`, ['-X', 'DELETE']);
    expect(elsewhere.body.toString()).toBe('origin saw DELETE /item');
  });
});

describe('subscriptions through the running proxy', () => {
  it('blocklist.add downloads the list through Veil and applies it, with progress events', async () => {
    const url = `http://127.0.0.1:${originPort}/list.txt`;
    const phases: string[] = [];
    const off = service.on('blocklist.progress', (p) => phases.push(p.phase));
    const info = await service.invoke('blocklist.add', { source: { type: 'url', url }, name: 'Local sub' });
    expect(info).toMatchObject({ name: 'Local sub', rules: 1, format: 'domains', lastError: null });
    expect(records.some((r) => r.url === url && r.status === 200)).toBe(true);
    off();
    expect(phases).toContain('download');
    expect(phases.at(-1)).toBe('done');
    expect((await fetchVia('http://subscribed.test/')).status).toBe(403);
    await expect(service.invoke('blocklist.add', { source: { type: 'url', url } })).rejects.toThrow(
      /already added as "Local sub"/,
    );
    expect(await service.invoke('blocklist.remove', { id: info.id })).toEqual({ removed: true });
    expect((await fetchVia('http://subscribed.test/')).status).not.toBe(403);
  });

  it('a list whose address answers 404 is refused with the reason, not added broken', async () => {
    const url = `http://127.0.0.1:${originPort}/missing.txt`;
    const notices: string[] = [];
    const off = service.on('notice', (n) => notices.push(n.code));
    const before = (await service.invoke('blocklist.list')).length;
    await expect(service.invoke('blocklist.add', { source: { type: 'url', url } })).rejects.toThrow(
      /^Nothing was added: .*404.* Check the address, then add it again\.$/,
    );
    off();
    expect((await service.invoke('blocklist.list')).length).toBe(before);
    expect(service.settings.blocklists.lists.some((l) => l.source.type === 'url' && l.source.url === url)).toBe(false);
    expect(notices).toEqual([]);
  });

  it('a list whose host has no DNS name is refused naming DNS, not "the proxy refused the tunnel"', async () => {
    for (const url of ['https://lists.veil-test.invalid/hosts.txt', 'http://lists.veil-test.invalid/hosts.txt']) {
      const err = await service.invoke('blocklist.add', { source: { type: 'url', url } }).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toBe(
        "Nothing was added: the name lists.veil-test.invalid could not be found (DNS): check the list's address, or the network's DNS. Check the address, then add it again.",
      );
    }
  });
});
