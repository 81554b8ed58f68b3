// The scope of a supervision (supervision.md "Starting and stopping supervision of an agent"):
// without includeCurrentChats the supervisor joins from the next accepted chat on; with it, at
// once; starting again replaces mode and scope; NextChat ends after one chat (joining current
// chats does not use it up); CancelSupervisorMonitoring stops future joins but leaves current ones;
// a supervisor reaching one chat through two supervised agents joins it once, in the first mode;
// supervised chats do not count against the supervisor's own capacity.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll } from '../lib/server.mjs';
import { disconnectAll } from '../lib/bayeux.mjs';
import { startChatServer, chatAgent, acceptedChat, Customer, expectGwsError } from '../lib/chat.mjs';
import {
  supervisor, SUP_CAPS, waitJoined, assertNothing, customerNews, plist, isSC, j,
} from '../lib/supervision.mjs';

let srv, a1, a2, sup;

before(async () => {
  srv = await startChatServer();
  a1 = await chatAgent(srv, 'agent1');
  a2 = await chatAgent(srv, 'agent2');
  sup = await supervisor(srv, 'supervisor1');
  await a1.start();
  await a2.start();
  await a1.ready();
});
after(async () => {
  await disconnectAll();
  await cleanupAll();
});

/** Accept a chat and assert the supervisor did not join it. */
async function notJoined(cust, what) {
  await assertNothing(sup, cust.chatId, 0, what, 500);
  assert.ok(!(await sup.chats()).some((c) => c.id === cust.chatId), `${what}: not in the supervisor's GET /me/chats`);
  expectGwsError(await sup.op(cust.chatId, { operationName: 'SwitchToCoach' }), 404, 6, `${what}: a switch in a chat the supervisor is not in`);
  assert.deepEqual(plist(await a1.chat(cust.chatId)).map((p) => p[0]), ['agent1', cust.nick], `${what}: the agent sees no supervisor`);
}

const request = async (nickname) => {
  const c = await acceptedChat(srv, a1, { nickname });
  c.nick = nickname;
  await customerNews(c); // the customer has read everything up to the agent's join
  return c;
};

const complete = async (...custs) => {
  for (const c of custs) await a1.opOk(c.chatId, { operationName: 'Complete' });
};

test('without includeCurrentChats a new supervision does not join the chat the agent is already in', async () => {
  const x = await request('Xena');
  await sup.superviseOk(a1, { operationName: 'Monitor' });
  assert.deepEqual(await sup.supervisions(a1),
    [{ userId: sup.id, nickname: 'supervisor1', mode: 'Monitor', supervisorMonitoringMode: 'AllChats' }],
    'defaults: nickname = userName, AllChats');
  await notJoined(x, 'current chat, includeCurrentChats absent');

  // Starting again replaces mode and scope, and includeCurrentChats joins the current chat at once.
  const fs = sup.mark();
  const fa = a1.mark();
  await sup.superviseOk(a1, { operationName: 'Coach', nickname: 'Cat', includeCurrentChats: true });
  assert.deepEqual(await sup.supervisions(a1),
    [{ userId: sup.id, nickname: 'Cat', mode: 'Coach', supervisorMonitoringMode: 'AllChats' }], 'replaced, not added');
  await waitJoined(sup, x.chatId, fs);
  const sc = sup.about(x.chatId, fs).find(isSC);
  assert.deepEqual(sc.chat.capabilities, SUP_CAPS.Coach, 'joined in the new mode');
  assert.deepEqual(plist(sc.chat), [['agent1', 'All'], ['Cat', 'Agents'], ['Xena', 'All']]);
  const joined = await a1.waitMessage(x.chatId, (m) => m.type === 'ParticipantJoined', 'coach joins', { from: fa });
  assert.equal(joined.from.nickname, 'Cat', j(joined));
  assert.deepEqual(await customerNews(x), [], 'the customer sees nothing of a coach joining');
  // Starting again with includeCurrentChats while already in the chat: no second join.
  const fs1 = sup.mark();
  const fa1 = a1.mark();
  await sup.superviseOk(a1, { operationName: 'Coach', nickname: 'Cat', includeCurrentChats: true });
  await assertNothing(sup, x.chatId, fs1, 'includeCurrentChats for a chat the supervisor is already in', 400);
  await assertNothing(a1, x.chatId, fa1, 'no second join seen by the agent', 0);
  assert.equal((await sup.chat(x.chatId)).participants.filter((p) => p.nickname === 'Cat').length, 1);

  // CancelSupervisorMonitoring: no future joins; the current chat is kept.
  await sup.superviseOk(a1, { operationName: 'CancelSupervisorMonitoring' });
  assert.deepEqual(await sup.supervisions(a1), [], 'GET lists nothing after Cancel');
  const y = await request('Yann');
  await notJoined(y, 'after Cancel');
  const kept = await sup.chat(x.chatId);
  assert.deepEqual([kept.state, kept.capabilities], ['Chatting', SUP_CAPS.Coach], 'Cancel does not leave current chats');
  const fs2 = sup.mark();
  await a1.opOk(x.chatId, { operationName: 'SendMessage', text: 'still watched' });
  await sup.waitMessage(x.chatId, (m) => m.text === 'still watched', 'message in the kept chat', { from: fs2 });
  await sup.opOk(x.chatId, { operationName: 'SendMessage', text: 'coach still here' });
  await a1.waitMessage(x.chatId, (m) => m.text === 'coach still here', 'the coach still talks', { from: 0 });
  await complete(x, y);
  await sup.waitState(x.chatId, 'Revoked', { from: fs2 });
});

