import { mkdir } from 'node:fs/promises';
import { expect, openScreen, test, trafficRows } from './fixtures.js';
import { curlVia, sendMany } from './veil-process.js';

const OUT = 'test-output/screenshots';
const screens = ['Home', 'Traffic', 'Blocklists', 'Privacy', 'Settings'] as const;

test('screenshots of every screen, light and dark', async ({ ui, veil, echo }) => {
  test.setTimeout(180_000);
  await mkdir(OUT, { recursive: true });
  await ui.setViewportSize({ width: 1100, height: 720 });

  // Some traffic worth looking at: pages, a 404 and (when blocklists are built in) a blocked tracker.
  await openScreen(ui, 'Blocklists');
  await ui.getByRole('textbox', { name: 'Block', exact: true }).fill('ads.tracker.test\n||doubleclick.example^');
  await ui.getByRole('button', { name: 'Save rules' }).click();
  // A few seconds of rising traffic so the requests-per-second graph has a shape.
  for (let i = 0; i < 5; i++) {
    await sendMany(veil.proxyUrl, echo.url, 4 + i * 4);
    await ui.waitForTimeout(1100);
  }
  const paths = ['/', '/index.html', '/static/app.js', '/api/profile?id=42', '/images/logo.png', '/missing'];
  for (const [i, path] of paths.entries()) {
    await curlVia(veil.proxyUrl, `${echo.url}${path}`, {
      'X-Forwarded-For': `10.0.0.${i + 2}`,
      'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
      Referer: 'http://news.example/article/123',
      Cookie: 'session=abc123',
    });
  }
  await curlVia(veil.proxyUrl, 'http://ads.tracker.test/pixel.gif');

  for (const scheme of ['light', 'dark'] as const) {
    await ui.emulateMedia({ colorScheme: scheme });
    for (const name of screens) {
      await openScreen(ui, name);
      if (name === 'Traffic') {
        await expect(trafficRows(ui).first()).toBeVisible();
        await trafficRows(ui).filter({ hasText: '/api/profile' }).click();
        await expect(ui.getByRole('complementary', { name: 'Exchange details' })).toBeVisible();
      }
      if (name === 'Home') await expect(ui.getByRole('heading', { name: /Veil is/ })).toBeVisible();
      await ui.screenshot({ path: `${OUT}/${name.toLowerCase()}-${scheme}.png` });
      if (name === 'Traffic') await ui.keyboard.press('Escape');
    }
  }

  // Full HD and the smallest size the window is meant for.
  await ui.setViewportSize({ width: 1920, height: 1080 });
  await openScreen(ui, 'Settings');
  await ui.screenshot({ path: `${OUT}/settings-1920x1080.png` });
  await ui.emulateMedia({ colorScheme: 'light' });
  await ui.setViewportSize({ width: 800, height: 600 });
  await openScreen(ui, 'Traffic');
  await trafficRows(ui).filter({ hasText: '/api/profile' }).click();
  await ui.screenshot({ path: `${OUT}/traffic-800x600.png` });
  await openScreen(ui, 'Home');
  await ui.screenshot({ path: `${OUT}/home-800x600.png` });
});
