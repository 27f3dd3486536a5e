import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDiskStore } from '../../proxy-core/src/cache/disk-store.js';
import { sha256 } from '../../proxy-core/src/cache/entry-file.js';
import type { CacheStore } from '../../proxy-core/src/cache/stored-entry.js';
import { type Origin, send, startOrigin, startVeil, type Veil, viaVeil } from './cache-harness.js';

let dir: string;
let origin: Origin;
let veil: Veil | undefined;
let store: CacheStore | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'veil-cache-'));
  origin = await startOrigin((req, res) => {
    res.writeHead(200, { 'Cache-Control': 'max-age=600', 'Content-Type': 'text/plain' });
    res.end(`${req.url} `.repeat(1000));
  });
});

afterEach(async () => {
  await veil?.close();
  await store?.close();
  veil = undefined;
  store = undefined;
  await origin.close();
  await rm(dir, { recursive: true, force: true });
});

/** Starts Veil on a disk store over `dir` (a "process start"). */
async function start(): Promise<Veil> {
  store = await openDiskStore(dir, 64 * 1024 * 1024);
  veil = await startVeil({ store });
  return veil;
}

async function restart(): Promise<Veil> {
  await veil?.cache.flush();
  await veil?.close();
  await store?.close();
  return start();
}

async function entryFiles(): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.endsWith('.entry')).sort();
}

describe('disk store', () => {
  it('serves what it stored before a restart', async () => {
    await start();
    const url = `${origin.base}/kept`;
    const first = await viaVeil(veil!, url);
    expect(first.record.cache).toBe('miss');
    await restart();
    const after = await viaVeil(veil!, url);
    expect(after.record.cache).toBe('hit');
    expect(after.body).toBe(first.body);
    expect(origin.hits).toBe(1);
  });

  it('drops the entries an older Veil wrote (format 1) at start instead of misreading them', async () => {
    const body = Buffer.from('old body');
    const head = {
      v: 1,
      sha256: sha256(body),
      entry: { key: 'http://x/', url: 'http://x/', bodyLength: body.length, headers: [] },
    };
    await writeFile(join(dir, 'old.entry'), Buffer.concat([Buffer.from(`${JSON.stringify(head)}\n`), body]));
    store = await openDiskStore(dir, 1024 * 1024);
    expect(store.entries).toBe(0);
    expect(await entryFiles()).toEqual([]);
  });

  it('collapses concurrent misses while the entry is still being written to disk', async () => {
    await start();
    const url = `${origin.base}/together`;
    const replies = await Promise.all(Array.from({ length: 8 }, () => send(veil!.port, url)));
    expect(new Set(replies.map((r) => r.body)).size).toBe(1);
    expect(origin.hits).toBe(1);
  });

  it('never serves a partial or damaged entry after a crash', async () => {
    await start();
    const [good, short, flipped] = ['good', 'short', 'flipped'].map((n) => `${origin.base}/${n}`) as [
      string,
      string,
      string,
    ];
    const bodies: string[] = [];
    for (const u of [good, short, flipped]) bodies.push((await viaVeil(veil!, u)).body);
    await veil!.cache.flush();
    await veil!.close();
    await store!.close();
    veil = undefined;

    const files = await entryFiles();
    expect(files).toHaveLength(3);
    const byUrl = new Map<string, string>();
    for (const f of files) {
      const text = await readFile(join(dir, f), 'utf8');
      byUrl.set(JSON.parse(text.slice(0, text.indexOf('\n'))).entry.url, f);
    }
    // what a crash can leave: a temporary file written halfway, a truncated entry, a body with damaged bytes
    await writeFile(join(dir, `${byUrl.get(good)}.3f2a9c1b`), '{"v":1,"sha256":"');
    await truncate(join(dir, byUrl.get(short)!), 500);
    const damaged = await readFile(join(dir, byUrl.get(flipped)!));
    damaged.writeUInt8(damaged.readUInt8(damaged.length - 10) ^ 0xff, damaged.length - 10);
    await writeFile(join(dir, byUrl.get(flipped)!), damaged);

    await start();
    expect(await readdir(dir)).not.toContain(`${byUrl.get(good)}.3f2a9c1b`);
    expect(await readdir(dir)).not.toContain(byUrl.get(short));
    const hit = await viaVeil(veil!, good);
    expect(hit.record.cache).toBe('hit');
    expect(hit.body).toBe(bodies[0]);
    for (const [i, u] of [short, flipped].entries()) {
      const r = await viaVeil(veil!, u);
      expect(r.record.cache).toBe('miss');
      expect(r.body).toBe(bodies[i + 1]);
    }
    expect(origin.hits).toBe(5);
  });

  it('keeps the newest entries within its size after a restart with a smaller limit', async () => {
    await start();
    for (const n of ['one', 'two', 'three']) {
      await viaVeil(veil!, `${origin.base}/${n}`);
      await veil!.cache.flush();
    }
    await veil!.close();
    await store!.close();
    store = await openDiskStore(dir, 14_000);
    expect(store.entries).toBe(2);
    expect(await entryFiles()).toHaveLength(2);
    expect(store.variants(`${origin.base}/one`)).toHaveLength(0);
    expect(store.variants(`${origin.base}/three`)).toHaveLength(1);
  });

  const compiled = resolve('dist/proxy-core/src/cache/disk-store.js');
  const haveBuild = existsSync(compiled);
  if (!haveBuild) console.warn(`skipping the kill -9 test: ${compiled} is missing (run npx tsc -b first)`);

  it.skipIf(!haveBuild)(
    'survives a process killed (SIGKILL) in the middle of writing entries',
    async () => {
      const script = `
      import { openDiskStore } from ${JSON.stringify(pathToFileURL(compiled).href)};
      const store = await openDiskStore(process.argv[1], 1024 * 1024 * 1024);
      for (let i = 0; ; i++) {
        const body = Buffer.alloc(4 * 1024 * 1024, i % 251);
        const entry = { key: 'http://x/' + i, url: 'http://x/' + i, host: 'x', vary: [], status: 200,
          statusMessage: 'OK', headers: ['X-I', String(i)], requestTime: i, responseTime: i, bodyLength: body.length, storedAt: i };
        await store.put(entry, body);
        process.stdout.write('stored ' + i + '\\n');
      }`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script, dir], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolveStored, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('stored 3\n')) resolveStored();
        });
        child.once('exit', (code) => reject(new Error(`writer exited early (${code})`)));
      });
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));

      store = await openDiskStore(dir, 1024 * 1024 * 1024);
      expect(store.entries).toBeGreaterThanOrEqual(4);
      for (const name of await readdir(dir)) expect(name.endsWith('.entry')).toBe(true);
      for (let i = 0; i < store.entries; i++) {
        const [entry] = store.variants(`http://x/${i}`);
        expect(entry).toBeDefined();
        const body = await store.body(entry!);
        expect(body?.length).toBe(4 * 1024 * 1024);
        expect(body?.every((b) => b === i % 251)).toBe(true);
      }
    },
    60_000,
  );
});
