// When a supervisor's chat ends (supervision.md "Joining a chat", chat.md Leave/Complete/Transfer):
// Revoked when the chat completes (also by the last agent's Leave, supervisors not counted) or
// goes back to a queue; the supervisor stays when the supervised agent leaves after a transfer
// to agent2, who remains; a barged-in supervisor's Leave is seen by agent and customer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll } from '../lib/server.mjs';
import { disconnectAll } from '../lib/bayeux.mjs';
import { startChatServer, chatAgent, acceptedChat, SERVICE, CAPS_ALONE, CAPS_WITH_AGENT, assertDense } from '../lib/chat.mjs';
import { supervisor, SUP_CAPS, settle, waitJoined, assertNothing, customerNews, plist, isSC, kinds, j } from '../lib/supervision.mjs';

let srv, a1, a2, sup;

before(async () => {
  srv = await startChatServer();
  a1 = await chatAgent(srv, 'agent1');
  a2 = await chatAgent(srv, 'agent2');
  sup = await supervisor(srv, 'supervisor1');
  await a1.start();
  await a2.start();
  await a1.ready();
  await sup.superviseOk(a1, { operationName: 'Monitor', nickname: 'Sup' });
});
after(async () => {
  await disconnectAll();
  await cleanupAll();
});

async function supervisedChat(nickname) {
  const fs = sup.mark();
  const c = await acceptedChat(srv, a1, { nickname });
  await waitJoined(sup, c.chatId, fs);
  await customerNews(c);
  return c;
}

test('Complete by the agent: the supervisor is Revoked (no capabilities), the customer\'s chat ends', async () => {
  const c = await supervisedChat('Ann');
  const fs = sup.mark();
  await a1.opOk(c.chatId, { operationName: 'Complete' });
  const rv = await sup.waitState(c.chatId, 'Revoked', { from: fs });
  assert.deepEqual(rv.chat.capabilities, [], j(rv.chat));
  assert.ok(!sup.about(c.chatId, fs).some((d) => isSC(d) && d.chat.state === 'Completed'), 'a supervisor is Revoked, not Completed');
  assert.equal((await c.refresh()).chatEnded, true);
  assert.equal((await sup.chat(c.chatId)).state, 'Revoked', 'GET agrees');
});

test('the last agent Leaves (a coach present does not count): the chat ends, the supervisor is Revoked', async () => {
  const c = await supervisedChat('Ben');
  await sup.opOk(c.chatId, { operationName: 'SwitchToCoach' });
  await a1.waitMessage(c.chatId, (m) => m.type === 'ParticipantJoined' && m.from.nickname === 'Sup', 'coach visible');
  const fs = sup.mark();
  await a1.opOk(c.chatId, { operationName: 'Leave' });
  const rv = await sup.waitState(c.chatId, 'Revoked', { from: fs });
  assert.deepEqual(rv.chat.capabilities, [], j(rv.chat));
  assert.equal((await c.refresh()).chatEnded, true, 'the customer gets chatEnded:true');
});

test('Transfer to agent2: when agent1 leaves the supervisor stays, in the same mode, and goes on with agent2', async () => {
  const c = await supervisedChat('Cleo');
  const id = c.chatId;
  await a2.ready();
  const fs = sup.mark();
  const f2 = a2.mark();
  const f1 = a1.mark();
  await a1.opOk(id, { operationName: 'Transfer', targetUri: a2.uri });
  await a2.waitOffer(id, { from: f2 });
  await a2.opOk(id, { operationName: 'Accept' });
  await a2.waitState(id, 'Chatting', { from: f2 });
  await a1.waitState(id, 'Completed', { from: f1 });
  await sup.waitMessage(id, (m) => m.type === 'ParticipantLeft' && m.from.nickname === 'agent1', 'agent1 leaves', { from: fs });
  await assertNothing(sup, id, sup.mark(), 'settling', 300);
  const got = sup.about(id, fs);
  assert.ok(!got.some((d) => isSC(d)), `the supervisor's state does not change (not Revoked): ${j(kinds(got))}`);
  const sc = await sup.chat(id);
  assert.equal(sc.state, 'Chatting', `the supervisor stays: ${j(sc)}`);
  assert.deepEqual(sc.capabilities, SUP_CAPS.Monitor, 'still a monitor');
  const names = plist(sc).map((p) => p[0]);
  assert.deepEqual([...names].sort(), ['Cleo', 'Sup', 'agent2'], `agent1 is gone, agent2 is in: ${j(sc.participants)}`);
  assert.equal(names.at(-1), 'Cleo', 'the customer last');
  const log = await sup.messages(id);
  assertDense(log, 'supervisor log');
  assert.deepEqual(log.filter((m) => m.index > 3).map((m) => [m.type, m.from.nickname]).filter((x) => x[1].startsWith('agent')),
    [['ParticipantJoined', 'agent2'], ['ParticipantLeft', 'agent1']], `the supervisor sees the handover: ${j(log)}`);
  // agent2 never learns of the monitor.
  assert.ok(!j(await a2.messages(id)).includes('"Sup"') && !j(a2.about(id, f2)).includes('"Sup"'), 'agent2 does not see the monitor');

  // The supervision goes on with agent2: messages, and a switch agent2 sees.
  const fs2 = sup.mark();
  await a2.opOk(id, { operationName: 'SendMessage', text: 'agent2 here' });
  await sup.waitMessage(id, (m) => m.text === 'agent2 here', 'agent2 text', { from: fs2 });
  const g2 = a2.mark();
  await sup.opOk(id, { operationName: 'SwitchToCoach' });
  const j2 = await a2.waitMessage(id, (m) => m.type === 'ParticipantJoined' && m.from.nickname === 'Sup', 'the coach joins for agent2', { from: g2 });
  assert.equal(j2.from.visibility, 'Agents');
  assert.deepEqual((await a2.chat(id)).capabilities, CAPS_WITH_AGENT);
  const news = await customerNews(c);
  assert.ok(!j(news).includes('"Sup"'), `the customer sees nothing of the supervisor: ${j(news)}`);
  assert.ok(news.some((m) => m.type === 'ParticipantLeft' && m.from.nickname === 'agent1'), `the customer sees agent1 leave: ${j(news)}`);
  const fs3 = sup.mark();
  await a2.opOk(id, { operationName: 'Complete' });
  const rv = await sup.waitState(id, 'Revoked', { from: fs3 });
  assert.deepEqual(rv.chat.capabilities, []);
  await a2.notReady('done');
});

