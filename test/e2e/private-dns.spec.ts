import { expect, openScreen, test } from './fixtures.js';

test('Settings → Private DNS: a bad resolver is named next to the field; a good one is saved and shown on Home', async ({
  ui,
}) => {
  await openScreen(ui, 'Settings');
  const section = ui.getByRole('region', { name: 'Private DNS' });
  const resolvers = section.getByLabel('Resolvers, one per line');
  await resolvers.fill('udp://192.0.2.53');
  await expect(section.getByRole('alert')).toContainText('Line 1');
  await expect(section.getByRole('alert')).toContainText('neither DoH');
  // Save waits until the field is fixed (issue 14: a wrong field never offers Save)
  await expect(section.getByRole('button', { name: 'Save' })).toBeDisabled();
  await resolvers.fill('https://dns.example/dns-query 192.0.2.1');
  await expect(section.getByRole('alert')).toHaveCount(0);
  await section.getByRole('button', { name: 'Save' }).click();
  await expect(section.getByRole('status')).toHaveText('Saved.');
  await openScreen(ui, 'Home');
  const summary = ui.getByRole('region', { name: 'Summary' });
  await expect(summary).toContainText('Private');
  await expect(summary).toContainText('Names are not sent in cleartext');
});
