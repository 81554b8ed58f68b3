// Capabilities are exactly chat.md's lists, in order, in push and in every REST read, and the
// server refuses what they do not list (statusCode 2) and accepts what they do.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll } from '../lib/server.mjs';
import { disconnectAll } from '../lib/bayeux.mjs';
import {
  startChatServer, chatAgent, Customer, expectGwsError, sleep,
  CAPS_ALONE, CAPS_WITH_AGENT, CAPS_CUSTOMER_GONE, CAPS_INVITED, CAPS_TO_AGENTS,
} from '../lib/chat.mjs';

const j = (x) => JSON.stringify(x);
let srv, a1, a2;

before(async () => {
  srv = await startChatServer();
  a1 = await chatAgent(srv, 'agent1');
  a2 = await chatAgent(srv, 'agent2');
  await a1.start();
  await a2.start();
});
after(async () => {
  await disconnectAll();
  await cleanupAll();
});

/** Capabilities in all four reads agree with the expected list. */
async function expectCaps(a, chatId, want, what) {
  const one = await a.chat(chatId);
  assert.deepEqual(one.capabilities, want, `${what}: GET /me/chats/{id}`);
  const g = await a.get(`/api/v2/chats/${chatId}`);
  assert.equal(g.status, 200, g.text);
  assert.deepEqual(g.json.chat.capabilities, want, `${what}: GET /chats/{id}`);
  const listed = (await a.chats('*')).find((c) => c.id === chatId);
  assert.deepEqual(listed?.capabilities, want, `${what}: GET /me/chats?state=*`);
}

/** The latest pushed chat object of this chat for agent a. */
const lastPushed = (a, chatId) => a.got.filter((d) => d.messageType === 'ChatStateChangeMessage' && d.chat?.id === chatId).at(-1)?.chat;

async function consult(from, to, chatId) {
  const f = to.mark();
  await from.opOk(chatId, { operationName: 'Consult', targetUri: to.uri });
  await to.waitOffer(chatId, { from: f });
  await to.opOk(chatId, { operationName: 'Accept' });
  await to.waitState(chatId, 'Chatting', { from: f });
}

