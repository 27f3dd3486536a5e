import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseServeArgs } from '../../proxy-core/src/cli/serve-args.js';
import { createCaStore } from '../../proxy-core/src/tls/ca-store.js';
import { InspectorHolder } from '../../proxy-core/src/tls/create-inspector.js';
import { inspectionSettings } from '../../proxy-core/src/tls/inspection-settings.js';
import { testCa } from './helpers/test-pki.js';

const CLI = join(import.meta.dirname, '../../dist/proxy-core/src/cli.js');
const dirs: string[] = [];
const temp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'veil-inspect-flags-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('veil serve inspection flags', () => {
  it('--inspect turns inspection.enabled on for the run; --no-inspect and --upstream-ca add to the settings', () => {
    const args = parseServeArgs([
      '--inspect',
      '--no-inspect',
      'bank.test',
      '--no-inspect',
      '*.corp.test',
      '--upstream-ca',
      'ca.pem',
    ]);
    expect(args.overrides.inspection).toEqual({ enabled: true });
    expect(args.inspection).toEqual({ exclude: ['bank.test', '*.corp.test'], extraCa: [resolve('ca.pem')] });
    expect(parseServeArgs([]).overrides.inspection).toBeUndefined();
  });

  it('refuses a pattern that is not a host, naming the form', () => {
    expect(() => parseServeArgs(['--no-inspect', 'https://x.test/'])).toThrow(
      /--no-inspect takes a host name like example.com/,
    );
  });

  it('refuses an unreadable --upstream-ca file with the fix, exit 2', () => {
    const dir = temp();
    const r = spawnSync(
      process.execPath,
      [CLI, 'serve', '--port', '0', '--config', join(dir, 'config.json'), '--upstream-ca', join(dir, 'nope.pem')],
      { encoding: 'utf8', env: { ...process.env, XDG_CONFIG_HOME: dir } },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--upstream-ca: Cannot read the CA file');
  });
});

describe('the inspector the feature keeps', () => {
  it('is null while off; on, it creates the CA on first need and includes run exclusions', async () => {
    const dir = temp();
    const holder = new InspectorHolder(dir, { exclude: ['run.test'] });
    expect(await holder.apply(inspectionSettings.parse({}))).toBeNull();
    expect(await createCaStore(dir).existing()).toBeNull();
    const inspector = await holder.apply(inspectionSettings.parse({ enabled: true, exclude: [] }));
    expect(await createCaStore(dir).existing()).not.toBeNull();
    expect(inspector!.scope.decide('run.test')).toMatchObject({ inspect: false, reason: 'excluded' });
    expect(inspector!.scope.decide('news.test')).toEqual({ inspect: true });
  });

  it('keeps minted leaves across settings changes, and purges them when the CA was regenerated', async () => {
    const dir = temp();
    const holder = new InspectorHolder(dir);
    const on = inspectionSettings.parse({ enabled: true });
    const first = (await holder.apply(on))!;
    await first.issuer.issue('a.test');
    const second = (await holder.apply({ ...on, exclude: [] }))!;
    expect(second.issuer.size).toBe(1);
    await createCaStore(dir).regenerate();
    const third = (await holder.apply(on))!;
    expect(third.issuer.size).toBe(0);
  });

  it('trusts extra origin CAs but never Veil’s own, even when a file lists it', async () => {
    const dir = temp();
    const holder = new InspectorHolder(dir);
    const veil = await createCaStore(dir).load();
    const extra = await testCa();
    const file = join(dir, 'extra.pem');
    writeFileSync(file, extra.certPem + veil.certPem);
    const inspector = (await holder.apply(inspectionSettings.parse({ enabled: true, extraCa: [file] })))!;
    expect(inspector.origins.anchors).toContain(extra.certPem.trim());
    expect(inspector.origins.anchors.some((a) => a.includes(veil.certPem.trim().split('\n')[1]!))).toBe(false);
  });
});
