import { mkdir, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import type { Locator, Page } from '@playwright/test';
import { expect, openScreen, test, trafficRows } from './fixtures.js';
import { curlVia, freePort, startEchoOrigin, startVeil } from './veil-process.js';

// What the first hour found, walked in Chromium against `veil serve --ui`: each state is checked
// and photographed (test-output/screenshots/first-hour-*.png; the ones worth keeping go to docs/screenshots).
const OUT = 'test-output/screenshots';

async function shot(page: Page, name: string, region?: Locator) {
  await mkdir(OUT, { recursive: true });
  if (region) await region.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${OUT}/first-hour-${name}.png` });
}

test('a port in use is refused next to the field, nothing is saved, and the old port keeps serving', async ({
  ui,
  veil,
  echo,
}) => {
  const blocker = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => blocker.once('listening', r));
  const taken = (blocker.address() as AddressInfo).port;
  try {
    const before = await readFile(veil.configPath, 'utf8');
    await openScreen(ui, 'Settings');
    const listener = ui.getByRole('region', { name: 'Listener' });
    const port = ui.getByRole('spinbutton', { name: 'Port' });
    await port.fill(String(taken));
    const save = listener.getByRole('button', { name: 'Save' });
    await expect(save).toBeEnabled();
    await save.click();
    const error = listener.locator('.field-error').filter({ hasText: `Port ${taken} on 127.0.0.1 is already in use` });
    await expect(error).toBeVisible();
    await expect(error).toContainText('Choose another port (0 picks a free one).');
    await expect(port).toHaveAttribute('aria-invalid', 'true');
    await expect(listener.getByText('Saved.')).toHaveCount(0);
    await expect(port).toHaveValue(String(taken));
    await shot(ui, 'port-in-use');
    expect(await readFile(veil.configPath, 'utf8'), 'the file is untouched').toBe(before);
    expect((await curlVia(veil.proxyUrl, `${echo.url}/still-here`)).status).toBe(200);
  } finally {
    blocker.close();
  }
});

test('the listen address is checked as it is typed, 0.0.0.0 needs allowed clients, and Save waits', async ({
  ui,
  veil,
}) => {
  const before = await readFile(veil.configPath, 'utf8');
  await openScreen(ui, 'Settings');
  const listener = ui.getByRole('region', { name: 'Listener' });
  const save = listener.getByRole('button', { name: 'Save' });
  const listen = ui.getByRole('textbox', { name: 'Listen address' });

  await listen.fill('not an ip');
  await expect(listener.getByText(/^Listen address must be an IP address of this computer/)).toBeVisible();
  await expect(save).toBeDisabled();
  await shot(ui, 'listen-not-an-address');

  await listen.fill('0.0.0.0');
  await expect(listener.getByText(/^Listening on 0\.0\.0\.0 lets other computers use Veil/)).toBeVisible();
  await expect(save).toBeDisabled();
  const clients = ui.getByRole('textbox', { name: /Allowed clients/ });
  await clients.fill('my laptop');
  await expect(
    listener.getByText('Line 1: "my laptop" is not an IP address or a range like 192.168.1.0/24.'),
  ).toBeVisible();
  await shot(ui, 'listen-open-proxy');

  // an address of another machine passes the rules and is refused by the bind, on Save
  await listen.fill('192.0.2.1');
  await clients.fill('192.0.2.0/24');
  await expect(listener.locator('.field-error')).toHaveCount(0);
  await expect(save).toBeEnabled();
  await save.click();
  await expect(listener.getByText(/^192\.0\.2\.1 is not an address of this computer/)).toBeVisible();
  await expect(listener.getByText('Saved.')).toHaveCount(0);
  expect(await readFile(veil.configPath, 'utf8')).toBe(before);

  // the Port field speaks in words too
  await listener.getByRole('button', { name: 'Discard' }).click();
  await ui.getByRole('spinbutton', { name: 'Port' }).fill('70000');
  await expect(listener.getByText('Port must be a whole number from 0 to 65535.')).toBeVisible();
  await expect(save).toBeDisabled();
});

test('the rules editor marks bad lines where they are as they are typed', async ({ ui }) => {
  await openScreen(ui, 'Blocklists');
  const block = ui.getByRole('textbox', { name: 'Block', exact: true });
  await block.fill('||ok.example^\n||bad^^$$$\nhttp://[::1\nads.example.com');
  const rules = ui.getByRole('region', { name: 'Your rules' });
  await expect(rules.locator('.gutter-line.bad')).toHaveCount(2);
  await expect(rules.locator('.gutter-line.bad[data-line="2"]')).toBeVisible();
  await expect(rules.locator('.gutter-line.bad[data-line="3"]')).toBeVisible();
  await expect(rules.getByText(/^Line 2: "\$\$\$" is not a list of options/)).toBeVisible();
  await expect(rules.getByText('Line 3: "http://[::1" is not a valid URL')).toBeVisible();
  await expect(rules.getByRole('button', { name: 'Save rules' })).toBeDisabled();
  await expect(rules.getByText('2 lines are marked: fix them to save.')).toBeVisible();
  await shot(ui, 'rules-marked', rules.getByRole('button', { name: 'Save rules' }));

  await block.fill('||ok.example^\nads.example.com');
  await expect(rules.locator('.gutter-line.bad')).toHaveCount(0);
  await rules.getByRole('button', { name: 'Save rules' }).click();
  await expect(rules.getByText('Saved 2 block and 0 allow rules.')).toBeVisible();
  await block.fill('||ok.example^\nads.example.com\nmore.example');
  // the old "Saved" no longer describes what the box holds
  await expect(rules.getByText(/^Saved /)).toHaveCount(0);
});

test('a list whose address answers 404 is refused with the reason, and nothing is added', async ({ ui }) => {
  const lists = createHttpServer((_req, res) =>
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('no such list'),
  );
  lists.listen(0, '127.0.0.1');
  await new Promise((r) => lists.once('listening', r));
  const missing = `http://127.0.0.1:${(lists.address() as AddressInfo).port}/hosts.txt`;
  try {
    await openScreen(ui, 'Blocklists');
    const input = ui.getByRole('textbox', { name: 'List URL' });
    await input.fill(missing);
    await ui.getByRole('button', { name: 'Add list' }).click();
    const refusal = ui.getByRole('alert').filter({ hasText: /^Nothing was added: .*404/ });
    await expect(refusal).toBeVisible();
    await expect(input).toHaveValue(missing);
    await expect(ui.getByRole('switch', { name: 'Use 127.0.0.1' })).toHaveCount(0);
    await shot(ui, 'list-refused');
  } finally {
    lists.close();
  }
});