test('Invited → Accept, Reject; alone → the 16; with a consultant → + the 4 ToAgents; consultant gone → the 16 again', async () => {
  await a1.ready();
  const cust = await Customer.request(srv, { nickname: 'Caps' });
  const id = cust.chatId;
  const off = await a1.waitOffer(id);
  assert.deepEqual(off.chat.capabilities, CAPS_INVITED);
  await expectCaps(a1, id, CAPS_INVITED, 'Invited');
  expectGwsError(await a1.op(id, { operationName: 'SendMessage', text: 'too early' }), 409, 2, 'SendMessage while Invited');

  let f = a1.mark();
  await a1.opOk(id, { operationName: 'Accept' });
  await a1.waitState(id, 'Chatting', { from: f });
  await sleep(100);
  assert.deepEqual(lastPushed(a1, id).capabilities, CAPS_ALONE, 'pushed, alone with the customer');
  await expectCaps(a1, id, CAPS_ALONE, 'alone');
  expectGwsError(await a1.op(id, { operationName: 'Accept' }), 409, 2, 'Accept when already Chatting');
  for (const op of CAPS_TO_AGENTS) {
    const body = { operationName: op, text: 'x', noticeText: 'x' };
    expectGwsError(await a1.op(id, body), 409, 2, `${op} with no other agent`);
  }

  await a2.ready();
  f = a1.mark();
  await consult(a1, a2, id);
  await a1.waitPush((d) => d.notificationType === 'ParticipantsUpdated' && d.chat?.id === id && d.chat.participants.length === 3,
    'agent1 is told about the consultant (its capabilities changed)', { from: f });
  assert.deepEqual(lastPushed(a1, id).capabilities, CAPS_WITH_AGENT, 'pushed, with a consultant');
  await expectCaps(a1, id, CAPS_WITH_AGENT, 'with a consultant');
  await expectCaps(a2, id, CAPS_WITH_AGENT, 'the consultant (another agent is visible to them)');
  await a1.opOk(id, { operationName: 'SendToAgents', text: 'now allowed' });
  await a1.opOk(id, { operationName: 'SendStartTypingToAgentsNotification' });
  await a1.opOk(id, { operationName: 'SendStopTypingToAgentNotification' }); // singular spelling accepted
  await a1.opOk(id, { operationName: 'SendCustomNoticeToAgents', noticeText: 'n' });

  f = a1.mark();
  await a2.opOk(id, { operationName: 'Leave' });
  await a1.waitPush((d) => d.notificationType === 'ParticipantsUpdated' && d.chat?.id === id && d.chat.participants.length === 2,
    'agent1 is told the consultant left', { from: f });
  assert.deepEqual(lastPushed(a1, id).capabilities, CAPS_ALONE, 'pushed after the consultant left');
  await expectCaps(a1, id, CAPS_ALONE, 'the consultant left');
  await expectCaps(a2, id, [], 'the consultant who left (Completed)');
  expectGwsError(await a1.op(id, { operationName: 'SendToAgents', text: 'x' }), 409, 2, 'SendToAgents alone again');

  // The customer disconnects: the reduced list.
  f = a1.mark();
  const r = await cust.disconnect();
  assert.equal(r.chatEnded, true, `disconnect ends the chat for the customer: ${j(r)}`);
  await a1.waitPush((d) => d.chat?.id === id && j(d.chat.capabilities) === j(CAPS_CUSTOMER_GONE),
    'agent1 is pushed the reduced capabilities', { from: f });
  await a1.waitMessage(id, (m) => m.type === 'ParticipantLeft' && m.from.type === 'Customer', 'the customer\'s leave', { from: f });
  await expectCaps(a1, id, CAPS_CUSTOMER_GONE, 'customer gone');
  for (const body of [
    { operationName: 'SendMessage', text: 'anyone?' },
    { operationName: 'SendStartTypingNotification' },
    { operationName: 'SendUrl', url: 'https://example.com/' },
    { operationName: 'SendCustomNotice', noticeText: 'x' },
    { operationName: 'Transfer', queueName: 'customer-support' },
    { operationName: 'Consult', targetUri: a2.uri },
    { operationName: 'SetInFocus' },
  ]) {
    expectGwsError(await a1.op(id, body), 409, 2, `${body.operationName} after the customer left`);
  }
  await a1.opOk(id, { operationName: 'SetDisposition', disposition: 'Abandoned' });
  await a1.opOk(id, { operationName: 'AttachUserData', userData: { k: 'v' } });
  f = a1.mark();
  await a1.opOk(id, { operationName: 'Complete' });
  const done = await a1.waitState(id, 'Completed', { from: f });
  assert.deepEqual(done.chat.capabilities, [], 'Completed: none');
  await expectCaps(a1, id, [], 'Completed');
  expectGwsError(await a1.op(id, { operationName: 'Complete' }), 409, 2, 'Complete twice');
});

test('customer gone while another agent remains: the reduced list + SendToAgents and its typing', async () => {
  await a2.notReady('x');
  await a1.ready();
  const f = a1.mark();
  const cust = await Customer.request(srv, { nickname: 'Caps2' });
  const id = cust.chatId;
  await a1.waitOffer(id, { from: f });
  await a1.opOk(id, { operationName: 'Accept' });
  await a1.waitState(id, 'Chatting', { from: f });
  await a2.ready();
  await consult(a1, a2, id);
  const g = a1.mark();
  await cust.disconnect();
  await a1.waitMessage(id, (m) => m.type === 'ParticipantLeft' && m.from.type === 'Customer', 'the customer\'s leave', { from: g });
  await sleep(150);
  const want = [...CAPS_CUSTOMER_GONE, 'SendToAgents', 'SendStartTypingToAgentsNotification', 'SendStopTypingToAgentsNotification'];
  for (const a of [a1, a2]) {
    const caps = (await a.chat(id)).capabilities;
    assert.deepEqual([...caps].sort(), [...want].sort(), `${a.user}: ${j(caps)}`);
    assert.deepEqual(caps.slice(0, CAPS_CUSTOMER_GONE.length), CAPS_CUSTOMER_GONE, `${a.user}: the reduced list first: ${j(caps)}`);
  }
  await a1.opOk(id, { operationName: 'SendToAgents', text: 'customer is gone' });
  await a2.waitMessage(id, (m) => m.text === 'customer is gone', 'SendToAgents after the customer left');
  expectGwsError(await a1.op(id, { operationName: 'SendMessage', text: 'x' }), 409, 2, 'SendMessage with the customer gone');
  // agent1 leaves; agent2 remains and the chat goes on for agents only.
  await a1.opOk(id, { operationName: 'Leave' });
  await sleep(150);
  assert.deepEqual((await a2.chat(id)).capabilities, CAPS_CUSTOMER_GONE, 'agent2 alone, customer gone');
  await a2.opOk(id, { operationName: 'Complete' });
});
