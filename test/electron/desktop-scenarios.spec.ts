import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type ElectronApplication, expect, type Page, test } from '@playwright/test';
import type { VeilDesktopApi } from '../../electron/bridge-types.js';
import { binary, freshHome, launchVeil, ROOT, SKIP_REASON, type VeilProbes, veilEnv } from './electron-launch.js';

// The same user-visible scenarios test/desktop/shell-*.test.ts prove on a stand-in, here on the real binary.

type VeilWindow = { veil: VeilDesktopApi };

if (!binary) console.log(`[electron suite] desktop scenarios skipped: ${SKIP_REASON}`);

function hasGsettings(): boolean {
  try {
    execFileSync('gsettings', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const probes = (app: ElectronApplication) => ({
  menu: () => app.evaluate(() => (globalThis as unknown as { veilE2E: VeilProbes }).veilE2E.trayMenu()),
  click: (label: string) =>
    app.evaluate((_e, l) => (globalThis as unknown as { veilE2E: VeilProbes }).veilE2E.clickTrayItem(l), label),
});

const running = (page: Page) =>
  page.evaluate(() => (window as unknown as VeilWindow).veil.status.get().then((s) => s.running));

test.describe('desktop scenarios (Playwright _electron)', () => {
  test.skip(!binary, SKIP_REASON);

  let home: string;
  test.beforeEach(() => {
    home = freshHome();
  });
  test.afterEach(() => {
    rmSync(home, { recursive: true, force: true });
  });

  test("the tray's toggle stops and starts the proxy, and its menu follows", async () => {
    const app = await launchVeil(veilEnv(home));
    try {
      const page = await app.firstWindow();
      const tray = probes(app);
      await expect.poll(() => running(page)).toBe(true);
      await expect.poll(async () => (await tray.menu()).find((i) => i.label === 'Veil on')?.checked).toBe(true);
      await tray.click('Veil on');
      await expect.poll(() => running(page)).toBe(false);
      await expect.poll(async () => (await tray.menu()).find((i) => i.label === 'Veil on')?.checked).toBe(false);
      await tray.click('Veil on');
      await expect.poll(() => running(page)).toBe(true);
    } finally {
      await app.close();
    }
  });

  test('a second launch focuses the running window and exits without starting another engine', async () => {
    const app = await launchVeil(veilEnv(home));
    try {
      await app.firstWindow();
      const uiWindows = () =>
        app.evaluate(({ BrowserWindow }) =>
          BrowserWindow.getAllWindows()
            .filter((w) => w.webContents.getURL().startsWith('veil-app://'))
            .map((w) => ({ visible: w.isVisible() })),
        );
      await expect.poll(async () => (await uiWindows())[0]?.visible).toBe(true);
      await app.evaluate(({ BrowserWindow }) => {
        for (const w of BrowserWindow.getAllWindows()) w.hide();
      });
      await expect.poll(async () => (await uiWindows())[0]?.visible).toBe(false);

      // The same config home is the same userData folder, so the same single-instance lock.
      const second = spawn(binary!, [ROOT], { env: veilEnv(home), stdio: 'ignore' });
      const [code] = (await Promise.race([
        once(second, 'exit'),
        new Promise((_, reject) => setTimeout(() => reject(new Error('the second launch did not exit')), 20_000)),
      ])) as [number | null];
      expect(code).toBe(0);
      await expect.poll(async () => await uiWindows()).toEqual([{ visible: true }]);
    } finally {
      await app.close();
    }
  });

  test('quitting with the system proxy set gives it back before the app exits', async () => {
    test.skip(!hasGsettings(), 'gsettings is not installed (apt-get install libglib2.0-bin)');
    // A private GSettings keyfile under the config home, holding the user's own manual proxy.
    const gs = { ...veilEnv(home), GSETTINGS_BACKEND: 'keyfile', VEIL_SYSTEM_PROXY: 'gnome' };
    const get = (k: string) =>
      execFileSync('gsettings', ['get', ...k.split(' ')], { env: gs, encoding: 'utf8' }).trim();
    const set = (k: string, v: string) => execFileSync('gsettings', ['set', ...k.split(' '), v], { env: gs });
    set('org.gnome.system.proxy.http host', "'corp.example'");
    set('org.gnome.system.proxy.http port', '3128');
    set('org.gnome.system.proxy mode', "'manual'");
    const journal = join(home, 'veil', 'system-proxy.journal.json');

    const app = await launchVeil(gs);
    const page = await app.firstWindow();
    const on = await page.evaluate(() => (window as unknown as VeilWindow).veil.system.enable());
    expect(on.active).toBe(true);
    expect(get('org.gnome.system.proxy mode')).toBe("'auto'");
    expect(existsSync(journal)).toBe(true);

    const exited = once(app.process(), 'exit');
    await app.close();
    await exited;
    expect(get('org.gnome.system.proxy mode')).toBe("'manual'");
    expect(get('org.gnome.system.proxy.http host')).toBe("'corp.example'");
    expect(existsSync(journal)).toBe(false);
  });
});
