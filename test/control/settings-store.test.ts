import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createService } from '../../proxy-core/src/control/service.js';
import { defaultSettings, SETTINGS_VERSION } from '../../proxy-core/src/control/settings-schema.js';
import { createFileStore, serialize } from '../../proxy-core/src/control/settings-store.js';
import { tempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
let path: string;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  path = join(dir, 'config.json');
});
afterEach(() => cleanup());

// biome-ignore lint/suspicious/noExplicitAny: the tests read and deliberately break arbitrary JSON
async function json(file: string): Promise<Record<string, any>> {
  return JSON.parse(await readFile(file, 'utf8'));
}

/** Two saves: the file holds `port`, the backup holds 9001. */
async function saveTwice(port: number): Promise<void> {
  const store = createFileStore(path);
  const { settings } = await store.load();
  await store.save({ ...settings, proxy: { ...settings.proxy, port: 9001 } });
  await store.save({ ...settings, proxy: { ...settings.proxy, port } });
}

describe('settings file store', () => {
  it('starts on defaults without a file, and writes none until asked', async () => {
    const { settings, notices } = await createFileStore(path).load();
    expect(settings).toEqual(defaultSettings());
    expect(notices).toEqual([]);
    expect(existsSync(path)).toBe(false);
  });

  it('keeps the previous good document as config.json.bak', async () => {
    await saveTwice(9002);
    expect((await json(path)).proxy.port).toBe(9002);
    expect((await json(`${path}.bak`)).proxy.port).toBe(9001);
  });

  it('keeps a hand edit made while Veil runs before its next save replaces it', async () => {
    const store = createFileStore(path);
    const { settings } = await store.load();
    await store.save({ ...settings, proxy: { ...settings.proxy, port: 9001 } });
    await writeFile(path, '{"proxy": {"port": 9444}, "note": "mine"}');
    await store.save({ ...settings, proxy: { ...settings.proxy, port: 9002 } });
    const kept = (await readdir(dir)).filter((n) => n.startsWith('config.json.external-'));
    expect(kept).toHaveLength(1);
    expect((await json(join(dir, kept[0]!))).note).toBe('mine');
    expect((await json(path)).proxy.port).toBe(9002);
  });

  it('migrates a version 1 file, keeping the original beside it', async () => {
    const v1 = {
      version: 1,
      port: 9123,
      listen: '127.0.0.1',
      profile: 'strict',
      upstream: 'socks5h://127.0.0.1:9050',
      blocklists: ['https://lists.example.org/hosts.txt'],
      requestLog: '/var/log/veil.ndjson',
      cacheMb: 64,
    };
    await writeFile(path, JSON.stringify(v1));
    const { settings, notices } = await createFileStore(path).load();
    expect(settings.version).toBe(SETTINGS_VERSION);
    expect(settings.proxy.port).toBe(9123);
    expect(settings.privacy.profile).toBe('strict');
    expect(settings.upstream.default).toBe('socks5h://127.0.0.1:9050');
    expect(settings.blocklists.lists).toEqual([
      {
        id: 'list-1',
        name: 'lists.example.org',
        enabled: true,
        source: { type: 'url', url: 'https://lists.example.org/hosts.txt' },
        format: 'auto',
      },
    ]);
    expect(settings.audit).toMatchObject({ enabled: true, path: '/var/log/veil.ndjson' });
    expect(settings.cache.maxSizeMb).toBe(64);
    expect(notices.map((n) => n.code)).toEqual(['SETTINGS_MIGRATED']);
    expect(await json(`${path}.v1`)).toEqual(v1);
    expect((await json(path)).version).toBe(SETTINGS_VERSION);
    // and the migrated file loads as is the next time
    expect((await createFileStore(path).load()).notices).toEqual([]);
  });

  it('treats a flat file without version as version 1, and {} as the current version', async () => {
    await writeFile(path, '{"port": 9200}');
    expect((await createFileStore(path).load()).settings.proxy.port).toBe(9200);
    await writeFile(path, '{}');
    const loaded = await createFileStore(path).load();
    expect(loaded.settings).toEqual(defaultSettings());
    expect(loaded.notices).toEqual([]);
  });

  it('recovers from a truncated file: backup restored, bad file kept aside, warning raised', async () => {
    await saveTwice(9002);
    const whole = await readFile(path, 'utf8');
    await writeFile(path, whole.slice(0, whole.length / 2));
    const { settings, notices } = await createFileStore(path).load();
    expect(settings.proxy.port).toBe(9001);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ level: 'warning', code: 'SETTINGS_RECOVERED' });
    expect(notices[0]!.message).toMatch(/not valid JSON/);
    const aside = (await readdir(dir)).filter((n) => n.startsWith('config.json.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(await readFile(join(dir, aside[0]!), 'utf8')).toBe(whole.slice(0, whole.length / 2));
    expect(notices[0]!.action).toContain(aside[0]);
    // the restored document is back in place, whole
    expect((await json(path)).proxy.port).toBe(9001);
  });

  it('warns about fields it does not know instead of dropping them silently', async () => {
    await writeFile(path, JSON.stringify({ proxyy: {}, proxy: { prot: 1, port: 9300 }, privacy: { profil: 'x' } }));
    const { settings, notices } = await createFileStore(path).load();
    expect(settings.proxy.port).toBe(9300);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ level: 'warning', code: 'SETTINGS_UNKNOWN_FIELDS' });
    expect(notices[0]!.message).toContain('proxyy, proxy.prot, privacy.profil');
    expect((await createFileStore(path).load()).notices).toHaveLength(1);
  });

  it('keeps every valid setting of a file with invalid fields, and names each one that fell back', async () => {
    await saveTwice(9002);
    const doc = await json(path);
    doc.proxy.port = 'eighty';
    doc.proxy.listen = 'not an ip';
    doc.cache.maxSizeMb = -3;
    doc.privacy.profile = 'strict';
    doc.blocklists.userBlock = ['||ads.example^'];
    const written = JSON.stringify(doc);
    await writeFile(path, written);
    const { settings, notices } = await createFileStore(path).load();
    // the user's profile and rules stay; only the three bad fields fall back
    expect(settings.privacy.profile).toBe('strict');
    expect(settings.blocklists.userBlock).toEqual(['||ads.example^']);
    expect(settings.proxy).toMatchObject({ port: 8899, listen: '127.0.0.1', allowTrace: false });
    expect(settings.cache.maxSizeMb).toBe(256);
    expect(notices.map((n) => n.message)).toEqual([
      'Settings file: proxy.port is invalid (Port must be a whole number from 0 to 65535); using the default, 8899.',
      expect.stringMatching(
        /^Settings file: proxy.listen is invalid \(Listen address must be an IP address.*using the default, "127.0.0.1"\.$/,
      ),
      'Settings file: cache.maxSizeMb is invalid (Cache size limit (MB) must be a number from 0 to 65536); using the default, 256.',
      expect.stringMatching(
        /^Every other setting in .* is in use; the file as it was is kept as .*config\.json\.corrupt-/,
      ),
    ]);
    const aside = (await readdir(dir)).filter((n) => n.startsWith('config.json.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(await readFile(join(dir, aside[0]!), 'utf8')).toBe(written);
    expect((await json(path)).privacy.profile).toBe('strict');
    expect((await createFileStore(path).load()).notices).toEqual([]);
  });

  it('starts on defaults when the backup is bad too', async () => {
    await writeFile(path, '{"proxy": {"port": ');
    await writeFile(`${path}.bak`, 'also broken');
    const { settings, notices } = await createFileStore(path).load();
    expect(settings).toEqual(defaultSettings());
    expect(notices[0]).toMatchObject({ level: 'warning', code: 'SETTINGS_RESET' });
    expect((await readdir(dir)).some((n) => n.startsWith('config.json.corrupt-'))).toBe(true);
  });

  it('refuses a file from a newer Veil without overwriting it', async () => {
    await writeFile(path, JSON.stringify({ version: SETTINGS_VERSION + 1, future: true }));
    const { notices } = await createFileStore(path).load();
    expect(notices[0]!.message).toMatch(/newer Veil/);
    const aside = (await readdir(dir)).find((n) => n.startsWith('config.json.corrupt-'))!;
    expect((await json(join(dir, aside))).future).toBe(true);
  });

  it('leaves the old file whole when the process dies between write and rename', async () => {
    const storeModule = fileURLToPath(new URL('../../dist/proxy-core/src/control/settings-store.js', import.meta.url));
    if (!existsSync(storeModule)) throw new Error(`${storeModule} is missing: run \`npx tsc -b\` first.`);
    await saveTwice(9002);
    const before = await readFile(path, 'utf8');
    const script = fileURLToPath(new URL('./fixtures/crash-during-save.mjs', import.meta.url));
    const outcome = await new Promise<{ signal: string | null; stdout: string }>((resolve) => {
      execFile(process.execPath, [script, storeModule, path, '9555'], (err, stdout) =>
        resolve({ signal: (err as { signal?: string } | null)?.signal ?? null, stdout }),
      );
    });
    expect(outcome.signal).toBe('SIGKILL');
    expect(outcome.stdout).not.toContain('saved');
    // the temp file was fully written (it holds the new port), and the real file is untouched
    const tmp = outcome.stdout.match(/^tmp (.+)$/m)![1]!;
    expect(JSON.parse(await readFile(tmp, 'utf8')).proxy.port).toBe(9555);
    expect(await readFile(path, 'utf8')).toBe(before);
    const { settings, notices } = await createFileStore(path).load();
    expect(settings.proxy.port).toBe(9002);
    expect(notices).toEqual([]);
  });

  it('serializes concurrent saves: the file is whole and holds the last one', async () => {
    const store = createFileStore(path);
    const { settings } = await store.load();
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        store.save({ ...settings, traffic: { ...settings.traffic, bufferSize: 1000 + i } }),
      ),
    );
    expect((await json(path)).traffic.bufferSize).toBe(1024);
    expect((await json(`${path}.bak`)).traffic.bufferSize).toBe(1023);
  });

  it('loses no concurrent update made through the service', async () => {
    const service = createService({ store: createFileStore(path), dataDir: dir, features: [] });
    await expect(service.invoke('settings.get')).rejects.toThrow(/not started/);
    await writeFile(path, serialize({ ...defaultSettings(), proxy: { ...defaultSettings().proxy, enabled: false } }));
    await service.start();
    const results = await Promise.all([
      service.invoke('settings.update', { patch: { cache: { maxSizeMb: 12 } } }),
      service.invoke('settings.update', { patch: { audit: { keep: 3 } } }),
      service.invoke('settings.update', { patch: { traffic: { bufferSize: 500 } } }),
      service.invoke('settings.update', { patch: { privacy: { profile: 'strict' } } }),
      service.invoke('settings.update', { patch: { proxy: { port: 'nope' } } }),
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true, false]);
    const onDisk = await json(path);
    expect(onDisk.cache.maxSizeMb).toBe(12);
    expect(onDisk.audit.keep).toBe(3);
    expect(onDisk.traffic.bufferSize).toBe(500);
    expect(onDisk.privacy.profile).toBe('strict');
    expect(onDisk).toEqual(JSON.parse(JSON.stringify(service.settings)));
    await service.shutdown();
  });
});