test('NextChat: the supervisor joins the next accepted chat only; then the supervision is gone', async () => {
  await sup.superviseOk(a1, { operationName: 'BargeIn', supervisorMonitoringMode: 'NextChat', nickname: 'Nina' });
  assert.deepEqual(await sup.supervisions(a1),
    [{ userId: sup.id, nickname: 'Nina', mode: 'BargeIn', supervisorMonitoringMode: 'NextChat' }]);
  const fs = sup.mark();
  const p = await request('Paul');
  await waitJoined(sup, p.chatId, fs);
  assert.deepEqual((await sup.chat(p.chatId)).capabilities, SUP_CAPS.BargeIn);
  const news = await p.transcript();
  assert.ok(news.some((m) => m.type === 'ParticipantJoined' && m.from.nickname === 'Nina'),
    `a barge-in supervisor's join is seen by the customer: ${j(news)}`);
  assert.deepEqual(await sup.supervisions(a1), [], 'NextChat is used up: GET lists nothing');
  const q = await request('Quin');
  await notJoined(q, 'the chat after the next one');
  await complete(p, q);
});

test('NextChat with includeCurrentChats: joining the current chat does not use up NextChat', async () => {
  const r = await request('Rita');
  const fs = sup.mark();
  await sup.superviseOk(a1, { operationName: 'Monitor', supervisorMonitoringMode: 'NextChat', includeCurrentChats: true });
  await waitJoined(sup, r.chatId, fs);
  assert.deepEqual((await sup.supervisions(a1)).map((s) => [s.mode, s.supervisorMonitoringMode]), [['Monitor', 'NextChat']],
    'still active after joining the current chat');
  const fs2 = sup.mark();
  const s = await request('Sven');
  await waitJoined(sup, s.chatId, fs2);
  assert.deepEqual(await sup.supervisions(a1), [], 'used up by the next accepted chat');
  await complete(r, s);
  const t = await request('Tom');
  await notJoined(t, 'a third chat');
  await complete(t);
});

test('one chat reached through two supervised agents is joined once, in the mode that reached it first', async () => {
  await sup.superviseOk(a1, { operationName: 'Monitor', nickname: 'Duo' });
  await sup.superviseOk(a2, { operationName: 'Coach', nickname: 'Duo' });
  const fs = sup.mark();
  const c = await request('Wanda');
  const id = c.chatId;
  await waitJoined(sup, id, fs);
  await a2.ready();
  const f2 = a2.mark();
  const fs2 = sup.mark();
  await a1.opOk(id, { operationName: 'Consult', targetUri: a2.uri });
  await a2.waitOffer(id, { from: f2 });
  await a2.opOk(id, { operationName: 'Accept' });
  await a2.waitState(id, 'Chatting', { from: f2 });
  await sup.waitMessage(id, (m) => m.type === 'ParticipantJoined' && m.from.nickname === 'agent2', 'the consultant joins', { from: fs2 });
  await assertNothing(sup, id, sup.mark(), 'settling', 400);
  const got = sup.about(id, fs2);
  assert.ok(!got.some(isSC), `no second join (no StatusChange): ${j(got.map((d) => d.notificationType))}`);
  const ownJoins = sup.pushed(id, fs2).filter((m) => m.from.nickname === 'Duo');
  assert.deepEqual(ownJoins, [], `no second ParticipantJoined of the supervisor: ${j(ownJoins)}`);
  const sc = await sup.chat(id);
  assert.equal(sc.participants.filter((p) => p.nickname === 'Duo').length, 1, `the supervisor is in the chat once: ${j(sc.participants)}`);
  assert.deepEqual(sc.capabilities, SUP_CAPS.Monitor, 'in the mode that reached it first (Monitor through agent1)');
  const a2c = await a2.chat(id);
  assert.ok(!a2c.participants.some((p) => p.nickname === 'Duo'), `the consultant does not see a monitor: ${j(a2c.participants)}`);
  assert.ok(!j(await a2.messages(id)).includes('"Duo"'), "nothing of the monitor in the consultant's log");
  await a1.opOk(id, { operationName: 'Complete' });
  await sup.superviseOk(a1, { operationName: 'CancelSupervisorMonitoring' });
  await sup.superviseOk(a2, { operationName: 'CancelSupervisorMonitoring' });
  await a2.notReady('done');
});

test('supervised chats do not count against the supervisor\'s own chat capacity (default 3)', async () => {
  await sup.superviseOk(a1, { operationName: 'Monitor', nickname: 'Cap' });
  const custs = [];
  for (const n of ['K1', 'K2', 'K3']) {
    const fs = sup.mark();
    custs.push(await request(n));
    await waitJoined(sup, custs.at(-1).chatId, fs);
  }
  assert.equal((await sup.chats()).length, 3, 'the supervisor is in three chats');
  await sup.ready();
  const fs = sup.mark();
  const fa = a1.mark();
  const c4 = await Customer.request(srv, { nickname: 'K4' });
  const offer = await sup.waitOffer(c4.chatId, { from: fs });
  assert.deepEqual(offer.chat.capabilities, ['Accept', 'Reject'], 'offered to the supervisor as an agent: agent1 is full');
  assert.ok(!a1.about(c4.chatId, fa).some((d) => d.chat?.state === 'Invited'), 'agent1 (3 chats) is not offered a fourth');
  await sup.opOk(c4.chatId, { operationName: 'Accept' });
  await sup.waitState(c4.chatId, 'Chatting', { from: fs });
  await sup.opOk(c4.chatId, { operationName: 'Complete' });
  await sup.notReady('done');
  await sup.superviseOk(a1, { operationName: 'CancelSupervisorMonitoring' });
  await complete(...custs);
});
