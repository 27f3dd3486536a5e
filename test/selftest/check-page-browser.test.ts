import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dnsFeature } from '../../proxy-core/src/control/features/dns-feature.js';
import { type RunningVeil, startVeil } from '../privacy/harness.js';

const CHROMIUM = '/usr/bin/chromium';
const DESKTOP_CHROMIUM_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';
const present = existsSync(CHROMIUM);
if (!present) console.warn(`skipping the veil.invalid page tests: ${CHROMIUM} is absent (apt-get install chromium)`);

interface PageCheck {
  id: string;
  status: string;
  text: string;
}

describe.skipIf(!present)('http://veil.invalid/ in Chromium through Veil', () => {
  let veil: RunningVeil;
  let browser: Browser | null = null;
  beforeAll(async () => {
    veil = await startVeil({ privacy: { profile: 'standard' } }, [dnsFeature]);
  });
  afterAll(async () => {
    await browser?.close();
    await veil?.stop();
  });

  async function openCheckPage(proxyArgs: string[]): Promise<{ headers: string; checks: PageCheck[] }> {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', ...proxyArgs],
    });
    try {
      const page = await browser.newPage();
      await page.goto('http://veil.invalid/');
      await page.waitForSelector('body[data-done="true"]', { timeout: 15_000 });
      const headers = (await page.locator('#headers').textContent()) ?? '';
      const checks = (await page.evaluate('window.veilChecks')) as PageCheck[];
      return { headers, checks };
    } finally {
      await browser.close();
      browser = null;
    }
  }

  it('shows the headers after Veil and reports every canary as coming through Veil', async () => {
    const { headers, checks } = await openCheckPage([
      `--proxy-server=http://127.0.0.1:${veil.port}`,
      '--proxy-bypass-list=<-loopback>',
      // the string a desktop Chromium sends: headless says HeadlessChrome, which Veil reduces to Chrome
      // (the token would single the user out), and scripts would then see the two disagree
      `--user-agent=${DESKTOP_CHROMIUM_UA}`,
    ]);
    // the standard profile keeps the browser's own family and version (Chromium already sends the reduced
    // form), so the header agrees with what scripts read: nothing about the user stands out
    expect(headers).toMatch(/User-Agent\s*Mozilla\/5\.0 \(X11; Linux x86_64\) .*Chrome\/\d+\.0\.0\.0/);
    expect(headers).not.toContain('Windows NT');
    expect(headers).toContain('Sec-GPC');
    const byId = Object.fromEntries(checks.map((c) => [c.id, c]));
    expect(byId.canary?.status).toBe('pass');
    expect(byId['user-agent']?.status).toBe('pass');
    expect(byId['user-agent']?.text).toBe('The JavaScript User-Agent matches the header one.');
    expect(['pass', 'fail']).toContain(byId.webrtc?.status);
    expect(byId['browser-doh']?.status).toBe('pass');
  }, 40_000);

  it('reports a canary as bypassing Veil when a PAC sends it direct', async () => {
    const pac = `function FindProxyForURL(url, host) { if (isPlainHostName(host)) return "DIRECT"; return "PROXY 127.0.0.1:${veil.port}"; }`;
    const { checks } = await openCheckPage([
      `--proxy-pac-url=data:application/x-ns-proxy-autoconfig;base64,${Buffer.from(pac).toString('base64')}`,
      '--proxy-bypass-list=<-loopback>',
    ]);
    const canary = checks.find((c) => c.id === 'canary');
    expect(canary?.status).toBe('fail');
    expect(canary?.text).toMatch(/veilcanary-[0-9a-f]+ bypassed Veil/);
    expect(canary?.text).not.toContain('canary.veil.invalid');
    expect(checks.find((c) => c.id === 'browser-doh')?.status).toBe('warn');
  }, 40_000);
});
