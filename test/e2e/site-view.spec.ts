import { expect, test } from './fixtures.js';

test('"Check what sites see" on Home runs the self-test against the real service', async ({ ui }) => {
  await ui.getByRole('button', { name: 'Check what sites see' }).click();
  const region = ui.getByRole('region', { name: 'What sites see' });
  await expect(region.locator('[data-check="forwarding-headers"]')).toHaveClass(/pass/, { timeout: 10_000 });
  await expect(region.locator('[data-check="dns"]')).toContainText('System resolver');
  await expect(region.locator('li.check-row')).toHaveCount(13);
  await expect(region.locator('li.check-row.fail')).toHaveCount(0);
});
