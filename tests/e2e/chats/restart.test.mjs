// Persistence: stop the server in the middle of chats (SIGTERM, then SIGKILL), start it on the
// same data directory, and nothing is lost: chats, participants, capabilities, user data, the
// whole log with its indexes, a pending offer, the customer's credentials and read position,
// the agents' HTTP sessions; and the chats go on, with push, after the restart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll } from '../lib/server.mjs';
import { disconnectAll } from '../lib/bayeux.mjs';
import {
  startChatServer, chatAgent, Customer, acceptedChat, assertDense, waitUntil,
} from '../lib/chat.mjs';

const j = (x) => JSON.stringify(x);
let srv, a1, a2, cust1, cust2;
let snap;

before(async () => {
  srv = await startChatServer();
  a1 = await chatAgent(srv, 'agent1');
  a2 = await chatAgent(srv, 'agent2');
  await a1.start();
  await a2.start();
  await a1.ready();
});
after(async () => {
  await disconnectAll();
  await cleanupAll();
});

async function snapshot() {
  return {
    a1chat: await a1.chat(cust1.chatId),
    a1log: await a1.messages(cust1.chatId),
    a2chats: (await a2.chats()).sort((x, y) => x.id.localeCompare(y.id)),
    a2log: await a2.messages(cust1.chatId),
    c1: await cust1.transcript(),
    c2: await cust2.transcript(),
  };
}

async function expectSame(what) {
  const now = await snapshot();
  assert.deepEqual(now.a1chat, snap.a1chat, `${what}: agent1's chat object (state, participants, capabilities, userData)`);
  assert.deepEqual(now.a1log, snap.a1log, `${what}: agent1's log`);
  assert.deepEqual(now.a2chats, snap.a2chats, `${what}: agent2's chats (one Chatting, one Invited)`);
  assert.deepEqual(now.a2log, snap.a2log, `${what}: agent2's log`);
  assert.deepEqual(now.c1, snap.c1, `${what}: customer 1's transcript`);
  assert.deepEqual(now.c2, snap.c2, `${what}: customer 2's transcript`);
}

/** Wait until the agent's CometD client has re-subscribed after the restart. */
const resubscribed = (a, n) => waitUntil(() => a.subscribes.filter((s) => s.successful).length >= n, 20_000,
  () => `${a.user} re-subscribes after the restart: ${j(a.subscribes)}`);

test('a chat in full swing (consultant, agent-only items, user data) and a pending offer', async () => {
  cust1 = await acceptedChat(srv, a1, { nickname: 'Persistent', text: 'before restart', userData: { acct: '991' } });
  const id = cust1.chatId;
  await a1.opOk(id, { operationName: 'SendMessage', text: 'agent reply 1' });
  await cust1.send('customer 2');
  await a1.opOk(id, { operationName: 'AttachUserData', userData: { tier: 'gold' } });
  await a2.ready();
  const f2 = a2.mark();
  await a1.opOk(id, { operationName: 'Consult', targetUri: a2.uri });
  await a2.waitOffer(id, { from: f2 });
  await a2.opOk(id, { operationName: 'Accept' });
  await a2.waitState(id, 'Chatting', { from: f2 });
  await a1.opOk(id, { operationName: 'SendToAgents', text: 'AGENTONLY before restart' });
  await a1.notReady('x');
  const g2 = a2.mark();
  cust2 = await Customer.request(srv, { nickname: 'Waiting', text: 'offer me' });
  await a2.waitOffer(cust2.chatId, { from: g2 });
  await cust1.refresh(); // the customer's read position is now the end
  snap = await snapshot();
  assert.equal(snap.a2chats.length, 2, j(snap.a2chats));
  assert.deepEqual(snap.a2chats.map((c) => c.state).sort(), ['Chatting', 'Invited']);
});

