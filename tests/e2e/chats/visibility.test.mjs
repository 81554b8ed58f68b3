// Visibility: agent-only items (SendToAgents, SendCustomNoticeToAgents, typing to agents, and
// everything a consultant says or does) never reach the customer — not in answers, not in the
// transcript — and every audience's indexes are dense 1..n. A customer's typing preview reaches
// agents; an agent's typing never carries text to the customer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll } from '../lib/server.mjs';
import { disconnectAll } from '../lib/bayeux.mjs';
import {
  startChatServer, chatAgent, Customer, acceptedChat, assertDense, assertAgentMessage, sleep, waitUntil,
} from '../lib/chat.mjs';

const j = (x) => JSON.stringify(x);
let srv, a1, a2, cust;
const SECRET = /AGENTONLY|CONSULTANT|SECRETDRAFT/;

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

test('agent-only traffic and a consultant never reach the customer; every audience is dense 1..n', async () => {
  cust = await acceptedChat(srv, a1, { nickname: 'Vera', text: 'c0' });
  const id = cust.chatId;
  const f1 = 0;
  await a2.ready();
  const f2 = a2.mark();
  await a1.opOk(id, { operationName: 'Consult', targetUri: a2.uri });
  await a2.waitOffer(id, { from: f2 });
  await a2.opOk(id, { operationName: 'Accept' });
  await a2.waitState(id, 'Chatting', { from: f2 });

  // An interleaving of customer, public and agent-only items. Customer calls in between
  // answer incrementally: hidden items must leave no gap in the customer's numbering.
  const A1 = (b) => a1.opOk(id, b);
  const A2 = (b) => a2.opOk(id, b);
  await cust.send('c1');
  await A1({ operationName: 'SendToAgents', text: 'AGENTONLY 1' });
  await A1({ operationName: 'SendMessage', text: 'public 1' });
  await cust.refresh();
  await A1({ operationName: 'SendCustomNoticeToAgents', noticeText: 'AGENTONLY notice' });
  await A2({ operationName: 'SendMessage', text: 'CONSULTANT says hi' });
  await A2({ operationName: 'SendStartTypingNotification', text: 'CONSULTANT typing' });
  await A2({ operationName: 'SendStopTypingNotification' });
  await cust.send('c2');
  await A1({ operationName: 'SendStartTypingToAgentsNotification' });
  await A1({ operationName: 'SendStopTypingToAgentsNotification' });
  await A2({ operationName: 'SendCustomNotice', noticeText: 'CONSULTANT notice' });
  await A2({ operationName: 'SendToAgents', text: 'AGENTONLY 2' });
  await A1({ operationName: 'SendCustomNotice', noticeText: 'public notice' });
  await A1({ operationName: 'SendStartTypingNotification', text: 'SECRETDRAFT of agent1' });
  await A1({ operationName: 'SendStopTypingNotification' });
  await cust.startTyping('preview from Vera');
  await cust.stopTyping();
  await A1({ operationName: 'SendMessage', text: 'public 2' });
  await A2({ operationName: 'Leave' }); // the consultant leaves: invisible to the customer too
  await a2.waitState(id, 'Completed', { from: f2 });
  await cust.send('c3');
  await A1({ operationName: 'SendMessage', text: 'public 3' });
  await cust.refresh();

  // --- the customer ---
  const answered = [...cust.seen.values()].sort((x, y) => x.index - y.index);
  assertDense(answered, 'customer: everything answered incrementally');
  const t = await cust.transcript();
  assertDense(t, 'customer transcript');
  assert.deepEqual(t, answered, 'the transcript is what was answered, item by item');
  assert.ok(!SECRET.test(j(t)), `agent-only text reached the customer: ${j(t)}`);
  assert.ok(!t.some((m) => m.from.nickname === 'agent2'), `the consultant's join/leave/typing is hidden from the customer: ${j(t)}`);
  assert.deepEqual(t.filter((m) => m.type === 'Message').map((m) => m.text), ['c0', 'c1', 'public 1', 'c2', 'public 2', 'c3', 'public 3']);
  assert.deepEqual(t.filter((m) => m.type === 'CustomNotice').map((m) => m.text), ['public notice'], j(t));
  const agentTyping = t.filter((m) => m.type.startsWith('Typing') && m.from.type === 'Agent');
  assert.deepEqual(agentTyping.map((m) => [m.type, m.from.nickname]),
    [['TypingStarted', 'agent1'], ['TypingStopped', 'agent1']], `only agent1's public typing: ${j(agentTyping)}`);

  // --- the agents (one audience: the same log, the same indexes) ---
  const log1 = await a1.messages(id);
  assertDense(log1, 'agent1 log');
  log1.forEach((m) => assertAgentMessage(m, 'agent1 log'));
  for (const s of ['AGENTONLY 1', 'AGENTONLY 2', 'CONSULTANT says hi', 'public 3']) {
    assert.ok(log1.some((m) => m.text === s), `agent1 sees ${s}`);
  }
  assert.ok(!log1.some((m) => m.type === 'Notice'), 'customer-only notices are not in the agent log');
  const byText = (x) => log1.find((m) => m.text === x || m.noticeText === x);
  for (const s of ['AGENTONLY 1', 'AGENTONLY 2', 'AGENTONLY notice', 'CONSULTANT says hi', 'CONSULTANT notice']) {
    assert.equal(byText(s)?.visibility, 'Agents', `${s} is stored with visibility Agents: ${j(byText(s))}`);
  }
  for (const s of ['public 1', 'public notice', 'c1']) assert.equal(byText(s)?.visibility, 'All', s);
  const preview = log1.find((m) => m.type === 'TypingStarted' && m.from.type === 'Customer');
  assert.equal(preview?.text, 'preview from Vera', `the customer's typing preview reaches agents: ${j(preview)}`);
  const log2 = await a2.messages(id);
  assert.deepEqual(log2, log1.slice(0, log2.length), "the consultant's log = agent1's (up to the consultant's leave)");
  assert.ok(log2.some((m) => m.text === 'AGENTONLY 2'));
  // Public items of the agent log are the customer's, in the same order.
  const pub = log1.filter((m) => (m.type === 'Text' || m.type === 'CustomNotice') && m.visibility === 'All').map((m) => m.text ?? m.noticeText);
  const custPub = t.filter((m) => m.type === 'Message' || m.type === 'CustomNotice').map((m) => m.text);
  assert.deepEqual(pub, custPub, 'the customer sees exactly the public items');

  // Push: every item once, in order, and together equal to the REST log.
  await waitUntil(() => a1.pushed(id, f1).length >= log1.length, 5000,
    () => `agent1's pushes to reach the REST log's ${log1.length} items; got ${a1.pushed(id, f1).length}`);
  await sleep(200); // and nothing more (a duplicate) after them
  const pushed = a1.pushed(id, f1);
  const idx = pushed.map((m) => m.index);
  assert.deepEqual(idx, [...idx].sort((x, y) => x - y), `pushed in index order without duplicates: ${j(idx)}`);
  assert.equal(new Set(idx).size, idx.length, `no duplicate index: ${j(idx)}`);
  assert.deepEqual(pushed, log1, 'push = REST log for agent1');
  const from3 = (await a1.messages(id, 3));
  assert.deepEqual(from3, log1.slice(2), '?fromIndex=3 returns the log from index 3');
});

