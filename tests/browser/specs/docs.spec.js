import { test, expect } from '../lib/fixtures.js';

test('/docs shows the API reference from the server, with no request leaving the server', async ({ page, server }) => {
  const foreign = [];
  page.on('request', (r) => { if (!r.url().startsWith(server.base)) foreign.push(r.url()); });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto('/docs');
  await expect(page.getByRole('heading', { name: /Parley/ }).first()).toBeVisible();
  // Operations from each API are listed.
  await expect(page.locator('.opblock-summary-path', { hasText: /^\/api\/v2\/me\/chats\/\{id\}$/ }).first()).toBeVisible();
  await expect(page.locator('.opblock-summary-path', { hasText: '/genesys/2/chat/{service}' }).first()).toBeVisible();
  await expect(page.locator('.opblock-summary-path', { hasText: '/api/v2/users/{agentUserId}/channels/chat' }).first()).toBeVisible();
  expect(foreign).toEqual([]);
  expect(errors).toEqual([]);
});
