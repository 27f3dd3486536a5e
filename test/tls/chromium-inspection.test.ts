import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InspectingVeil, startInspectingVeil } from './helpers/inspecting-veil.js';
import { serverCert, testCa } from './helpers/test-pki.js';
import { startTlsOrigin, type TlsOrigin } from './helpers/tls-origin.js';

const CHROMIUM = '/usr/bin/chromium';
const CLI = join(import.meta.dirname, '../../dist/proxy-core/src/cli.js');
const haveChromium = existsSync(CHROMIUM);
const haveCertutil = spawnSync('certutil', ['--help']).error === undefined;
if (!haveChromium)
  console.warn(`skipping the Chromium inspection test: ${CHROMIUM} is absent (apt-get install chromium)`);
if (!haveCertutil)
  console.warn('skipping the Chromium inspection test: certutil is absent (apt-get install libnss3-tools)');

describe.skipIf(!haveChromium || !haveCertutil)('Chromium through an inspecting Veil', () => {
  let origin: TlsOrigin;
  let veil: InspectingVeil;
  let browser: Browser;
  let home: string;

  beforeAll(async () => {
    const pki = await testCa();
    origin = await startTlsOrigin({ ...(await serverCert(pki, '127.0.0.1')), h1Only: true });
    veil = await startInspectingVeil(pki.certPem, {}, {}, [origin.port]);
    // a temporary NSS database in a temporary HOME, Veil's CA put there by `veil ca install`
    home = mkdtempSync(join(tmpdir(), 'veil-chromium-home-'));
    const db = join(home, '.pki', 'nssdb');
    mkdirSync(db, { recursive: true });
    execFileSync('certutil', ['-N', '-d', `sql:${db}`, '--empty-password']);
    const configDir = dirname(dirname(veil.caFile));
    execFileSync(process.execPath, [CLI, 'ca', 'install', '--config', join(configDir, 'config.json')], {
      env: { ...process.env, HOME: home },
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      env: { ...process.env, HOME: home },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        `--proxy-server=http://127.0.0.1:${veil.port}`,
        '--proxy-bypass-list=<-loopback>',
      ],
    });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await veil?.stop();
    await origin?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('trusts Veil’s leaf and its request arrives scrubbed, recorded as inspected', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`https://127.0.0.1:${origin.port}/from-chromium`);
    expect(response?.status()).toBe(200);
    const seen = JSON.parse((await page.textContent('body')) ?? '{}') as { rawHeaders: Array<[string, string]> };
    const header = (n: string): string | undefined => seen.rawHeaders.find(([k]) => k.toLowerCase() === n)?.[1];
    expect(header('sec-ch-ua')).toBeUndefined();
    expect(header('sec-gpc')).toBe('1');
    expect(header('user-agent')).not.toMatch(/HeadlessChrome/);
    const security = await response!.securityDetails();
    expect(security?.issuer).toBe('Veil local inspection CA');
    await page.close();
    const rec = await veil.record((r) => r.url === `https://127.0.0.1:${origin.port}/from-chromium`);
    expect(rec.via).toBe('tls');
    expect(rec.receipt.length).toBeGreaterThan(0);
  }, 60_000);
});
