// The customer chat widget (web/widget.js on the demo shop /chat) against a real Parley server.
// The agent side is driven through the GWS REST API from the test (tests/e2e/lib), so each
// test checks the wire as well as the page: what the customer does must reach the agent, and
// what the agent does must appear in the widget exactly once.
import { test, expect } from '../lib/fixtures.js';
import { CustomerWidget } from '../lib/customer.js';
import http from 'node:http';
import { chatAgent } from '../../e2e/lib/chat.mjs';

/** agent1 (Alice Agent) with a contact-center session, Ready on chat; REST only. */
async function readyAgent(server) {
  const a = await chatAgent(server, 'agent1', { push: false });
  await a.start();
  await a.ready();
  return a;
}

/** Wait until `check()` returns a truthy value (polling the REST API). */
async function eventually(check, message, timeout = 10_000) {
  let value;
  await expect.poll(async () => (value = await check()), { message, timeout }).toBeTruthy();
  return value;
}

/** The agent accepts the offer of this chat (it must be offered to them). */
async function accept(agent, chatId) {
  await eventually(async () => (await agent.chats()).some((c) => c.id === chatId && c.state === 'Invited'),
    `an offer of ${chatId} to ${agent.user}`);
  await agent.opOk(chatId, { operationName: 'Accept', nickname: 'Alice' });
}

/** The agent's view of the chat log (REST). */
const agentLog = (agent, chatId) => agent.messages(chatId);
const agentTexts = async (agent, chatId) =>
  (await agentLog(agent, chatId)).filter((m) => m.type === 'Text').map((m) => `${m.from.type}:${m.text}`);

/** A customer chatting with agent1: widget started, agent joined. */
async function chatting(page, server, nickname = 'Bob') {
  const agent = await readyAgent(server);
  const w = new CustomerWidget(page);
  await w.goto();
  await w.start(nickname, 'Tent pegs');
  const chatId = await w.chatId();
  expect(chatId).toMatch(/^[A-Za-z0-9]{16}$/);
  await accept(agent, chatId);
  await w.waitForAgentJoined('Alice');
  return { agent, w, chatId };
}

test('start a chat: labelled form, queue position while no agent is ready', async ({ page, server }) => {
  const w = new CustomerWidget(page);
  await w.goto();
  await expect(w.panel).toBeHidden();
  await w.launcher.click();
  // The nickname is required: an empty form is refused with a message, no chat is created.
  await w.panel.getByRole('button', { name: 'Start chat' }).click();
  await expect(w.panel.getByRole('alert').first()).toHaveText('Please enter your name.');
  await expect(w.panel.getByLabel('Your name (required)')).toBeFocused();
  await w.start('Bob', 'Tent pegs', 'bob@example.com');
  await w.expectQueuePosition(1);
  expect(await w.transport()).toBe('push');

  // The subject and email reached the chat (the agent sees them on the offer).
  const agent = await readyAgent(server);
  const chatId = await w.chatId();
  const offered = await eventually(async () => (await agent.chats()).find((c) => c.id === chatId), 'offer');
  expect(offered.subject).toBe('Tent pegs');
  expect(offered.userData.EmailAddress).toBe('bob@example.com');
});

test('the agent joins; messages both ways with delivery state; typing both ways', async ({ page, server }) => {
  const { agent, w, chatId } = await chatting(page, server);

  await w.send('Do you have tent pegs?');
  await eventually(async () => (await agentTexts(agent, chatId)).includes('Customer:Do you have tent pegs?'), 'agent gets the message');

  await agent.opOk(chatId, { operationName: 'SendMessage', text: 'Yes, aluminium ones.' });
  await w.expectMessage('Yes, aluminium ones.');
  await expect(w.log.locator('li.message', { hasText: 'Yes, aluminium ones.' }).locator('.who')).toHaveText('Alice');
  expect(await w.messageTexts()).toEqual(['Do you have tent pegs?', 'Yes, aluminium ones.']);

  // The agent types: the widget says so; the agent stops: the line clears.
  await agent.opOk(chatId, { operationName: 'SendStartTypingNotification' });
  await w.expectTyping('Alice');
  await agent.opOk(chatId, { operationName: 'SendStopTypingNotification' });
  await w.expectNotTyping();

  // The customer types: the agent gets TypingStarted, then TypingStopped when the box empties.
  const before = (await agentLog(agent, chatId)).length;
  await w.messageBox.pressSequentially('How m');
  await eventually(async () => (await agentLog(agent, chatId)).slice(before).some((m) => m.type === 'TypingStarted' && m.from.type === 'Customer'),
    'agent sees the customer typing');
  await w.messageBox.fill('');
  await w.messageBox.dispatchEvent('input');
  await eventually(async () => (await agentLog(agent, chatId)).slice(before).some((m) => m.type === 'TypingStopped' && m.from.type === 'Customer'),
    'agent sees the customer stop typing');
});

