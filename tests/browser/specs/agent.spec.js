// The agent desktop (/agent) against a real Parley server. Customers are driven through the
// customer REST API (tests/e2e/lib/chat.mjs), supervisors through the GWS REST API
// (tests/e2e/lib/supervision.mjs); agents through the page (tests/browser/lib/agent.js).
import { test, expect } from '../lib/fixtures.js';
import { AgentDesktop } from '../lib/agent.js';
import { Customer } from '../../e2e/lib/chat.mjs';
import { supervisor } from '../../e2e/lib/supervision.mjs';
import { login, post } from '../../e2e/lib/http.mjs';

async function signedIn(page, user) {
  const desk = new AgentDesktop(page);
  await page.goto('/agent');
  await desk.signIn(user);
  return desk;
}

async function readyAgent(page, user) {
  const desk = await signedIn(page, user);
  await desk.setReady();
  return desk;
}

// The customer's transcript texts (REST refresh from position 1).
async function customerTexts(customer) {
  return (await customer.transcript()).filter((m) => m.type === 'Message').map((m) => m.text);
}

async function userIdOf(server, user) {
  return (await login(server, user)).user.id;
}

test('sign-in: a wrong password is refused clearly, the right one opens the desktop, sign out ends it', async ({ page }) => {
  await page.goto('/agent');
  await page.getByLabel('User name').fill('agent1');
  await page.getByLabel('Password').fill('wrong');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Wrong user name or password.');
  await expect(page.locator('#desk-view')).toBeHidden();

  const desk = new AgentDesktop(page);
  await desk.signIn('agent1');
  await expect(desk.state).toHaveText(/^Not ?ready$/i);
  await desk.signOut();
  // EndContactCenterSession ended the HTTP session: the cookie no longer works.
  const r = await page.request.get('/api/v2/me');
  expect(r.status()).toBe(401);
});

test('agent state: Ready, NotReady with a reason, and live updates pushed on /v2/me/channels', async ({ page, server }) => {
  const desk = await signedIn(page, 'agent1');
  await desk.setReady();
  await desk.setNotReady('Lunch');
  await expect(desk.state).toHaveText(/Lunch/);
  // A change made elsewhere (another session of the same agent) shows up without a reload.
  const other = await login(server, 'agent1');
  const r = await post(server, other, '/api/v2/me/channels/chat', { operationName: 'NotReady', reason: 'Training' });
  expect(r.json.statusCode).toBe(0);
  await expect(desk.state).toHaveText(/: Training$/);
  await post(server, other, '/api/v2/me/channels/chat', { operationName: 'Ready' });
  await expect(desk.state).toHaveText('Ready');
});

test('offer with countdown, accept, messages and typing both ways', async ({ page, server }) => {
  const desk = await readyAgent(page, 'agent1');
  const customer = await Customer.request(server, { nickname: 'Carla', subject: 'Billing', text: 'My invoice is wrong' });
  const card = await desk.waitForOffer('Carla');
  await expect(card).toContainText('Billing');
  await expect(card.getByTestId('offer-countdown')).toHaveText(/^0:(30|[12]\d|0\d)$/);
  await desk.accept('Carla');

  await desk.expectMessage('My invoice is wrong', { whisper: false });
  await expect(desk.transcriptLine('Carla joined the chat')).toBeVisible();
  await desk.send('Let me check that for you');
  await expect.poll(() => customerTexts(customer)).toContain('Let me check that for you');

  await customer.send('Thanks!');
  const line = await desk.expectMessage('Thanks!');
  await expect(line.locator('.who')).toHaveText('Carla');
  await expect(line.locator('time')).toHaveText(/\d\d:\d\d/);
  await expect(line).not.toContainText('null'); // no missing part printed as text

  // Customer typing → indicator; stop → gone.
  await customer.startTyping('I also');
  await expect(desk.panel.locator('.typing')).toHaveText('Carla is typing…');
  await customer.stopTyping();
  await expect(desk.panel.locator('.typing')).toHaveText('');

  // Agent typing → the customer sees TypingStarted from the agent.
  await desk.panel.getByLabel('Message', { exact: true }).pressSequentially('One moment');
  await expect.poll(async () => (await customer.transcript()).some((m) => m.type === 'TypingStarted' && m.from.type === 'Agent')).toBe(true);
});