test('a tab with a stale token says so and how to get the current link', async ({ page, veil }) => {
  const stale = veil.uiUrl.replace(/#token=.*/, '#token=an-old-token-from-a-bookmark-000000000');
  await page.goto(stale);
  await expect(page.getByRole('alert')).toContainText('This link no longer opens Veil.');
  await expect(page.getByRole('alert')).toContainText('veil ui-url');
  await shot(page, 'stale-token');
});

test('a restart keeps the address and the token: the open tab reconnects and shows only new exchanges', async ({
  page,
}) => {
  const echo = await startEchoOrigin();
  const uiPort = await freePort();
  const first = await startVeil({ proxy: { allowPrivateDestinations: true } }, { uiPort, keepDir: true });
  let second: Awaited<ReturnType<typeof startVeil>> | null = null;
  try {
    await page.goto(first.uiUrl);
    await openScreen(page, 'Traffic');
    await curlVia(first.proxyUrl, `${echo.url}/before-restart`);
    await expect(trafficRows(page)).toHaveCount(1);
    await first.stop();
    await expect(page.getByText('Connection lost. Retrying…')).toBeVisible();

    second = await startVeil(null, { dir: first.dir, uiPort, keepDir: true });
    expect(second.uiUrl, 'same port, same token').toBe(first.uiUrl);
    await expect(page.getByText('Connection lost. Retrying…')).toHaveCount(0, { timeout: 20_000 });
    await curlVia(second.proxyUrl, `${echo.url}/after-restart`);
    // the restarted Veil numbers from 1 again: the table starts over instead of mixing two id 1s
    await expect(trafficRows(page)).toHaveCount(1);
    await trafficRows(page).first().click();
    await expect(page.getByRole('complementary', { name: 'Exchange details' })).toContainText('/after-restart');
  } finally {
    await second?.stop();
    await echo.close();
    await rm(first.dir, { recursive: true, force: true });
  }
});
