import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSelfTest } from '../../proxy-core/src/control/self-test/run-self-test.js';
import {
  CHECK_IDS,
  SELFTEST_JSON_SCHEMA,
  type SelfTestReport,
} from '../../proxy-core/src/control/self-test/self-test-report.js';
import { environmentCheck } from '../../proxy-core/src/control/self-test/setup-checks.js';
import { defaultSettings, settingsSchema } from '../../proxy-core/src/control/settings-schema.js';
import { resolverCert, startDohServer, type TestResolver } from '../dns/resolver-servers.js';
import { startVeil } from '../privacy/harness.js';

const CLI = join(import.meta.dirname, '../../dist/proxy-core/src/cli.js');

function selftest(
  config: object,
  ...args: string[]
): { code: number | null; stdout: string; stderr: string; ms: number } {
  const dir = mkdtempSync(join(tmpdir(), 'veil-selftest-cli-'));
  try {
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    const t0 = Date.now();
    // no proxy variables from the machine running the tests: the environment check reads them
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: dir };
    for (const v of [
      'HTTP_PROXY',
      'HTTPS_PROXY',
      'ALL_PROXY',
      'http_proxy',
      'https_proxy',
      'all_proxy',
      'NO_PROXY',
      'no_proxy',
    ])
      delete env[v];
    const r = spawnSync(process.execPath, [CLI, 'selftest', '--config', join(dir, 'config.json'), ...args], {
      env,
      encoding: 'utf8',
      timeout: 20_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t0 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const validate = new Ajv2020({ strict: true, allErrors: true });
addFormats(validate as never);
const isReport = validate.compile(SELFTEST_JSON_SCHEMA);

describe('veil selftest', () => {
  it('passes on a default install in under 5 s: nothing fails, exit 0, a line per check', () => {
    const r = selftest({}, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.ms).toBeLessThan(5000);
    const report = JSON.parse(r.stdout) as SelfTestReport;
    expect(isReport(report), JSON.stringify(isReport.errors)).toBe(true);
    expect(report.checks.map((c) => c.id)).toEqual([...CHECK_IDS]);
    expect(report.counts.fail).toBe(0);
    // what a default install cannot pass yet, said as a warning: cleartext system DNS, HTTPS not inspected
    expect(report.checks.filter((c) => c.status === 'warn').map((c) => c.id)).toEqual(['https', 'dns']);
    const text = selftest({});
    expect(text.code).toBe(0);
    expect(text.stdout.trim().split('\n')).toHaveLength(CHECK_IDS.length + 1);
    expect(text.stdout).toMatch(/^PASS {2}forwarding-headers {2}/m);
  }, 30_000);

  it('a profile that passes X-Forwarded-For fails, naming it, with exit code 1', () => {
    const leaky = { id: 'leaky', name: 'Leaky', removeForwardingHeaders: false };
    const r = selftest({ privacy: { profile: 'leaky', customProfiles: [leaky] } });
    expect(r.code).toBe(1);
    const line = r.stdout.split('\n').find((l) => l.includes('forwarding-headers'));
    expect(line).toMatch(/^FAIL {2}forwarding-headers {2}X-Forwarded-For.*reached the site \(profile leaky\)/);
    expect(r.stdout).toMatch(/^PASS {2}user-agent/m);
  }, 30_000);

  it('bad flags: a message with the fix and exit code 2', () => {
    const r = selftest({}, '--jsn');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('veil selftest --help');
  });

  it('the JSON schema is stable (a change here is a new version)', () => {
    expect(SELFTEST_JSON_SCHEMA).toMatchSnapshot();
  });
});

describe('self-test checks', () => {
  let doh: TestResolver;
  beforeAll(async () => {
    doh = await startDohServer({ 'example.com': { A: ['127.0.0.1'] } });
  });
  afterAll(async () => {
    await doh.close();
  });

  const dataDir = tmpdir();

  it('the DNS path: private passes when a resolver answers, fails when none does (strict), warns with fallback', async () => {
    const s = settingsSchema.parse({
      dns: { servers: [{ url: doh.url, bootstrap: ['127.0.0.1'] }], ca: resolverCert().caFile },
    });
    const ok = await runSelfTest(s, { dataDir, env: {} });
    expect(ok.checks.find((c) => c.id === 'dns')).toMatchObject({ status: 'pass' });
    const dead = {
      ...s,
      dns: { ...s.dns, servers: [{ url: 'tls://resolver.veil-test:1', bootstrap: ['127.0.0.1'] }] },
    };
    const strict = await runSelfTest(dead, { dataDir, env: {} });
    expect(strict.ok).toBe(false);
    expect(strict.checks.find((c) => c.id === 'dns')?.message).toMatch(/did not answer: direct requests fail with 502/);
    const loose = await runSelfTest({ ...dead, dns: { ...dead.dns, fallback: 'system' } }, { dataDir, env: {} });
    expect(loose.checks.find((c) => c.id === 'dns')?.status).toBe('warn');
    const counted = await runSelfTest(s, {
      dataDir,
      env: {},
      liveDns: { mode: 'private', servers: [], fallbacks: 3, rebindingRefused: 0 },
    });
    expect(counted.checks.find((c) => c.id === 'dns')?.message).toContain('3 lookups fell back');
  }, 30_000);

  it('stays under 5 s when every configured resolver is silent', async () => {
    const held: Socket[] = [];
    const silent = await Promise.all(
      [1, 2, 3, 4].map(async () => {
        const srv = createServer((sock) => held.push(sock));
        await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
        return srv;
      }),
    );
    try {
      const servers = silent.map((srv) => ({
        url: `tls://resolver.veil-test:${(srv.address() as AddressInfo).port}`,
        bootstrap: ['127.0.0.1'],
      }));
      const s = settingsSchema.parse({ dns: { servers, ca: resolverCert().caFile } });
      const t0 = Date.now();
      const r = await runSelfTest(s, { dataDir, env: {} });
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(r.checks.find((c) => c.id === 'dns')?.message).toMatch(
        /did not answer in time|did not accept a connection in time/,
      );
    } finally {
      for (const sock of held) sock.destroy();
      await Promise.all(silent.map((srv) => new Promise<void>((r) => srv.close(() => r()))));
    }
  }, 30_000);

  it('the route: SOCKS with remote names passes, with local names warns', async () => {
    const s = defaultSettings();
    const socks = { ...s, upstream: { ...s.upstream, default: 'socks5h://127.0.0.1:9050' } };
    expect((await runSelfTest(socks, { dataDir, env: {} })).checks.find((c) => c.id === 'route')).toMatchObject({
      status: 'pass',
      message: expect.stringContaining('names sent to the proxy'),
    });
    const local = { ...socks, upstream: { ...socks.upstream, localDns: true } };
    expect((await runSelfTest(local, { dataDir, env: {} })).checks.find((c) => c.id === 'route')?.status).toBe('warn');
  }, 30_000);

  it('HTTP_PROXY pointing past Veil warns; pointing at Veil passes', () => {
    const s = defaultSettings();
    expect(environmentCheck(s, { HTTP_PROXY: 'http://10.1.1.1:3128' })).toMatchObject({ status: 'warn' });
    expect(environmentCheck(s, { http_proxy: `http://127.0.0.1:${s.proxy.port}` })).toMatchObject({ status: 'pass' });
    expect(environmentCheck(s, { HTTP_PROXY: `http://127.0.0.1:${s.proxy.port}`, NO_PROXY: '*' })).toMatchObject({
      status: 'warn',
    });
  });

  it('the audit check: removed values kept on disk warn; not kept or redacted passes', async () => {
    const s = defaultSettings();
    const notKept = await runSelfTest(
      { ...s, audit: { ...s.audit, enabled: true, redactHeaderValues: false } },
      { dataDir, env: {} },
    );
    expect(notKept.checks.find((c) => c.id === 'audit-log')?.status).toBe('pass');
    const plain = await runSelfTest(
      {
        ...s,
        traffic: { ...s.traffic, keepRemovedValues: true },
        audit: { ...s.audit, enabled: true, redactHeaderValues: false },
      },
      { dataDir, env: {} },
    );
    expect(plain.checks.find((c) => c.id === 'audit-log')).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('audit.redactHeaderValues'),
    });
    const redacted = await runSelfTest(
      {
        ...s,
        traffic: { ...s.traffic, keepRemovedValues: true },
        audit: { ...s.audit, enabled: true, redactHeaderValues: true },
      },
      { dataDir, env: {} },
    );
    expect(redacted.checks.find((c) => c.id === 'audit-log')?.status).toBe('pass');
  }, 30_000);

  it('selftest.run answers the same report through the contract (Home)', async () => {
    const v = await startVeil({}, 'all');
    try {
      const report = await v.service.invoke('selftest.run');
      expect(isReport(report), JSON.stringify(isReport.errors)).toBe(true);
      expect(report.checks.map((c) => c.id)).toEqual([...CHECK_IDS]);
      expect(report.checks.find((c) => c.id === 'forwarding-headers')?.status).toBe('pass');
    } finally {
      await v.stop();
    }
  }, 30_000);
});