test('SIGTERM restart: everything is still there, the same credentials work, the chat goes on with push', async () => {
  const subs1 = a1.subscribes.length;
  const subs2 = a2.subscribes.length;
  await srv.restart();
  await expectSame('after SIGTERM restart'); // same cookies and customer keys: nothing to log in again
  const r = await cust1.refresh();
  assert.deepEqual(r.messages, [], `the customer's read position survived: nothing new: ${j(r)}`);
  assert.equal(r.chatEnded, false);
  const chans = await a2.channels();
  assert.equal(chans.find((c) => c.channel === 'chat')?.userState?.state, 'Ready', 'agent state survived');

  await resubscribed(a1, subs1 + 1);
  await resubscribed(a2, subs2 + 1);
  const id = cust1.chatId;
  const n = snap.a1log.length;
  const f1 = a1.mark();
  const s = await cust1.send('after restart');
  const mine = s.messages.find((m) => m.text === 'after restart');
  assert.equal(mine?.index, snap.c1.length + 1, `the customer's numbering continues: ${j(s)}`);
  const pushed = await a1.waitMessage(id, (m) => m.text === 'after restart', 'push after the restart', { from: f1, timeoutMs: 10_000 });
  assert.equal(pushed.index, n + 1, 'the agents\' numbering continues');
  await a1.opOk(id, { operationName: 'SendToAgents', text: 'AGENTONLY after restart' });
  await a1.opOk(id, { operationName: 'SendMessage', text: 'agent reply 2' });

  // The offer survived: agent2 accepts it now.
  const g = a2.mark();
  await a2.opOk(cust2.chatId, { operationName: 'Accept' });
  await a2.waitState(cust2.chatId, 'Chatting', { from: g, timeoutMs: 10_000 });
  const c2 = await cust2.refresh();
  assert.ok(c2.messages.some((m) => m.type === 'ParticipantJoined' && m.from.nickname === 'agent2'), j(c2));
  await cust1.refresh();
  snap = await snapshot();
  assertDense(snap.c1, 'customer 1 after the restart');
  assertDense(snap.a1log, 'agent1 after the restart');
  assert.ok(!j(snap.c1).includes('AGENTONLY'), 'agent-only items stay hidden after a restart');
});

test('SIGKILL (crash): every acknowledged operation is still there', async () => {
  const subs1 = a1.subscribes.length;
  await srv.kill();
  await srv.start();
  await expectSame('after SIGKILL');
  const id = cust1.chatId;
  const log = snap.a1log;
  assert.deepEqual(log.filter((m) => m.type === 'Text').map((m) => m.text),
    ['before restart', 'agent reply 1', 'customer 2', 'AGENTONLY before restart', 'after restart', 'AGENTONLY after restart', 'agent reply 2']);
  assert.equal(snap.a1chat.userData.tier, 'gold');
  assert.equal(snap.a1chat.userData.acct, '991');
  assert.deepEqual(snap.a1chat.participants.map((p) => [p.nickname, p.visibility]),
    [['agent1', 'All'], ['agent2', 'Agents'], ['Persistent', 'All']]);
  await resubscribed(a1, subs1 + 1);
  const f1 = a1.mark();
  await a1.opOk(id, { operationName: 'Complete' });
  await a1.waitState(id, 'Completed', { from: f1, timeoutMs: 10_000 });
  const r = await cust1.refresh();
  assert.equal(r.chatEnded, true, j(r));
  assert.ok(r.messages.length === 0 || r.messages.every((m) => m.index > snap.c1.length), j(r));
});

test('a chat that ended before a restart still answers its customer: chatEnded, the whole transcript', async () => {
  const before = await cust1.transcript();
  await srv.restart();
  const r = await cust1.refresh(1);
  assert.equal(r.statusCode, 0, j(r));
  assert.equal(r.chatEnded, true, j(r));
  assert.deepEqual(r.messages, before, 'the same transcript, read back from the store');
  // Reading it again does not push anything old to the agents who took part.
  const mark = a1.mark();
  await cust1.refresh(1);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual(a1.got.slice(mark).filter((m) => JSON.stringify(m).includes(cust1.chatId)), [], 'nothing re-sent to agent1');
});