test('a failed send shows "Not sent" with Retry, and Retry delivers it once', async ({ page, server }) => {
  const { agent, w, chatId } = await chatting(page, server);
  // No network: the REST send fails (an open websocket would survive setOffline, but sends go
  // over REST so that "sent" means stored).
  await page.context().setOffline(true);
  await w.send('Are you still there?', { waitSent: false });
  const mine = w.myMessage('Are you still there?');
  await expect(mine).toHaveAttribute('data-state', 'failed');
  await expect(mine.locator('.state')).toHaveText('Not sent');
  await page.context().setOffline(false);
  await mine.getByRole('button', { name: 'Retry' }).click();
  await expect(mine).toHaveAttribute('data-state', 'sent');
  await expect(w.myMessage('Are you still there?')).toHaveCount(1);
  await eventually(async () => (await agentTexts(agent, chatId)).filter((t) => t === 'Customer:Are you still there?').length === 1,
    'the agent gets it exactly once');
});

test('file upload: the agent gets it; a file over the limit is refused with a message', async ({ page, server }) => {
  const { agent, w, chatId } = await chatting(page, server);
  await w.attach({ name: 'receipt.txt', mimeType: 'text/plain', buffer: Buffer.from('order 1234: tent pegs x10\n') });
  await expect(w.log.locator('li.file.mine')).toContainText('sent a file: receipt.txt (26 bytes)');
  const uploaded = await eventually(async () => (await agentLog(agent, chatId)).find((m) => m.type === 'FileUploaded'), 'FileUploaded for the agent');
  expect(uploaded.userData['file-name']).toBe('receipt.txt');
  expect(Number(uploaded.userData['file-size'])).toBe(26);

  // 2 MiB is the server's default limit per file: one byte more is refused before upload.
  await w.attach({ name: 'big.txt', mimeType: 'text/plain', buffer: Buffer.alloc(2 * 1024 * 1024 + 1, 0x61) });
  await expect(w.fileError).toHaveText('big.txt is too large: the limit is 2 MiB.');
  // A type the service does not accept.
  await w.attach({ name: 'tool.exe', mimeType: 'application/octet-stream', buffer: Buffer.from('MZ') });
  await expect(w.fileError).toContainText('Files of this type cannot be sent');
  const files = (await agentLog(agent, chatId)).filter((m) => m.type === 'FileUploaded');
  expect(files).toHaveLength(1);
});

test('transcript download holds the conversation as the customer saw it', async ({ page, server }) => {
  const { agent, w, chatId } = await chatting(page, server);
  await w.send('Is the Ridge 2 waterproof?');
  await agent.opOk(chatId, { operationName: 'SendMessage', text: 'Yes: 3000 mm hydrostatic head.' });
  await w.expectMessage('Yes: 3000 mm hydrostatic head.');
  const { name, text } = await w.downloadTranscript();
  expect(name).toBe(`chat-transcript-${chatId}.txt`);
  const lines = text.split('\n');
  const at = (needle) => lines.findIndex((l) => l.includes(needle));
  expect(at('* Bob joined the chat')).toBeGreaterThan(-1);
  expect(at('* Alice joined the chat')).toBeGreaterThan(at('* Bob joined the chat'));
  expect(at('Bob: Is the Ridge 2 waterproof?')).toBeGreaterThan(at('* Alice joined the chat'));
  expect(at('Alice: Yes: 3000 mm hydrostatic head.')).toBeGreaterThan(at('Bob: Is the Ridge 2 waterproof?'));
  expect(lines[at('Bob: Is the Ridge 2 waterproof?')]).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] Bob: /);
  expect(text).not.toContain('file-client-cfg-get');
});