test('reject: the chat is re-offered to another Ready agent', async ({ page, newPage, server }) => {
  const desk1 = await readyAgent(page, 'agent1');
  const customer = await Customer.request(server, { nickname: 'Rita' });
  await desk1.waitForOffer('Rita');
  // agent2 becomes Ready only now, so agent1 was the one offered first.
  const desk2 = await readyAgent(await newPage(), 'agent2');
  await desk1.reject('Rita');
  await desk2.accept('Rita');
  await customer.send('hello agent2');
  await desk2.expectMessage('hello agent2');
  await expect(desk1.tabs()).toHaveCount(0);
});

test.describe('offer timeout', () => {
  test.use({ serverFlags: ['--offer-timeout', '5'] });
  test('an unanswered offer counts down from the server deadline and is withdrawn', async ({ page, server }) => {
    const desk = await readyAgent(page, 'agent1');
    await Customer.request(server, { nickname: 'Tim' });
    const card = await desk.waitForOffer('Tim');
    await expect(card.getByTestId('offer-countdown')).toHaveText(/^0:0[0-5]$/);
    await expect(desk.offers().filter({ hasText: 'Tim' }).first()).toBeHidden({ timeout: 15_000 });
    await expect(desk.tabs()).toHaveCount(0);
  });
});

test('two chats at once in tabs, with unread counts and arrow-key navigation', async ({ page, server }) => {
  const desk = await readyAgent(page, 'agent1');
  const anna = await Customer.request(server, { nickname: 'Anna' });
  await desk.accept('Anna');
  const ben = await Customer.request(server, { nickname: 'Ben' });
  await desk.accept('Ben');
  await expect(desk.tabs()).toHaveCount(2);
  await expect(desk.tab('Ben')).toHaveAttribute('aria-selected', 'true');

  await anna.send('first');
  await anna.send('second');
  await expect(desk.tab('Anna').locator('.unread')).toHaveText('2');
  await expect(desk.tab('Ben').locator('.unread')).toBeHidden();

  await desk.tab('Ben').focus();
  await page.keyboard.press('ArrowLeft');
  await expect(desk.tab('Anna')).toHaveAttribute('aria-selected', 'true');
  await expect(desk.tab('Anna')).toBeFocused();
  await expect(desk.tab('Anna').locator('.unread')).toBeHidden();
  await desk.expectMessage('second');
  await page.keyboard.press('ArrowRight');
  await expect(desk.tab('Ben')).toHaveAttribute('aria-selected', 'true');
  await ben.send('from ben');
  await desk.expectMessage('from ben');
});

test('user data: shown, added, deleted; disposition set', async ({ page, server }) => {
  const desk = await readyAgent(page, 'agent1');
  await Customer.request(server, { nickname: 'Uma', userData: { Plan: 'Gold' } });
  await desk.accept('Uma');
  const table = desk.panel.locator('table.userdata');
  await expect(table.locator('tr[data-key="Plan"]')).toContainText('Gold');

  await desk.panel.getByLabel('Key', { exact: true }).fill('Account');
  await desk.panel.getByLabel('Value', { exact: true }).fill('A-42');
  await desk.panel.getByRole('button', { name: 'Save key' }).click();
  await expect(table.locator('tr[data-key="Account"]')).toContainText('A-42');

  await desk.panel.getByRole('button', { name: 'Delete Plan' }).click();
  await expect(table.locator('tr[data-key="Plan"]')).toHaveCount(0);

  await desk.panel.getByLabel('Disposition').fill('Resolved');
  await desk.panel.getByRole('button', { name: 'Set disposition' }).click();
  await expect(table.locator('tr[data-key="DispositionCode"]')).toContainText('Resolved');
});

test('transfer to agent2: agent2 is offered the chat, accepts, and agent1\'s chat ends', async ({ page, newPage, server }) => {
  const desk1 = await readyAgent(page, 'agent1');
  const customer = await Customer.request(server, { nickname: 'Theo' });
  await desk1.accept('Theo');
  const desk2 = await signedIn(await newPage(), 'agent2'); // NotReady: a transfer still reaches them
  await desk1.transfer({ agentId: await desk2.userId() });
  await desk2.accept('Theo');
  await desk1.expectEnded();
  await expect(desk1.tab('Theo')).toContainText('(ended)');
  await desk2.send('agent2 here');
  await expect.poll(() => customerTexts(customer)).toContain('agent2 here');
});

