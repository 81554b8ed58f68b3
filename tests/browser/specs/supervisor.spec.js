// The supervisor console (/supervisor) in a browser, with the agent and the customer driven
// through the REST API from Node (their own pages are built elsewhere). The customer's REST
// transcript is the judge of what reached the customer: a coach's or monitor's words must
// never be in it.
import { test, expect } from '../lib/fixtures.js';
import { SupervisorConsole } from '../lib/supervisor.js';
import { chatAgent, acceptedChat } from '../../e2e/lib/chat.mjs';
import { disconnectAll } from '../../e2e/lib/bayeux.mjs';

test.afterEach(async () => {
  await disconnectAll(); // the agents' CometD clients
});

/** agent1 signed in, in a contact-center session and Ready (REST + CometD from Node). */
async function readyAgent(server, user = 'agent1') {
  const a = await chatAgent(server, user);
  await a.start();
  await a.ready();
  return a;
}

/** A chat from `nickname`, accepted by the agent, with one line each way. */
async function liveChat(server, agent, nickname, [customerLine, agentLine] = []) {
  const cust = await acceptedChat(server, agent, { nickname });
  if (customerLine) await cust.send(customerLine);
  if (agentLine) await agent.opOk(cust.chatId, { operationName: 'SendMessage', text: agentLine });
  return cust;
}

/** The customer's whole transcript (customer API) as "type:text" strings, and the nicknames seen. */
async function customerView(cust) {
  const msgs = await cust.transcript();
  return { texts: msgs.filter((m) => m.type === 'Message').map((m) => m.text), from: msgs.map((m) => m.from.nickname), msgs };
}

const nicknames = (chat) => chat.participants.map((p) => p.nickname);

test('sign-in: wrong password and a plain agent are refused with a clear message; a supervisor gets the floor', async ({ page }) => {
  const sup = new SupervisorConsole(page);
  await sup.goto();
  await sup.signIn('supervisor1', { password: 'nope', expectOk: false });
  await expect(page.getByRole('alert').first()).toHaveText('Wrong user name or password.');

  await sup.signIn('agent1', { expectOk: false });
  await expect(page.locator('#signin-error')).toHaveText(/agent1 is not a supervisor/);
  await expect(page.locator('#console-view')).toBeHidden();

  await sup.signIn('supervisor1');
  for (const name of ['Agent', 'State', 'Live chats']) {
    await expect(sup.floor.getByRole('columnheader', { name, exact: true })).toBeVisible();
  }
  await sup.expectAgentState('agent1', 'Logged out');
  await sup.expectAgentState('supervisor1', 'Not ready'); // the console started our session
  await expect(page.locator('#who')).toHaveText('Signed in as supervisor1');
});

test('the floor is live: agent1 goes Ready, a chat appears with a ticking duration, then ends', async ({ page, server }) => {
  const sup = new SupervisorConsole(page);
  await sup.signIn('supervisor1');
  await sup.expectAgentState('agent1', 'Logged out');

  const a1 = await readyAgent(server);
  await sup.expectAgentState('agent1', 'Ready');

  const cust = await liveChat(server, a1, 'Floor Fiona');
  const entry = sup.floorChat('agent1', 'Floor Fiona');
  await expect(entry).toBeVisible();
  const duration = entry.locator('.duration');
  await expect(duration).toHaveText(/^\d+:\d\d$/);
  const first = await duration.textContent();
  await expect(duration).not.toHaveText(first); // it ticks without any new notification

  await a1.notReady('Lunch');
  await sup.expectAgentState('agent1', 'Not ready \\(Lunch\\)');
  await a1.opOk(cust.chatId, { operationName: 'Complete' });
  await expect(entry).toHaveCount(0);
});