describe('settings version 3: audit header values redacted by default', () => {
  const v2Audit = {
    enabled: false,
    path: null,
    maxSizeMb: 50,
    maxAgeDays: 7,
    keep: 10,
    redactQuery: false,
    redactHeaderValues: false,
  };

  it('turns redaction on where the v2 audit section was never touched', async () => {
    await writeFile(path, JSON.stringify({ version: 2, audit: v2Audit }));
    const { settings } = await createFileStore(path).load();
    expect(settings.version).toBe(3);
    expect(settings.audit.redactHeaderValues).toBe(true);
    expect(defaultSettings().audit.redactHeaderValues).toBe(true);
  });

  it("keeps a user's choice: an audit section they changed keeps its redaction setting", async () => {
    await writeFile(path, JSON.stringify({ version: 2, audit: { ...v2Audit, enabled: true } }));
    const { settings } = await createFileStore(path).load();
    expect(settings.audit).toMatchObject({ enabled: true, redactHeaderValues: false });
    // and the file as migrated says so, for the next start
    expect((await json(path)).audit.redactHeaderValues).toBe(false);
  });
});

describe('file modes', () => {
  const mode = async (p: string) => (await stat(p)).mode & 0o777;

  it.skipIf(process.platform === 'win32')('writes the settings and their backup 0600 in a 0700 directory', async () => {
    const nested = join(dir, 'fresh', 'veil', 'config.json');
    const store = createFileStore(nested);
    const { settings } = await store.load();
    await store.save({ ...settings, proxy: { ...settings.proxy, proxyAuth: 'alice:secret' } });
    await store.save({ ...settings, proxy: { ...settings.proxy, proxyAuth: 'alice:other' } });
    expect(await mode(dirname(nested))).toBe(0o700);
    expect(await mode(nested)).toBe(0o600);
    expect(await mode(`${nested}.bak`)).toBe(0o600);
    // a file an older Veil left readable by others is tightened on the next save
    await chmod(nested, 0o644);
    await store.save(settings);
    expect(await mode(nested)).toBe(0o600);
  });
});