test('end chat: the agent sees the customer leave; the widget offers a new chat', async ({ page, server }) => {
  const { agent, w, chatId } = await chatting(page, server);
  await w.endChat();
  await expect(w.panel.locator('.composer')).toBeHidden();
  await expect(w.panel.getByRole('button', { name: 'Start a new chat' })).toBeFocused();
  await eventually(async () => (await agentLog(agent, chatId)).some((m) => m.type === 'ParticipantLeft' && m.from.type === 'Customer'),
    'the agent sees the customer leave');
  // Nothing is resumed after a reload: the ended chat was forgotten.
  await page.reload();
  await w.waitReady();
  await expect(w.panel).toBeHidden();
  expect(await w.chatId()).toBeNull();
});

test('keyboard: the launcher opens with Enter, focus goes to the name, Escape closes and focus returns', async ({ page }) => {
  const w = new CustomerWidget(page);
  await w.goto();
  await w.launcher.focus();
  await page.keyboard.press('Enter');
  await expect(w.panel.getByLabel('Your name (required)')).toBeFocused();
  await page.keyboard.type('Kim');
  await page.keyboard.press('Enter'); // submits the start form
  await expect(w.messageBox).toBeFocused();
  await page.keyboard.type('typed with the keyboard');
  await page.keyboard.press('Enter');
  await expect(w.myMessage('typed with the keyboard')).toHaveAttribute('data-state', 'sent');
  await page.keyboard.press('Escape');
  await expect(w.panel).toBeHidden();
  await expect(w.launcher).toBeFocused();
  await expect(w.launcher).toHaveAttribute('aria-expanded', 'false');
});

test.describe('idle customer', () => {
  test.use({ serverFlags: ['--customer-idle-limit', '2', '--customer-idle-close', '60'] });
  test('the idle alert the server sends is shown to the customer', async ({ page, server }) => {
    const { w } = await chatting(page, server);
    await expect(w.alert).toBeVisible({ timeout: 15_000 });
    await expect(w.alert).toHaveText('You have been idle. The chat will close soon.');
    await expect(w.alert).toHaveAttribute('role', 'alert');
    // Writing again clears it.
    await w.send('Sorry, I am back');
    await expect(w.alert).toBeHidden();
  });
});

/**
 * Route the widget's websockets through the test so the "network" can drop them: while
 * `down`, open sockets are closed, new ones refused, and HTTP to /genesys fails.
 */
async function cuttableNetwork(page) {
  const sockets = new Set();
  const net = { down: false };
  await page.routeWebSocket(/\/genesys\/cometd/, (ws) => {
    if (net.down) return ws.close();
    ws.connectToServer(); // forward both ways untouched
    sockets.add(ws);
  });
  await page.route('**/genesys/**', (route) => (net.down ? route.abort('internetdisconnected') : route.continue()));
  net.cut = async () => {
    net.down = true;
    for (const ws of sockets) await ws.close().catch(() => {});
    sockets.clear();
  };
  net.restore = () => { net.down = false; };
  return net;
}

test('reconnect after network loss: messages sent meanwhile appear once each, in order', async ({ page, server }) => {
  const net = await cuttableNetwork(page);
  const { agent, w, chatId } = await chatting(page, server);
  expect(await w.transport()).toBe('push');
  await agent.opOk(chatId, { operationName: 'SendMessage', text: 'before the cut' });
  await w.expectMessage('before the cut');

  await net.cut();
  await expect(w.status).toHaveText('Connection lost, reconnecting…');
  for (const n of [1, 2, 3]) await agent.opOk(chatId, { operationName: 'SendMessage', text: `while away ${n}` });
  net.restore();
  await expect(w.status).toHaveText('Chatting with Alice', { timeout: 20_000 });
  await w.expectMessage('while away 3');
  await agent.opOk(chatId, { operationName: 'SendMessage', text: 'after the cut' });
  await w.expectMessage('after the cut');
  expect(await w.messageTexts()).toEqual(['before the cut', 'while away 1', 'while away 2', 'while away 3', 'after the cut']);
  // Indexes are dense and unique: nothing skipped, nothing twice.
  const idx = (await w.log.locator('li[data-index]').evaluateAll((els) => els.map((e) => Number(e.dataset.index))));
  expect(new Set(idx).size).toBe(idx.length);
  expect(idx).toEqual([...idx].sort((a, b) => a - b));
});

