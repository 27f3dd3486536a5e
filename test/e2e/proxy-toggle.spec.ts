import { expect, test } from './fixtures.js';
import { curlVia } from './veil-process.js';

test('turning Veil off stops the proxy and turning it on starts it again', async ({ ui, veil, echo }) => {
  expect((await curlVia(veil.proxyUrl, `${echo.url}/on`)).status).toBe(200);
  const big = ui.getByRole('main').getByRole('switch', { name: 'Veil on' });
  await expect(big).toHaveAttribute('aria-checked', 'true');

  await big.click();
  await expect(ui.getByRole('heading', { name: 'Veil is off' })).toBeVisible();
  await expect(ui.getByRole('complementary').getByRole('switch', { name: 'Veil on' })).toHaveAttribute(
    'aria-checked',
    'false',
  );
  const refused = await curlVia(veil.proxyUrl, `${echo.url}/off`);
  expect(refused.status, 'nothing answers while Veil is off').toBe(0);

  await big.click();
  await expect(ui.getByRole('heading', { name: 'Veil is on' })).toBeVisible();
  // Port 0 picks a fresh port on each start: read the one Home shows.
  const where = await ui
    .getByText(/Listening on/)
    .locator('code')
    .textContent();
  expect((await curlVia(`http://${where}`, `${echo.url}/on-again`)).status).toBe(200);
});
