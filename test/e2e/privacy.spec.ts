import { expect, openScreen, test, trafficRows } from './fixtures.js';
import { curlVia } from './veil-process.js';

const identifying = {
  'X-Forwarded-For': '10.9.8.7',
  'User-Agent': 'VeilE2E/1.0 (secret-machine)',
  Referer: 'http://elsewhere.example/a/secret-page',
};

test('changing the profile changes the headers the origin receives', async ({ ui, veil, echo }) => {
  await openScreen(ui, 'Privacy');
  const picker = ui.getByRole('group', { name: 'Profile' });
  await picker.getByText('Transparent', { exact: false }).first().click();
  await expect(picker.getByRole('radio', { name: /Transparent/ })).toBeChecked();
  await curlVia(veil.proxyUrl, `${echo.url}/transparent`, identifying);
  const open = echo.received.at(-1)!;
  expect(open['user-agent']).toBe(identifying['User-Agent']);

  await picker.getByText('Strict', { exact: false }).first().click();
  await expect(picker.getByRole('radio', { name: /Strict/ })).toBeChecked();
  await curlVia(veil.proxyUrl, `${echo.url}/strict`, identifying);
  const strict = echo.received.at(-1)!;
  expect(strict['x-forwarded-for']).toBeUndefined();
  expect(strict['user-agent']).not.toBe(identifying['User-Agent']);
  expect(String(strict.referer ?? '')).not.toContain('secret-page');
});

test('the receipt lists what Veil removed, struck through with its rule', async ({ ui, veil, echo }) => {
  await curlVia(veil.proxyUrl, `${echo.url}/receipt`, identifying);
  expect(echo.received.at(-1)!['x-forwarded-for']).toBeUndefined();
  await openScreen(ui, 'Traffic');
  await trafficRows(ui).filter({ hasText: '/receipt' }).click();
  const receipt = ui.getByRole('region', { name: 'Receipt' });
  await expect(receipt).toContainText('X-Forwarded-For');
  await expect(receipt).toContainText('removed');
  const request = ui.getByRole('region', { name: /Request headers \(as the client/ });
  // the removed value itself is not kept: its length and short hash stand in its place
  await expect(request.locator('del', { hasText: /^\[not kept: 8 bytes, sha256 [0-9a-f]{8}\]$/ })).toBeVisible();
  await expect(ui.getByText('10.9.8.7')).toHaveCount(0);
});

test('what an HTTPS tunnel cannot scrub is said plainly', async ({ ui }) => {
  await openScreen(ui, 'Privacy');
  await expect(ui.getByText(/encrypted tunnel it cannot open/)).toBeVisible();
});

test('a site rule changes one setting for that site only', async ({ ui, veil, echo }) => {
  await openScreen(ui, 'Privacy');
  const picker = ui.getByRole('group', { name: 'Profile' });
  await picker.getByText('Transparent', { exact: false }).first().click();
  await expect(picker.getByRole('radio', { name: /Transparent/ })).toBeChecked();
  await ui.getByRole('button', { name: 'Add a site rule' }).click();
  await ui.getByRole('textbox', { name: 'Site pattern' }).fill('127.0.0.1');
  await ui.getByRole('combobox', { name: 'User-Agent on this site' }).selectOption('remove');
  await ui.getByRole('button', { name: 'Save site rule' }).click();
  await expect(ui.getByRole('table').getByText('127.0.0.1')).toBeVisible();
  await expect(ui.getByText(/\+ 1 changes/)).toBeVisible();

  await curlVia(veil.proxyUrl, `${echo.url}/site-rule`, identifying);
  const seen = echo.received.at(-1)!;
  expect(seen['user-agent']).toBeUndefined();
  // everything else still follows the transparent profile
  expect(seen['x-forwarded-for']).toBe(identifying['X-Forwarded-For']);
});