test('monitor with current chats, one-click coach, whisper stays off the customer, barge in, back to monitor', async ({ page, server }) => {
  const a1 = await readyAgent(server);
  const cust = await liveChat(server, a1, 'Carol', ['My parcel is late', 'Let me check that for you']);
  const id = cust.chatId;

  const sup = new SupervisorConsole(page);
  await sup.signIn('supervisor1');
  await sup.startSupervision('agent1', { mode: 'Monitor', scope: 'AllChats', includeCurrent: true });

  // The chat opens in the console with the whole transcript.
  await expect(sup.tab('Carol')).toBeVisible();
  await sup.openChat('Carol');
  await sup.expectMessage('My parcel is late', { whisper: false });
  await sup.expectMessage('Let me check that for you');
  await expect(sup.chat.locator('#participants')).toContainText('Carol');
  await expect(sup.chat.locator('#participants')).toContainText('supervisor1 (you)');

  // Monitor: silent and invisible; nothing can be sent.
  await sup.expectBanner('Monitor');
  await expect(sup.modeButton('Monitor')).toHaveAttribute('aria-pressed', 'true');
  await expect(sup.composer).toBeDisabled();
  await expect(sup.sendButton).toBeDisabled();
  expect(nicknames(await a1.chat(id))).toEqual(['agent1', 'Carol']);

  // One click to Coach: the agent now sees the supervisor, the customer does not.
  await sup.switchTo('Coach');
  await expect(sup.modeButton('Monitor')).toHaveAttribute('aria-pressed', 'false');
  await expect(sup.sendButton).toHaveText('Whisper to agent');
  await expect(sup.composer).toHaveAttribute('placeholder', /Whisper to agent/);
  await expect.poll(async () => nicknames(await a1.chat(id))).toEqual(['agent1', 'supervisor1', 'Carol']);

  const whisper = 'Offer her a voucher';
  await sup.send(whisper);
  await sup.expectMessage(whisper, { whisper: true });
  // The agent has it (as a whisper) before we look at the customer, so the absence below means something.
  await expect.poll(async () => (await a1.messages(id)).find((m) => m.text === whisper)?.visibility).toBe('Agents');
  const afterWhisper = await customerView(cust);
  expect(afterWhisper.texts).toContain('My parcel is late');
  expect(afterWhisper.texts).not.toContain(whisper);
  expect(afterWhisper.from).not.toContain('supervisor1');

  // Barge in: the customer sees the supervisor and their message.
  await sup.switchTo('BargeIn');
  await expect(sup.sendButton).toHaveText('Send to everyone');
  const barge = 'Hello Carol, I am the team lead';
  await sup.send(barge);
  await sup.expectMessage(barge, { whisper: false });
  await expect.poll(async () => (await customerView(cust)).texts).toContain(barge);
  expect((await customerView(cust)).texts).not.toContain(whisper);

  // Back to Monitor: sending is off again, and the customer sees the supervisor leave.
  await sup.switchTo('Monitor');
  await expect(sup.composer).toBeDisabled();
  await expect.poll(async () => (await customerView(cust)).msgs.some((m) => m.type === 'ParticipantLeft' && m.from.nickname === 'supervisor1')).toBe(true);
  expect(nicknames(await a1.chat(id))).toEqual(['agent1', 'Carol']);
});

test('Next chat scope joins only the next accepted chat; Cancel stops future joins', async ({ page, server }) => {
  const a1 = await readyAgent(server);
  const before = await liveChat(server, a1, 'Early Ed');
  const sup = new SupervisorConsole(page);
  await sup.signIn('supervisor1');

  await sup.startSupervision('agent1', { mode: 'Coach', scope: 'NextChat' });
  await expect(sup.supervisions().filter({ hasText: '(you)' })).toContainText('Coach, next chat only');
  // Not including current chats: the coach is not in Ed's chat (the agent would see a coach).
  expect(nicknames(await a1.chat(before.chatId))).toEqual(['agent1', 'Early Ed']);

  const next = await liveChat(server, a1, 'Next Nora');
  await sup.openChat('Next Nora');
  await sup.expectBanner('Coach');
  // NextChat is used up: the supervision is gone, and the chat after it is not joined.
  await expect(sup.supervisions()).toHaveText(['No active supervision.']);
  const later = await liveChat(server, a1, 'Later Liam');
  await expect(sup.floorChat('agent1', 'Later Liam')).toBeVisible();
  expect(nicknames(await a1.chat(later.chatId))).toEqual(['agent1', 'Later Liam']);
  expect(nicknames(await a1.chat(next.chatId))).toEqual(['agent1', 'supervisor1', 'Next Nora']);
  await expect(sup.tabs).toHaveCount(1);

  // AllChats, then Cancel: the next chat is not joined, the one we are in is kept.
  await a1.opOk(before.chatId, { operationName: 'Complete' });
  await a1.opOk(later.chatId, { operationName: 'Complete' });
  await sup.startSupervision('agent1', { mode: 'Coach', scope: 'AllChats' });
  await sup.cancel('agent1');
  await expect(sup.supervisions()).toHaveText(['No active supervision.']);
  const after = await liveChat(server, a1, 'After Anna');
  await expect(sup.floorChat('agent1', 'After Anna')).toBeVisible();
  expect(nicknames(await a1.chat(after.chatId))).toEqual(['agent1', 'After Anna']);
  await expect(sup.tabs).toHaveCount(1);
  await expect(sup.tab('Next Nora')).toBeVisible();
});