test('after the consultant left the customer still sees nothing of it; the customer leaves; agent-only traffic stays hidden to the end', async () => {
  const id = cust.chatId;
  const r = await cust.disconnect();
  assert.equal(r.chatEnded, true, j(r));
  const t = await cust.transcript();
  assertDense(t, 'final customer transcript');
  assert.ok(!SECRET.test(j(t)));
  const last = t.at(-1);
  assert.deepEqual([last.type, last.from.type, last.from.participantId], ['ParticipantLeft', 'Client', 1], j(last));
  const ids = new Set(t.map((m) => m.from.participantId));
  assert.ok([...ids].every((x) => [0, 1, 2].includes(x)), `only the customer (1), agent1 (2) and the system: ${j([...ids])}`);
  await a1.opOk(id, { operationName: 'Complete' });
});

test('Transfer to the consultant: the consultant becomes visible (the customer sees them join), the caller leaves', async () => {
  await a1.ready();
  await a2.notReady('x');
  const f1 = a1.mark();
  const c = await acceptedChat(srv, a1, { nickname: 'Walt' });
  const id = c.chatId;
  await a2.ready();
  let f2 = a2.mark();
  const ans = await a1.opOk(id, { operationName: 'Consult', targetUri: a2.uri, referenceId: 9001 });
  assert.equal(ans.referenceId, 9001, `the request's own referenceId is echoed: ${j(ans)}`);
  const off = await a2.waitOffer(id, { from: f2 });
  assert.equal(off.referenceId, 9001, `…and carried by the notification it causes: ${j(off)}`);
  await a2.opOk(id, { operationName: 'Accept' });
  await a2.waitState(id, 'Chatting', { from: f2 });
  await a2.opOk(id, { operationName: 'SendMessage', text: 'CONSULTANT hidden' });
  await c.refresh();
  const before = Math.max(...c.seen.keys());
  f2 = a2.mark();
  await a1.opOk(id, { operationName: 'Transfer', targetUri: a2.uri });
  // chat.md leaves open whether the consultant is offered again; accept if so.
  await sleep(300);
  if (a2.about(id, f2).some((d) => d.chat?.state === 'Invited')) await a2.opOk(id, { operationName: 'Accept' });
  await a1.waitState(id, 'Completed', { from: f1 });
  const pu = await a2.waitPush((d) => d.chat?.id === id && d.chat.participants?.find((p) => p.nickname === 'agent2')?.visibility === 'All',
    'agent2 promoted to All', { from: f2 });
  assert.deepEqual(pu.chat.participants.map((p) => p.nickname), ['agent2', 'Walt'], j(pu.chat.participants));
  await a2.opOk(id, { operationName: 'SendMessage', text: 'now public' });
  await c.refresh();
  const seen = [...c.seen.values()].filter((m) => m.index > before);
  assert.deepEqual(seen.map((m) => [m.type, m.from.nickname]).sort(),
    [['Message', 'agent2'], ['ParticipantJoined', 'agent2'], ['ParticipantLeft', 'agent1']], j(seen));
  assert.ok(!j([...c.seen.values()]).includes('CONSULTANT'), 'what the consultant said before stays hidden');
  assertDense(await c.transcript(), 'customer transcript');
  await a2.opOk(id, { operationName: 'Complete' });
});
