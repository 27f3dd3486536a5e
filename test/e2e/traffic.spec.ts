import { readFile } from 'node:fs/promises';
import { expect, openScreen, test, trafficRows } from './fixtures.js';
import { curlVia, sendMany } from './veil-process.js';

test('requests sent through the proxy appear live in the table', async ({ ui, veil, echo }) => {
  await openScreen(ui, 'Traffic');
  const first = await curlVia(veil.proxyUrl, `${echo.url}/live/one`);
  expect(first.status).toBe(200);
  await expect(trafficRows(ui).filter({ hasText: '/live/one' })).toHaveCount(1);
  await curlVia(veil.proxyUrl, `${echo.url}/live/two?x=1`);
  const second = trafficRows(ui).filter({ hasText: '/live/two?x=1' });
  await expect(second).toHaveCount(1);
  await expect(second).toContainText('GET');
  await expect(second).toContainText('200');
  // Newest at the bottom.
  await expect(trafficRows(ui).last()).toContainText('/live/two');
});

test('the details pane shows the headers and Escape closes it', async ({ ui, veil, echo }) => {
  await openScreen(ui, 'Traffic');
  await curlVia(veil.proxyUrl, `${echo.url}/details`, { 'X-Test-Header': 'hello' });
  await trafficRows(ui).filter({ hasText: '/details' }).click();
  const details = ui.getByRole('complementary', { name: 'Exchange details' });
  await expect(details).toBeVisible();
  await expect(details.getByRole('region', { name: /Request headers \(as the client/ })).toContainText('X-Test-Header');
  await expect(details.getByRole('region', { name: /Response headers/ }).first()).toContainText('application/json');
  // The table stays beside the details, not under them.
  const table = await ui.locator('.traffic-table').boundingBox();
  const pane = await details.boundingBox();
  expect(table!.x + table!.width).toBeLessThanOrEqual(pane!.x + 1);
  await ui.keyboard.press('Escape');
  await expect(details).toHaveCount(0);
});

test('/ focuses the filter and the filter narrows the table', async ({ ui, veil, echo }) => {
  await openScreen(ui, 'Traffic');
  await curlVia(veil.proxyUrl, `${echo.url}/apple`);
  await curlVia(veil.proxyUrl, `${echo.url}/banana`);
  await expect(trafficRows(ui)).toHaveCount(2);
  await ui.locator('body').press('/');
  await expect(ui.getByRole('searchbox', { name: /Filter/ })).toBeFocused();
  await ui.keyboard.type('banana');
  await expect(trafficRows(ui)).toHaveCount(1);
  await expect(trafficRows(ui)).toContainText('/banana');
});

test('Export HAR downloads a valid HAR of what is shown', async ({ ui, veil, echo }) => {
  await openScreen(ui, 'Traffic');
  await curlVia(veil.proxyUrl, `${echo.url}/har/kept`);
  await curlVia(veil.proxyUrl, `${echo.url}/har/filtered-out`);
  await expect(trafficRows(ui)).toHaveCount(2);
  await ui.getByRole('searchbox', { name: /Filter/ }).fill('kept');
  await expect(trafficRows(ui)).toHaveCount(1);
  const [download] = await Promise.all([
    ui.waitForEvent('download'),
    ui.getByRole('button', { name: 'Export HAR' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^veil-.*\.har$/);
  const har = JSON.parse(await readFile((await download.path())!, 'utf8'));
  expect(har.log.version).toBe('1.2');
  expect(har.log.entries.map((e: { request: { url: string } }) => e.request.url)).toEqual([`${echo.url}/har/kept`]);
  expect(har.log.entries[0].response.status).toBe(200);
});

test('pause stops the live table, and resume says how many requests it did not record', async ({ ui, veil, echo }) => {
  await openScreen(ui, 'Traffic');
  await curlVia(veil.proxyUrl, `${echo.url}/before`);
  await expect(trafficRows(ui)).toHaveCount(1);
  await ui.getByRole('button', { name: 'Pause' }).click();
  await expect(ui.getByRole('button', { name: 'Resume' })).toBeVisible();
  await curlVia(veil.proxyUrl, `${echo.url}/while-paused`);
  await expect(ui.getByText('Paused: new requests still go through Veil but are not recorded here.')).toBeVisible();
  await ui.getByRole('button', { name: 'Resume' }).click();
  // the table never shows it, and says so
  await expect(ui.getByText('1 request made while paused is not shown.')).toBeVisible();
  await curlVia(veil.proxyUrl, `${echo.url}/after`);
  await expect(trafficRows(ui).filter({ hasText: '/after' })).toHaveCount(1);
  await expect(trafficRows(ui).filter({ hasText: '/while-paused' })).toHaveCount(0);
});

test('auto-scroll follows the newest row until the user scrolls up', async ({ ui, veil, echo }) => {
  await openScreen(ui, 'Traffic');
  expect(new Set(await sendMany(veil.proxyUrl, echo.url, 80))).toEqual(new Set([200]));
  await expect(ui.locator('.toolbar .count')).toHaveText('80');
  const scroller = ui.locator('.tscroll');
  const distanceFromBottom = () => scroller.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
  await expect.poll(distanceFromBottom).toBeLessThan(30);

  await scroller.hover();
  await ui.mouse.wheel(0, -5000);
  await expect(ui.getByRole('button', { name: '↓ Newest' })).toBeVisible();
  const top = await scroller.evaluate((el) => el.scrollTop);

  await sendMany(veil.proxyUrl, echo.url, 5);
  await expect(ui.locator('.toolbar .count')).toHaveText('85');
  expect(await scroller.evaluate((el) => el.scrollTop), 'the view stays where the user left it').toBe(top);

  await ui.getByRole('button', { name: '↓ Newest' }).click();
  await expect.poll(distanceFromBottom).toBeLessThan(30);
  await expect(ui.getByRole('button', { name: '↓ Newest' })).toHaveCount(0);
});
