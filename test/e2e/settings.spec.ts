import { expect, openScreen, test } from './fixtures.js';

test('a bad port is refused next to the field, the text stays, and a good one saves', async ({ ui }) => {
  await openScreen(ui, 'Settings');
  const port = ui.getByRole('spinbutton', { name: 'Port' });
  await port.fill('70000');
  await expect(ui.locator('.field-error').filter({ hasText: /65535/ })).toBeVisible();
  await expect(port).toHaveAttribute('aria-invalid', 'true');
  const listener = ui.getByRole('region', { name: 'Listener' });
  // in words, and Save waits until it is fixed
  await expect(listener.getByText('Port must be a whole number from 0 to 65535.')).toBeVisible();
  await expect(listener.getByRole('button', { name: 'Save' })).toBeDisabled();
  await expect(port).toHaveValue('70000');

  await listener.getByRole('button', { name: 'Discard' }).click();
  await expect(port).toHaveAttribute('aria-invalid', 'false');
});

test('listening beyond loopback warns about an open proxy', async ({ ui }) => {
  await openScreen(ui, 'Settings');
  await ui.getByRole('textbox', { name: 'Listen address' }).fill('0.0.0.0');
  await expect(ui.getByText(/could use Veil as an open proxy/)).toBeVisible();
});
