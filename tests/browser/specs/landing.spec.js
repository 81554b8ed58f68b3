import { test, expect } from '../lib/fixtures.js';

test('the landing page links the three pages and lists the demo accounts', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Parley contact-center chat');
  for (const name of ['Customer chat', 'Agent desktop', 'Supervisor console']) {
    await expect(page.getByRole('link', { name, exact: true })).toBeVisible();
  }
  await expect(page.getByRole('link', { name: 'Customer chat', exact: true })).toHaveAttribute('href', '/chat');
  await expect(page.getByRole('link', { name: 'Agent desktop', exact: true })).toHaveAttribute('href', '/agent');
  await expect(page.getByRole('link', { name: 'Supervisor console', exact: true })).toHaveAttribute('href', '/supervisor');
  const users = page.locator('#demo-users tr');
  await expect(users).toHaveCount(4);
  await expect(users.first()).toContainText('agent1');
  await expect(page.locator('#demo-users')).toContainText('supervisor1');
});

test('the official CometD client is served by Parley itself', async ({ page, baseURL }) => {
  const r = await page.request.get('/web/vendor/cometd/cometd.js');
  expect(r.status()).toBe(200);
  expect(r.headers()['content-type']).toContain('javascript');
  expect(await r.text()).toContain('export');
  const outside = await page.request.get('/web/node_modules/cometd/cometd.js');
  expect(outside.status()).toBe(404);
  const lock = await page.request.get('/web/package.json');
  expect(lock.status()).toBe(404);
});
