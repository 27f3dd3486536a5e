import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { type ElectronApplication, expect, type Page, test } from '@playwright/test';
import type { VeilDesktopApi } from '../../electron/bridge-types.js';
import { commandArgs, eventNames } from '../../proxy-core/src/control/contract.js';
import { binary, freshHome, launchVeil, ROOT, SKIP_REASON, type VeilProbes, veilEnv } from './electron-launch.js';

if (!binary) console.log(`[electron suite] skipped: ${SKIP_REASON}`);

type VeilWindow = { veil: VeilDesktopApi };

test.describe('desktop app (Playwright _electron)', () => {
  test.skip(!binary, SKIP_REASON);

  let app: ElectronApplication;
  let page: Page;
  let home: string;

  test.beforeAll(async () => {
    home = freshHome();
    app = await launchVeil(veilEnv(home));
    page = await app.firstWindow();
  });

  test.afterAll(async () => {
    await app?.close();
    rmSync(home, { recursive: true, force: true });
  });

  test('the window shows the UI from the app origin', async () => {
    await page.waitForLoadState('domcontentloaded');
    expect(page.url()).toMatch(/^veil-app:\/\/ui\//);
    await expect(page.locator('#root')).not.toBeEmpty();
  });

  test('the preload exposes the contract as named typed functions that work', async () => {
    const shape = await page.evaluate(() => {
      const veil = (window as unknown as VeilWindow).veil;
      return {
        get: typeof veil.status.get,
        enable: typeof veil.system.enable,
        onStatus: typeof veil.onStatus,
        require: typeof (window as unknown as { require?: unknown }).require,
        process: typeof (window as unknown as { process?: unknown }).process,
      };
    });
    expect(shape).toEqual({
      get: 'function',
      enable: 'function',
      onStatus: 'function',
      require: 'undefined',
      process: 'undefined',
    });
    const status = await page.evaluate(() => (window as unknown as VeilWindow).veil.status.get());
    expect(status.running).toBe(true);
    expect(status.listening?.port).toBeGreaterThan(0);
  });

  test('IPC rejects a bad payload', async () => {
    const code = await page.evaluate(() =>
      (window as unknown as VeilWindow).veil.settings.update({ patch: 'nope' } as never).then(
        () => 'accepted',
        (e: { code?: string }) => e.code,
      ),
    );
    expect(code).toBe('E_INVALID_ARGS');
  });

  test('IPC rejects a foreign sender, even one with the preload', async () => {
    const names = Buffer.from(JSON.stringify({ commands: Object.keys(commandArgs), events: eventNames })).toString(
      'base64',
    );
    const preload = join(ROOT, 'dist', 'electron', 'preload.cjs');
    await app.evaluate(
      async ({ BrowserWindow }, { preload, names }) => {
        const w = new BrowserWindow({
          show: false,
          webPreferences: {
            preload,
            sandbox: true,
            contextIsolation: true,
            additionalArguments: [`--veil-contract=${names}`],
          },
        });
        await w.loadURL('data:text/html,<title>foreign</title><p>foreign page</p>');
      },
      { preload, names },
    );
    const foreign = app.windows().find((w) => w.url().startsWith('data:'));
    expect(foreign).toBeDefined();
    const code = await foreign!.evaluate(() =>
      (window as unknown as VeilWindow).veil.status.get().then(
        () => 'answered',
        (e: { code?: string }) => e.code,
      ),
    );
    expect(code).toBe('E_FORBIDDEN');
  });

  test('new windows are denied (and http links are not handed to the browser)', async () => {
    const opened = await page.evaluate(() => window.open('http://example.com/') === null);
    expect(opened).toBe(true);
    expect(app.windows().some((w) => w.url().startsWith('http://example.com'))).toBe(false);
    expect(page.url()).toMatch(/^veil-app:\/\/ui\//);
  });

  test('the tray exists with its menu', async () => {
    const tray = await app.evaluate(() => {
      const probe = (globalThis as unknown as { veilE2E: VeilProbes }).veilE2E;
      return { alive: probe.trayAlive(), labels: probe.trayMenuLabels() };
    });
    expect(tray.alive).toBe(true);
    expect(tray.labels).toEqual(
      expect.arrayContaining(['Veil on', 'Use as system proxy', 'Profile', 'Open Veil', 'Quit Veil']),
    );
  });
});