test('a barged-in supervisor Leaves: the agent and the customer see ParticipantLeft; the chat goes on', async () => {
  const c = await supervisedChat('Eve');
  const id = c.chatId;
  await sup.opOk(id, { operationName: 'SwitchToBargeIn' });
  await a1.waitMessage(id, (m) => m.type === 'ParticipantJoined' && m.from.nickname === 'Sup', 'barge-in visible');
  assert.deepEqual((await customerNews(c)).map((m) => [m.type, m.from.nickname]), [['ParticipantJoined', 'Sup']]);
  const before = (await a1.messages(id)).at(-1).index;
  const fs = sup.mark();
  const fa = a1.mark();
  await sup.opOk(id, { operationName: 'Leave' });
  const done = await sup.waitState(id, 'Completed', { from: fs });
  assert.deepEqual(done.chat.capabilities, []);
  const ag = await settle(a1, id, fa);
  assert.deepEqual(ag.map((d) => d.notificationType), ['ParticipantsUpdated', 'NewMessages'], j(kinds(ag)));
  assert.deepEqual(plist(ag[0].chat), [['agent1', 'All'], ['Eve', 'All']]);
  assert.deepEqual(ag[0].chat.capabilities, CAPS_ALONE, 'no other agent left: no SendToAgents');
  assert.deepEqual(ag[1].messages.map((m) => [m.index, m.type, m.from.nickname]), [[before + 1, 'ParticipantLeft', 'Sup']]);
  const b = await c.refresh();
  assert.equal(b.chatEnded, false, 'a supervisor leaving does not end the chat');
  assert.deepEqual(b.messages.map((m) => [m.type, m.from.nickname]), [['ParticipantLeft', 'Sup']], j(b.messages));
  await a1.opOk(id, { operationName: 'Complete' });
});

test('Transfer to the queue: the supervisor is Revoked, the customer stays and sees the agent leave', async () => {
  const c = await supervisedChat('Dino');
  const id = c.chatId;
  await a1.notReady('no re-offer');
  const fs = sup.mark();
  const f1 = a1.mark();
  await a1.opOk(id, { operationName: 'Transfer', queueName: SERVICE });
  await a1.waitState(id, 'Completed', { from: f1 });
  const rv = await sup.waitState(id, 'Revoked', { from: fs });
  assert.deepEqual(rv.chat.capabilities, [], j(rv.chat));
  assert.equal((await sup.chat(id)).state, 'Revoked');
  const b = await c.refresh();
  assert.equal(b.chatEnded, false, 'the chat waits in the queue');
  assert.ok(b.messages.some((m) => m.type === 'ParticipantLeft' && m.from.nickname === 'agent1'), j(b.messages));
  assert.ok(!j(b.messages).includes('"Sup"'), 'nothing of the monitor');
  // agent2 (not supervised) takes it from the queue: the supervisor does not come back.
  const f2 = a2.mark();
  await a2.ready();
  await a2.waitOffer(id, { from: f2 });
  await a2.opOk(id, { operationName: 'Accept' });
  await a2.waitState(id, 'Chatting', { from: f2 });
  await assertNothing(sup, id, sup.mark(), 'agent2 is not supervised', 400);
  assert.ok(!plist(await a2.chat(id)).some((p) => p[0] === 'Sup'));
  await a2.opOk(id, { operationName: 'Complete' });
});
