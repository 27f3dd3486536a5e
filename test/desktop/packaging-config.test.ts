import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Ajv } from 'ajv';
import type { Configuration } from 'electron-builder';
import { minimatch } from 'minimatch';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './shell-harness.js';

// build/electron-builder.yml, checked where the Electron binary cannot be downloaded: a broken packaging
// configuration fails here, not on a release machine.

const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(text: string): unknown };
const fuses = require('@electron/fuses') as typeof import('@electron/fuses');

/** Electron's fuse wire, as it sits in the executable: this sentinel, the wire version, its length, '0'/'1' per fuse. */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const FUSE_ON = '1'.charCodeAt(0);
const FUSE_OFF = '0'.charCodeAt(0);

let config: Configuration;
beforeAll(() => {
  config = yaml.load(readFileSync(join(ROOT, 'build', 'electron-builder.yml'), 'utf8')) as Configuration;
});

/** Every file under `dir` (relative to ROOT), if it exists. */
function walk(dir: string): string[] {
  if (!existsSync(join(ROOT, dir))) return [];
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

/**
 * What could sit in the project folder when electron-builder runs: the repository's files, whatever is
 * built now, and what tsc and vite emit for every source (so the answer does not depend on the build state).
 */
function candidates(): string[] {
  const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
  const emitted = tracked.flatMap((f) => {
    const m = /^(proxy-core|electron|bench|test|renderer)\/(.+)\.(ts|tsx|cts)$/.exec(f);
    if (!m || f.endsWith('.d.ts')) return [];
    const [, area, rest, ext] = m;
    const js = ext === 'cts' ? 'cjs' : 'js';
    const base =
      area === 'test' || area === 'renderer' ? `dist/.tsbuild/${area}-types/${area}/${rest}` : `dist/${area}/${rest}`;
    return [`${base}.${js}`, `${base}.${js}.map`, `${base}.d.${ext === 'cts' ? 'cts' : 'ts'}`];
  });
  const vite = [
    'dist/renderer/index.html',
    'dist/renderer/assets/index-abc.js',
    'dist/renderer/assets/index-abc.js.map',
  ];
  return [...new Set([...tracked, ...walk('dist'), ...emitted, ...vite])];
}

/** electron-builder's `files`: patterns in order, the last one matching a file decides (`!` excludes). */
function packaged(patterns: string[], files: string[]): string[] {
  return files.filter((file) => {
    let included = false;
    for (const p of patterns) {
      const negated = p.startsWith('!');
      if (minimatch(file, negated ? p.slice(1) : p, { dot: true })) included = !negated;
    }
    return included;
  });
}

describe('build/electron-builder.yml', () => {
  it("is valid against electron-builder's own configuration schema", () => {
    const schema = JSON.parse(readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8')) as object;
    // The options electron-builder validates with (app-builder-lib/out/util/config/schemaValidator.js).
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    expect(validate(config), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it('names the app and builds AppImage and deb, dmg, and an NSIS installer, all marked unsigned', () => {
    expect(config.appId).toBe('org.veil.desktop');
    expect(config.productName).toBe('Veil');
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
    expect(config.linux?.executableName).toBe('veil');
    expect(config.mac?.target).toBe('dmg');
    expect(config.win?.target).toBe('nsis');
    expect(config.asar).toBe(true);
    for (const name of [config.artifactName, config.dmg?.artifactName, config.nsis?.artifactName]) {
      expect(name).toMatch(/-unsigned\.\$\{ext\}$/);
    }
  });

  it('packages the compiled app and the built UI, and no tests, benches, sources or source maps', () => {
    const files = packaged(config.files as string[], candidates());
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main: string };
    for (const needed of [
      'package.json',
      pkg.main,
      'dist/electron/shell.js',
      'dist/electron/preload.cjs',
      'dist/proxy-core/src/system/watchdog.js',
      'dist/renderer/index.html',
      'dist/renderer/assets/index-abc.js',
    ]) {
      expect(files, needed).toContain(needed);
    }
    // Everything the app's code imports at run time comes along.
    const sources = execFileSync('git', ['ls-files', 'electron', 'proxy-core/src'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter((f) => /\.c?ts$/.test(f) && !f.endsWith('.d.ts') && !f.endsWith('tsconfig.json'));
    for (const src of sources) expect(files).toContain(`dist/${src.replace(/\.ts$/, '.js').replace(/\.cts$/, '.cjs')}`);
    const unwanted = files.filter(
      (f) =>
        /(^|\/)(test|bench|\.tsbuild)\//.test(f) || /\.(map|tsx?|cts)$/.test(f) || /^(build|docs|renderer)\//.test(f),
    );
    expect(unwanted).toEqual([]);
  });

  it('ships the tray icons where the packaged app looks for them (resources/tray)', () => {
    const extra = config.extraResources as Array<{ from: string; to: string }>;
    expect(extra).toContainEqual({ from: 'build/icons/tray', to: 'tray' });
    for (const state of ['on', 'off', 'error']) {
      for (const variant of ['', '@2x', 'Template', 'Template@2x']) {
        expect(existsSync(join(ROOT, 'build', 'icons', 'tray', `tray-${state}${variant}.png`))).toBe(true);
      }
    }
  });

  it('afterPack flips the release fuses in the packaged executable', async () => {
    expect(config.afterPack).toBe('build/after-pack.cjs');
    const afterPack = require(join(ROOT, config.afterPack as string)) as (context: unknown) => Promise<void>;
    const wanted = require(join(ROOT, 'build', 'fuses.cjs')) as Record<number, boolean>;
    const out = mkdtempSync(join(tmpdir(), 'veil-afterpack-'));
    try {
      for (const [platform, file] of [
        ['linux', 'veil'],
        ['win32', 'Veil.exe'],
      ] as const) {
        // An executable with Electron's fuse wire: the sentinel, wire version 1, eight fuses, all on.
        const exe = [Buffer.from('\x7fELF'), Buffer.from(FUSE_SENTINEL), Buffer.from([1, 8]), Buffer.from('11111111')];
        writeFileSync(join(out, file), Buffer.concat([...exe, Buffer.from('rest of the binary')]));
        const context = {
          appOutDir: out,
          electronPlatformName: platform,
          packager: { executableName: config.linux?.executableName, appInfo: { productFilename: config.productName } },
        };
        await afterPack(context);
        const now = (await fuses.getCurrentFuseWire(join(out, file))) as unknown as Record<number, number>;
        for (const [option, on] of Object.entries(wanted)) {
          if (option === 'version') continue;
          expect(now[Number(option)], `${platform}: ${fuses.FuseV1Options[Number(option)]}`).toBe(
            on ? FUSE_ON : FUSE_OFF,
          );
        }
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
