// The customer API over CometD (customer.md, "CometD (push) API") with the official client on
// both transports: requestChat, pushes of the envelope, sendMessage, typing, disconnect,
// requestNotifications, a wrong secureKey; agents' internal messages never pushed to the customer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll } from '../lib/server.mjs';
import { CometD, adaptOnce, disconnectAll } from '../lib/bayeux.mjs';
import { startChatServer, chatAgent, waitUntil, SERVICE, sleep } from '../lib/chat.mjs';

const j = (x) => JSON.stringify(x);
const CHANNEL = `/service/chatV2/${SERVICE}`;
let srv, a1;

before(async () => {
  srv = await startChatServer();
  a1 = await chatAgent(srv, 'agent1');
  await a1.start();
  await a1.ready();
});
after(async () => {
  await disconnectAll();
  await cleanupAll();
});

/** A customer on /genesys/cometd: every pushed envelope is kept, in arrival order. */
async function cometdCustomer(transport) {
  adaptOnce();
  const c = new CometD();
  if (transport === 'long-polling') c.unregisterTransport('websocket');
  else c.unregisterTransport('long-polling');
  c.configure({ url: `http://127.0.0.1:${srv.port}/genesys/cometd`, logLevel: 'warn' });
  const customer = { client: c, pushes: [] };
  await new Promise((resolve, reject) => c.handshake((h) => (h.successful ? resolve() : reject(new Error(j(h))))));
  assert.equal(c.getTransport().type, transport);
  await new Promise((resolve) => c.subscribe(CHANNEL, (m) => customer.pushes.push(m.data), resolve));
  customer.publish = (data) => new Promise((resolve) => c.publish(CHANNEL, data, resolve));
  customer.messages = () => customer.pushes.flatMap((p) => p.messages || []);
  customer.wait = (pred, what) => waitUntil(() => customer.messages().find(pred), 5000,
    () => `customer ${what}; pushes ${j(customer.pushes).slice(0, 2000)}`).then(() => customer.messages().find(pred));
  return customer;
}

for (const transport of ['websocket', 'long-polling']) {
  test(`${transport}: a whole chat through /genesys/cometd`, async () => {
    const cust = await cometdCustomer(transport);
    // A failed step must not leave the client reconnecting (it would keep this file running).
    try {
      await wholeChat(cust);
    } finally {
      await new Promise((r) => cust.client.disconnect(r));
    }
  });
}

/** The whole chat of one customer on /genesys/cometd, from requestChat to Complete. */
async function wholeChat(cust) {
  const offerMark = a1.mark();
  const reply = await cust.publish({ operation: 'requestChat', nickname: 'Cora', subject: 'Push', userData: { Order: '7' } });
  assert.equal(reply.successful, true, j(reply));
  await waitUntil(() => cust.pushes.some((p) => p.chatId), 5000, () => j(cust.pushes));
  const first = cust.pushes.find((p) => p.chatId);
  assert.equal(first.statusCode, 0);
  assert.equal(first.chatEnded, false);
  assert.ok(first.secureKey && first.userId, j(first));
  const chatId = first.chatId;

  const offer = await a1.waitOffer(chatId, { from: offerMark });
  assert.equal(offer.chat.userData.Order, '7', j(offer));
  await a1.opOk(chatId, { operationName: 'Accept' });
  await cust.wait((m) => m.type === 'ParticipantJoined' && m.from.type === 'Agent', 'sees the agent join');

  await a1.opOk(chatId, { operationName: 'SendMessage', text: 'Hello Cora' });
  await a1.opOk(chatId, { operationName: 'SendToAgents', text: 'INTERNAL-ONLY' }).catch(() => {});
  await cust.wait((m) => m.type === 'Message' && m.text === 'Hello Cora', 'gets the agent message');

  const mark = a1.mark();
  await cust.publish({ operation: 'startTyping', secureKey: first.secureKey, message: 'I am typ' });
  await cust.publish({ operation: 'sendMessage', secureKey: first.secureKey, message: 'Hi agent' });
  await a1.waitMessage(chatId, (m) => m.type === 'Text' && m.text === 'Hi agent', 'customer text', { from: mark });
  const typing = await a1.waitMessage(chatId, (m) => m.type === 'TypingStarted', 'customer typing', { from: mark });
  assert.equal(typing.text, 'I am typ', 'the typing preview reaches the agent');

  // A wrong key is an error pushed to this session, and changes nothing.
  const before = cust.pushes.length;
  await cust.publish({ operation: 'sendMessage', secureKey: 'wrong', message: 'nope' });
  // (The echo of the previous message may still be on its way: wait for the error itself.)
  await waitUntil(() => cust.pushes.slice(before).some((p) => p.errors), 5000, () => 'an error push');
  const error = cust.pushes.slice(before).find((p) => p.errors);
  assert.equal(error?.errors?.[0]?.code, 104, j(cust.pushes.slice(before)));

  // Resume from the start: the whole customer transcript, dense, with nothing internal.
  const resumeMark = cust.pushes.length;
  await cust.publish({ operation: 'requestNotifications', secureKey: first.secureKey, transcriptPosition: 1 });
  await waitUntil(() => cust.pushes.slice(resumeMark).some((p) => p.messages?.[0]?.index === 1), 5000,
    () => j(cust.pushes.slice(resumeMark)));
  const all = cust.pushes.slice(resumeMark).find((p) => p.messages?.[0]?.index === 1).messages;
  all.forEach((m, i) => assert.equal(m.index, i + 1, `dense: ${j(all)}`));
  assert.ok(!all.some((m) => String(m.text).includes('INTERNAL')), `nothing internal: ${j(all)}`);
  assert.ok(!all.some((m) => m.type === 'TypingStarted' && m.from.type === 'Agent' && m.text), 'no agent typing text');

  await cust.publish({ operation: 'disconnect', secureKey: first.secureKey });
  await waitUntil(() => cust.pushes.some((p) => p.chatEnded === true), 5000, () => j(cust.pushes.slice(-2)));
  await a1.waitMessage(chatId, (m) => m.type === 'ParticipantLeft', 'customer left', { from: mark });
  await a1.opOk(chatId, { operationName: 'Complete' });
}

test('an offer nobody answers goes NotReady "Missed offer" and to the next agent', async () => {
  const fast = await startChatServer({ flags: ['--offer-timeout', '1'] });
  const b1 = await chatAgent(fast, 'agent1');
  const b2 = await chatAgent(fast, 'agent2');
  await b1.start();
  await b2.start();
  await b1.ready();
  await sleep(20);
  await b2.ready();
  const m1 = b1.mark(), m2 = b2.mark();
  const res = await fetch(`${fast.base}/genesys/2/chat/${SERVICE}`, { method: 'POST', body: new URLSearchParams({ nickname: 'Late' }) });
  const { chatId } = await res.json();
  await b1.waitOffer(chatId, { from: m1 });
  const withdrawn = await b1.waitState(chatId, 'Completed', { from: m1, timeoutMs: 4000 });
  assert.deepEqual(withdrawn.chat.participants, []);
  const channels = await b1.get('/api/v2/me/channels');
  assert.equal(channels.json.channels[0].userState.state, 'NotReady', j(channels.json));
  assert.equal(channels.json.channels[0].userState.reason, 'Missed offer', j(channels.json));
  await b2.waitOffer(chatId, { from: m2, timeoutMs: 4000 });
});
