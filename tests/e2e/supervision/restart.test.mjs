// Supervision is durable (supervision.md; README "What survives a restart"): restart the server
// on the same data directory in the middle of a supervised chat. The supervision is still
// listed, the supervisor is still in the chat in the same mode, a later switch works (with push
// after the official client re-handshakes), and the next accepted chat is joined again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll } from '../lib/server.mjs';
import { disconnectAll } from '../lib/bayeux.mjs';
import { startChatServer, chatAgent, acceptedChat, waitUntil, assertDense } from '../lib/chat.mjs';
import { supervisor, SUP_CAPS, settle, waitJoined, customerNews, plist, kinds, j } from '../lib/supervision.mjs';

let srv, a1, sup, cust, id, snap;

before(async () => {
  srv = await startChatServer();
  a1 = await chatAgent(srv, 'agent1');
  sup = await supervisor(srv, 'supervisor1', { transport: 'long-polling' });
  await a1.start();
  await a1.ready();
});
after(async () => {
  await disconnectAll();
  await cleanupAll();
});

const resubscribed = (a, n) => waitUntil(() => a.subscribes.filter((s) => s.successful).length >= n, 20_000,
  () => `${a.user} re-subscribes after the restart: ${j(a.subscribes)}`);

async function snapshot() {
  return {
    list: await sup.supervisions(a1),
    supChat: await sup.chat(id),
    supLog: await sup.messages(id),
    agentChat: await a1.chat(id),
    agentLog: await a1.messages(id),
    cust: await cust.transcript(),
  };
}

async function restart(how) {
  const n1 = a1.subscribes.length + 1;
  const ns = sup.subscribes.length + 1;
  if (how === 'SIGKILL') {
    await srv.kill();
    await srv.start();
  } else {
    await srv.restart();
  }
  await resubscribed(a1, n1);
  await resubscribed(sup, ns);
}

test('before: Monitor supervision of agent1, joined, switched to Coach', async () => {
  await sup.superviseOk(a1, { operationName: 'Monitor', nickname: 'Rex' });
  const fs = sup.mark();
  cust = await acceptedChat(srv, a1, { nickname: 'Ulla', text: 'hi' });
  id = cust.chatId;
  await waitJoined(sup, id, fs);
  await sup.opOk(id, { operationName: 'SwitchToCoach' });
  await a1.waitMessage(id, (m) => m.type === 'ParticipantJoined' && m.from.nickname === 'Rex', 'coach joins');
  await sup.opOk(id, { operationName: 'SendMessage', text: 'coach before restart' });
  await a1.waitMessage(id, (m) => m.text === 'coach before restart', 'coach text');
  snap = await snapshot();
  assert.deepEqual(snap.list, [{ userId: sup.id, nickname: 'Rex', mode: 'Monitor', supervisorMonitoringMode: 'AllChats' }]);
  assert.deepEqual(snap.supChat.capabilities, SUP_CAPS.Coach);
});

test('after a SIGTERM restart: still listed, still in the chat as coach; a switch to BargeIn works with push', async () => {
  await restart('SIGTERM');
  const now = await snapshot();
  assert.deepEqual(now.list, snap.list, 'the supervision is still listed');
  assert.deepEqual(now.supChat, snap.supChat, "the supervisor's chat (state, capabilities, participants)");
  assert.equal(now.supChat.participants.find((p) => p.nickname === 'Rex').visibility, 'Agents', 'still coaching');
  assert.deepEqual(now.supLog, snap.supLog, "the supervisor's log");
  assert.deepEqual(now.agentChat, snap.agentChat, "the agent's chat");
  assert.deepEqual(now.agentLog, snap.agentLog, "the agent's log");
  assert.deepEqual(now.cust, snap.cust, "the customer's transcript");

  await customerNews(cust);
  const fs = sup.mark();
  const fa = a1.mark();
  await sup.opOk(id, { operationName: 'SwitchToBargeIn' });
  const sg = await settle(sup, id, fs, { timeoutMs: 15_000 });
  assert.deepEqual(sg.map((d) => d.notificationType), ['ParticipantsUpdated', 'NewMessages'], j(kinds(sg)));
  assert.deepEqual(sg[0].chat.capabilities, SUP_CAPS.BargeIn);
  assert.deepEqual(sg[1].messages.map((m) => [m.index, m.type, m.from.visibility]),
    [[snap.supLog.at(-1).index + 1, 'ParticipantRejoined', 'All']], j(sg[1].messages));
  const ag = await settle(a1, id, fa, { quietMs: 0, timeoutMs: 15_000 });
  assert.deepEqual(ag.at(-1).messages.map((m) => [m.index, m.type, m.from.nickname]),
    [[snap.agentLog.at(-1).index + 1, 'ParticipantRejoined', 'Rex']], 'the agent: Coach→BargeIn is a rejoin');
  const news = await customerNews(cust);
  assert.deepEqual(news.map((m) => [m.type, m.from.nickname]), [['ParticipantJoined', 'Rex']], `the customer sees the barge-in: ${j(news)}`);
  assertDense(await cust.transcript(), 'customer transcript');
});

test('after a SIGKILL restart: the acknowledged switch is kept; the next accepted chat is joined in the supervision\'s mode', async () => {
  const before = await snapshot();
  await restart('SIGKILL');
  const now = await snapshot();
  assert.deepEqual(now.supChat, before.supChat, 'still barged in');
  assert.deepEqual(now.supChat.capabilities, SUP_CAPS.BargeIn);
  assert.deepEqual(now.list, snap.list);
  await sup.opOk(id, { operationName: 'SendMessage', text: 'hello from the supervisor' });
  await waitUntil(async () => (await customerNews(cust)).some((m) => m.text === 'hello from the supervisor'), 5000, () => 'barge-in text reaches the customer');

  const fs = sup.mark();
  const c2 = await acceptedChat(srv, a1, { nickname: 'Vic' });
  await waitJoined(sup, c2.chatId, fs, 15_000);
  const c = await sup.chat(c2.chatId);
  assert.deepEqual(c.capabilities, SUP_CAPS.Monitor, 'joined as the supervision says: Monitor');
  assert.deepEqual(plist(c), [['agent1', 'All'], ['Rex', 'Supervisors'], ['Vic', 'All']]);
  await a1.opOk(c2.chatId, { operationName: 'Complete' });
  await a1.opOk(id, { operationName: 'Complete' });
  await sup.waitState(id, 'Revoked', { from: fs });
});
