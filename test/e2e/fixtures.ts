import { test as base, expect, type Page } from '@playwright/test';
import { type EchoOrigin, startEchoOrigin, startVeil, type VeilProcess } from './veil-process.js';

interface Fixtures {
  echo: EchoOrigin;
  veil: VeilProcess;
  /** The UI open in Chromium, connected. */
  ui: Page;
}

/** Each test gets its own `veil serve --ui`, its own echo origin, and the UI open on Home. */
export const test = base.extend<Fixtures>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright's fixture signature
  echo: async ({}, use) => {
    const echo = await startEchoOrigin();
    await use(echo);
    await echo.close();
  },
  // biome-ignore lint/correctness/noEmptyPattern: Playwright's fixture signature
  veil: async ({}, use) => {
    // The echo origin lives on loopback, which Veil refuses by default (SSRF guard).
    const veil = await startVeil({ proxy: { allowLoopbackAndLinkLocal: true } });
    await use(veil);
    await veil.stop();
  },
  ui: async ({ page, veil }, use) => {
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    await page.goto(veil.uiUrl);
    await expect(page.getByRole('heading', { name: /Veil is (on|off)/ })).toBeVisible();
    await use(page);
    expect(problems, 'the page logged no errors').toEqual([]);
  },
});

export { expect };

/** Opens a screen from the sidebar. */
export async function openScreen(page: Page, name: 'Home' | 'Traffic' | 'Blocklists' | 'Privacy' | 'Settings') {
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name, exact: true }).click();
}

/** The traffic table's body rows. */
export function trafficRows(page: Page) {
  return page.locator('.tscroll tbody tr');
}
