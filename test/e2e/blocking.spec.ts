import { expect, openScreen, test, trafficRows } from './fixtures.js';
import { curlVia } from './veil-process.js';

test('a block rule added in the editor blocks the next request, which shows its rule', async ({ ui, veil, echo }) => {
  // The echo origin answers on 127.0.0.1; name it through a host the rule can match.
  const target = `${echo.url}/tracker/pixel.gif`;
  expect((await curlVia(veil.proxyUrl, target)).status).toBe(200);

  await openScreen(ui, 'Blocklists');
  const block = ui.getByRole('textbox', { name: 'Block', exact: true });
  await block.fill('||127.0.0.1^');
  await ui.getByRole('button', { name: 'Save rules' }).click();
  await expect(ui.getByText(/Saved 1 block and 0 allow rules/)).toBeVisible();

  const refused = await curlVia(veil.proxyUrl, target);
  expect(refused.status, `blocked, got body ${refused.body.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
  expect(echo.received).toHaveLength(1);

  // "Test a URL" names the same rule.
  await ui.getByRole('textbox', { name: 'URL', exact: true }).fill(target);
  await ui.getByRole('button', { name: 'Test', exact: true }).click();
  await expect(ui.locator('.decision')).toContainText('Blocked');
  await expect(ui.locator('.decision')).toContainText('||127.0.0.1^');

  await openScreen(ui, 'Traffic');
  const row = trafficRows(ui).filter({ hasText: '||127.0.0.1^' });
  await expect(row).toHaveCount(1);
  await row.click();
  const blockedBy = ui.getByRole('region', { name: 'Blocked by' });
  await expect(blockedBy).toContainText('||127.0.0.1^');
});

test('a bad rule is named by line as it is typed and nothing can be saved', async ({ ui }) => {
  await openScreen(ui, 'Blocklists');
  const block = ui.getByRole('textbox', { name: 'Block', exact: true });
  await block.fill('good.example\nthis is not a rule\n');
  // checked as typed: no Save needed to see it, and Save waits until it is fixed
  await expect(ui.getByText(/^Line 2:/)).toBeVisible();
  await expect(ui.getByRole('button', { name: 'Save rules' })).toBeDisabled();
  await expect(block).toHaveValue('good.example\nthis is not a rule\n');
});
