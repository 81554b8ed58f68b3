import { test, expect } from '../lib/fixtures.js';
import { AgentDesktop } from '../lib/agent.js';
import { SupervisorConsole } from '../lib/supervisor.js';

test('the landing page links the three pages and lists the demo accounts', async ({ page, server }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Parley contact-center chat');
  for (const name of ['Customer chat', 'Agent desktop', 'Supervisor console']) {
    await expect(page.getByRole('link', { name, exact: true })).toBeVisible();
  }
  await expect(page.getByRole('link', { name: 'Customer chat', exact: true })).toHaveAttribute('href', '/chat');
  await expect(page.getByRole('link', { name: 'Agent desktop', exact: true })).toHaveAttribute('href', '/agent');
  // Served as 127.0.0.1, the console link uses "localhost": another site to the browser, so
  // the supervisor's sign-in does not replace the agent's.
  await expect(page.getByRole('link', { name: 'Supervisor console', exact: true }))
    .toHaveAttribute('href', `http://localhost:${server.port}/supervisor`);
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

test('agent and supervisor in one browser: the landing links keep both signed in', async ({ page, context }) => {
  await page.goto('/');
  const agentPage = await context.newPage();
  await agentPage.goto(await page.getByRole('link', { name: 'Agent desktop', exact: true }).getAttribute('href'));
  const agent = new AgentDesktop(agentPage);
  await agent.signIn('agent1');
  await agent.setReady();

  const supPage = await context.newPage();
  await supPage.goto(await page.getByRole('link', { name: 'Supervisor console', exact: true }).getAttribute('href'));
  const sup = new SupervisorConsole(supPage);
  await sup.signIn('supervisor1');
  await sup.expectAgentState('agent1', 'Ready');

  // Back on the agent's tab: still agent1, still live.
  await agentPage.bringToFront();
  await agent.setNotReady();
  await sup.expectAgentState('agent1', 'Not ready');
  await expect(agentPage.locator('#session-replaced')).toHaveCount(0);
});

test('a second sign-in on the same site covers the first page instead of acting as the other user', async ({ context }) => {
  const agentPage = await context.newPage();
  const agent = new AgentDesktop(agentPage);
  await agent.signIn('agent1');

  const other = await context.newPage();
  const sup = new SupervisorConsole(other);
  await sup.signIn('supervisor1'); // same site: replaces the browser's session cookie

  await agentPage.bringToFront();
  await agentPage.evaluate(() => window.dispatchEvent(new Event('focus')));
  const dialog = agentPage.getByRole('alertdialog', { name: 'Signed in elsewhere in this browser' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('signed in as agent1');
  await expect(dialog).toContainText('signed in as supervisor1');
  await expect(dialog.getByRole('button', { name: 'Reload and sign in again' })).toBeFocused();
});