test('consult then conference; an agents-only message is marked and never reaches the customer', async ({ page, newPage, server }) => {
  const desk1 = await readyAgent(page, 'agent1');
  const customer = await Customer.request(server, { nickname: 'Cora' });
  await desk1.accept('Cora');
  const desk2 = await signedIn(await newPage(), 'agent2');

  await desk1.consult(await desk2.userId());
  await desk2.accept('Cora');
  await desk1.send('psst, is this a known issue?', { agentsOnly: true });
  await desk2.expectMessage('psst, is this a known issue?', { whisper: true });
  await desk2.send('yes, ticket 7', { agentsOnly: true });
  await desk1.expectMessage('yes, ticket 7', { whisper: true });
  // The consultant is an agent the desktop brought in: no supervisor sign for it.
  await desk1.expectNoSupervisorSign();

  await desk1.send('I am asking a colleague');
  const texts = await customerTexts(customer);
  expect(texts).toContain('I am asking a colleague');
  expect(texts).not.toContain('psst, is this a known issue?');
  expect(texts).not.toContain('yes, ticket 7');

  // Conference: the consultant becomes visible to the customer at once.
  await desk1.conference(await desk2.userId());
  await expect.poll(async () => (await customer.transcript()).some((m) => m.type === 'ParticipantJoined' && m.from.nickname === 'Bob')).toBe(true);
  await desk2.send('Hello Cora, I am joining');
  await expect.poll(() => customerTexts(customer)).toContain('Hello Cora, I am joining');
});

test('complete ends the chat for the customer', async ({ page, server }) => {
  const desk = await readyAgent(page, 'agent1');
  const customer = await Customer.request(server, { nickname: 'Cleo' });
  await desk.accept('Cleo');
  await desk.complete();
  await expect.poll(async () => (await customer.refresh()).chatEnded).toBe(true);
  await desk.panel.getByRole('button', { name: 'Close chat' }).click();
  await expect(desk.tabs()).toHaveCount(0);
});

test('supervision: nothing while monitoring, coaching sign and whispers, barge-in sign', async ({ page, server }) => {
  const desk = await readyAgent(page, 'agent1');
  const sup = await supervisor(server, 'supervisor1');
  await sup.superviseOk(await desk.userId(), { operationName: 'Monitor' });
  const customer = await Customer.request(server, { nickname: 'Mia' });
  await desk.accept('Mia');
  await sup.waitState(customer.chatId, 'Chatting', { timeoutMs: 10_000 });

  // Monitor: the agent's view has no supervisor, the page shows nothing.
  await customer.send('are you there?');
  await desk.expectMessage('are you there?');
  await desk.expectNoSupervisorSign();

  await sup.opOk(customer.chatId, { operationName: 'SwitchToCoach' });
  await desk.expectCoachingSign('supervisor1');
  await sup.opOk(customer.chatId, { operationName: 'SendMessage', text: 'Offer the discount' });
  await desk.expectMessage('Offer the discount', { whisper: true });
  expect(await customerTexts(customer)).not.toContain('Offer the discount');

  await sup.opOk(customer.chatId, { operationName: 'SwitchToBargeIn' });
  await desk.expectBargeSign('supervisor1');
  await expect(desk.panel.locator('.badge.coach[data-sign]')).toHaveCount(0);

  await sup.opOk(customer.chatId, { operationName: 'SwitchToMonitor' });
  await desk.expectNoSupervisorSign();
  await sup.close();
});

test('after a lost notification session the desktop re-reads the chat and fills the gap without duplicates', async ({ page, server }) => {
  const desk = await readyAgent(page, 'agent1');
  const customer = await Customer.request(server, { nickname: 'Gus' });
  await desk.accept('Gus');
  await customer.send('before the outage');
  await desk.expectMessage('before the outage');

  // Cut the browser off and restart the server: Bayeux sessions do not survive a restart
  // (README), so these messages can only reach the page through the REST gap fill.
  await page.context().setOffline(true);
  await server.restart();
  await customer.send('during the outage 1');
  await customer.send('during the outage 2');
  await page.context().setOffline(false);

  await desk.expectMessage('during the outage 2');
  await expect(desk.transcriptLine('during the outage 1')).toHaveCount(1);
  await expect(desk.transcriptLine('before the outage')).toHaveCount(1);
  const indexes = await desk.panel.locator('.transcript li[data-index]').evaluateAll((lines) => lines.map((l) => l.dataset.index));
  expect(indexes.length).toBe(new Set(indexes).size);
  // And the live path works again on the new session.
  await customer.send('after the outage');
  await desk.expectMessage('after the outage');
  await expect(page.locator('#connection')).toHaveText('Connected');
});