test('Leave: the supervisor leaves, the chat goes on between the agent and the customer', async ({ page, server }) => {
  const a1 = await readyAgent(server);
  const cust = await liveChat(server, a1, 'Leah', ['Hi']);
  const sup = new SupervisorConsole(page);
  await sup.signIn('supervisor1');
  await sup.startSupervision('agent1', { mode: 'Coach', includeCurrent: true });
  await sup.openChat('Leah');
  await sup.expectBanner('Coach');
  await expect.poll(async () => nicknames(await a1.chat(cust.chatId))).toContain('supervisor1');

  await sup.leave();
  await expect(sup.composer).toBeDisabled();
  await expect(sup.chat.getByRole('button', { name: 'Leave the chat' })).toBeDisabled();
  const chat = await a1.chat(cust.chatId);
  expect(chat.state).toBe('Chatting');
  expect(nicknames(chat)).toEqual(['agent1', 'Leah']);
  // The supervision itself goes on (Leave is per chat).
  await sup.openSupervise('agent1');
  await expect(sup.supervisions().filter({ hasText: '(you)' })).toContainText('Coach, all chats');
  // A finished chat's tab can be closed.
  await sup.chat.getByRole('button', { name: 'Close tab' }).click();
  await expect(sup.tabs).toHaveCount(0);
});

test('after a server restart the console reconnects and fills the gap without duplicates', async ({ page, server }) => {
  const a1 = await readyAgent(server);
  const cust = await liveChat(server, a1, 'Rita', ['Before the restart']);
  const sup = new SupervisorConsole(page);
  await sup.signIn('supervisor1');
  await sup.startSupervision('agent1', { mode: 'Monitor', includeCurrent: true });
  await sup.openChat('Rita');
  await sup.expectMessage('Before the restart');

  await server.stop();
  await expect(page.locator('#connection')).toHaveText('Reconnecting…');
  await server.start(); // same port and data: HTTP sessions survive, Bayeux sessions do not
  // Sent while the console is most likely still backing off: only the REST re-read can bring
  // these; if the new session also pushes them, they must still show once.
  await cust.send('During the reconnect');
  await a1.opOk(cust.chatId, { operationName: 'SendMessage', text: 'Agent after the restart' });

  await expect(page.locator('#connection')).toHaveText('Live', { timeout: 30_000 });
  await sup.expectMessage('During the reconnect');
  await sup.expectMessage('Agent after the restart');
  await sup.expectMessage('Before the restart'); // still exactly once
  const indexes = await sup.transcript.getByRole('listitem').evaluateAll((items) => items.map((li) => Number(li.dataset.index)));
  expect(new Set(indexes).size).toBe(indexes.length);
  expect(indexes).toEqual([...indexes].sort((x, y) => x - y));
  await sup.expectBanner('Monitor');
  await sup.expectAgentState('agent1', 'Ready');
});

test('keyboard only: sign in with Enter, reach the chat tab and switch mode; updates are announced', async ({ page, server }) => {
  const a1 = await readyAgent(server);
  await liveChat(server, a1, 'Kim', ['Hello']);
  const sup = new SupervisorConsole(page);
  await sup.goto();
  await expect(page.getByLabel('User name')).toBeVisible();
  await page.getByLabel('User name').focus();
  await page.keyboard.type('supervisor1');
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Password')).toBeFocused();
  await page.keyboard.type('password');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'The floor' })).toBeFocused();
  await expect(page.locator('#announcer')).toContainText('Signed in as supervisor1');

  await sup.startSupervision('agent1', { mode: 'Monitor', includeCurrent: true });
  await expect(page.locator('#announcer')).toContainText('Joined the chat with Kim in Monitor mode');
  await sup.tab('Kim').focus();
  await page.keyboard.press('Enter');
  await expect(sup.tab('Kim')).toHaveAttribute('aria-selected', 'true');
  await sup.modeButton('Coach').focus();
  await page.keyboard.press('Space');
  await expect(sup.modeButton('Coach')).toHaveAttribute('aria-pressed', 'true');
  await sup.expectBanner('Coach');
  await expect(sup.banner).toHaveAttribute('role', 'status');
  // Focus order: the mode buttons, the transcript (scrollable), then the composer.
  await page.keyboard.press('Tab');
  await expect(sup.modeButton('BargeIn')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(sup.transcript).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(sup.composer).toBeFocused();
  await page.keyboard.type('Typed from the keyboard');
  await page.keyboard.press('Enter');
  await sup.expectMessage('Typed from the keyboard', { whisper: true });
});