test('a page reload resumes the chat with its whole transcript', async ({ page, server }) => {
  const { agent, w, chatId } = await chatting(page, server);
  await w.send('first, before the reload');
  await agent.opOk(chatId, { operationName: 'SendMessage', text: 'reply before the reload' });
  await w.expectMessage('reply before the reload');
  await page.reload();
  await w.waitReady();
  await expect(w.panel).toBeVisible(); // reopened: the customer was chatting
  await w.waitForAgentJoined('Alice');
  expect(await w.chatId()).toBe(chatId);
  expect(await w.messageTexts()).toEqual(['first, before the reload', 'reply before the reload']);
  await agent.opOk(chatId, { operationName: 'SendMessage', text: 'after the reload' });
  await w.expectMessage('after the reload');
  await w.send('still here');
  await eventually(async () => (await agentTexts(agent, chatId)).includes('Customer:still here'), 'the agent gets it');
  expect(await w.messageTexts()).toEqual(['first, before the reload', 'reply before the reload', 'after the reload', 'still here']);
});

test.describe('phone', () => {
  test.use({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  test('on a 360 px screen the panel fills the screen without horizontal scrolling', async ({ page, server }) => {
    const { agent, w, chatId } = await chatting(page, server);
    await agent.opOk(chatId, { operationName: 'SendMessage', text: 'A very long word: Donaudampfschifffahrtsgesellschaftskapitänsmützenabzeichen and a URL https://example.com/a/really/long/path/that/should/wrap' });
    await w.expectMessage('Donaudampfschifffahrts');
    const box = await w.panel.boundingBox();
    expect(box.x).toBe(0);
    expect(box.width).toBe(360);
    expect(box.height).toBe(740);
    const overflow = await page.evaluate(() => {
      const panel = document.querySelector('#parley-chat-widget').shadowRoot.querySelector('.panel');
      const wide = [...panel.querySelectorAll('*')].filter((e) => e.getBoundingClientRect().right > 360.5).map((e) => e.className || e.tagName);
      return { doc: document.documentElement.scrollWidth, wide };
    });
    expect(overflow.wide).toEqual([]);
    expect(overflow.doc).toBeLessThanOrEqual(360);
    for (const name of ['Send', 'End chat', 'Download transcript']) {
      await expect(w.panel.getByRole('button', { name })).toBeInViewport();
    }
  });
});

test('REST polling fallback when websockets and /genesys/cometd are blocked', async ({ page, server }) => {
  await page.routeWebSocket(/\/genesys\/cometd/, (ws) => ws.close());
  let blocked = 0;
  await page.route('**/genesys/cometd**', (route) => { blocked++; return route.abort('connectionrefused'); });
  const { agent, w, chatId } = await chatting(page, server);
  expect(await w.transport()).toBe('poll');
  expect(blocked).toBeGreaterThan(0); // CometD really was tried
  await w.send('over plain HTTP');
  await eventually(async () => (await agentTexts(agent, chatId)).includes('Customer:over plain HTTP'), 'agent gets it');
  await agent.opOk(chatId, { operationName: 'SendMessage', text: 'polled reply' });
  await w.expectMessage('polled reply');
  await agent.opOk(chatId, { operationName: 'SendStartTypingNotification' });
  await w.expectTyping('Alice');
  expect(await w.messageTexts()).toEqual(['over plain HTTP', 'polled reply']);
});

test('the one script tag works on another site (another origin)', async ({ page, server }) => {
  // A shop served by its own little server (a real loopback origin: a page fulfilled by
  // page.route would count as "public" and Chromium's local-network rules would block it),
  // with its own CSS using the same generic names as the widget.
  const html = `<!doctype html><html><head><style>button{background:hotpink!important;font-size:40px}.panel{display:none}</style></head>
    <body><h1>Another shop</h1><script src="${server.base}/web/widget.js" data-service="customer-support" defer></script></body></html>`;
  const shopServer = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
  await new Promise((resolve) => shopServer.listen(0, '127.0.0.1', resolve));
  const shop = `http://localhost:${shopServer.address().port}/`;
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  try {
    const agent = await readyAgent(server);
    const w = new CustomerWidget(page);
    await w.goto(shop);
    expect(new URL(page.url()).origin).not.toBe(new URL(server.base).origin);
    await w.start('Remote');
    // The shop's rules did not reach into the widget.
    expect(await w.panel.getByRole('button', { name: 'Send' }).evaluate((b) => getComputedStyle(b).fontSize)).toBe('16px');
    expect(await w.transport()).toBe('push');
    const chatId = await w.chatId();
    await accept(agent, chatId);
    await w.waitForAgentJoined('Alice');
    await w.send('from another origin');
    await eventually(async () => (await agentTexts(agent, chatId)).includes('Customer:from another origin'), 'agent gets it');
    expect(errors).toEqual([]);
  } finally {
    shopServer.close();
  }
});
