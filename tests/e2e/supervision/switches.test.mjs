// Every mode switch inside a chat (supervision.md "Switching mode inside a chat"), walked as one
// cycle M→C→B→M→B→C→M: what the supervisor, the agent and the customer see at each step
// (Rejoined / Joined / Left per viewer, dense indexes, ParticipantsUpdated with each viewer's own
// view), what the supervisor may send in each mode, the capabilities of each mode in the spec's
// order, illegal switches (statusCode 2), and no capabilities once Completed or Revoked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll } from '../lib/server.mjs';
import { disconnectAll } from '../lib/bayeux.mjs';
import { startChatServer, chatAgent, acceptedChat, CAPS_ALONE, CAPS_WITH_AGENT, assertDense, expectGwsError } from '../lib/chat.mjs';
import {
  supervisor, SUP_CAPS, SUP_VIS, AGENT_SEES, CUSTOMER_SEES, SWITCH_OP, settle, waitJoined, assertNothing,
  customerNews, kinds, plist, isNew, isSC, j,
} from '../lib/supervision.mjs';

const SUP = 'Boss';
let srv, a1, sup, cust, id;
let mode = 'Monitor';
let custPidOfSup; // the supervisor's small participantId in the customer API

before(async () => {
  srv = await startChatServer();
  a1 = await chatAgent(srv, 'agent1');
  sup = await supervisor(srv, 'supervisor1');
  await a1.start();
  await a1.ready();
  await sup.superviseOk(a1, { operationName: 'Monitor', nickname: SUP });
});
after(async () => {
  await disconnectAll();
  await cleanupAll();
});

const maxIndex = (log) => (log.length ? log.at(-1).index : 0);
const custItem = (m) => [m.type, m.type === 'Message' ? m.text : null];
const agentSees = []; // the supervisor's items the agent may see, in log order: [type, text]
const custSees = []; // the same for the customer

test('Monitor on joining: the spec\'s capabilities; no send; no switch to Monitor; the agent cannot switch', async () => {
  const fs = sup.mark();
  cust = await acceptedChat(srv, a1, { nickname: 'Carla', text: 'hi' });
  id = cust.chatId;
  await waitJoined(sup, id, fs);
  const sc = sup.about(id, fs).find((d) => isSC(d) && d.chat.state === 'Chatting');
  assert.deepEqual(sc.chat.capabilities, SUP_CAPS.Monitor, j(sc.chat.capabilities));
  assert.deepEqual((await sup.chat(id)).capabilities, SUP_CAPS.Monitor, 'GET agrees');
  await customerNews(cust);
  const fa = a1.mark();
  const f2 = sup.mark();
  for (const op of ['SendMessage', 'SendToAgents', 'SendStartTypingNotification', 'SwitchToMonitor']) {
    expectGwsError(await sup.op(id, { operationName: op, text: 'MONITOR must not talk' }), 409, 2, `monitor ${op}`);
  }
  for (const op of ['SwitchToCoach', 'SwitchToBargeIn', 'SwitchBargeIn', 'SwitchToMonitor']) {
    expectGwsError(await a1.op(id, { operationName: op }), 409, 2, `the handling agent ${op}`);
  }
  await assertNothing(a1, id, fa, 'refused operations change nothing');
  await assertNothing(sup, id, f2, 'refused operations change nothing', 0);
  assert.deepEqual(await customerNews(cust), [], 'refused operations reach nobody');
  assert.ok(!(await a1.messages(id)).some((m) => /MONITOR/.test(m.text)));
});

const CYCLE = [
  ['Monitor', 'Coach', 'SwitchToCoach'],
  ['Coach', 'BargeIn', 'SwitchToBargeIn'],
  ['BargeIn', 'Monitor', 'SwitchToMonitor'],
  ['Monitor', 'BargeIn', 'SwitchBargeIn'], // the alias, as read from capabilities
  ['BargeIn', 'Coach', 'SwitchToCoach'],
  ['Coach', 'Monitor', 'SwitchToMonitor'],
];

for (const [from, to, op] of CYCLE) {
  test(`${from} → ${to} (${op}): supervisor, agent and customer views`, async () => {
    assert.equal(mode, from, 'the previous step left the supervisor in this mode');
    // Illegal first: the current mode (and its alias), and the agent.
    expectGwsError(await sup.op(id, { operationName: SWITCH_OP[from] }), 409, 2, `${SWITCH_OP[from]} while in ${from}`);
    if (from === 'BargeIn') expectGwsError(await sup.op(id, { operationName: 'SwitchBargeIn' }), 409, 2, 'SwitchBargeIn while in BargeIn');
    expectGwsError(await a1.op(id, { operationName: op }), 409, 2, `agent ${op}`);

    await customerNews(cust);
    const supBefore = maxIndex(await sup.messages(id));
    const agentBefore = maxIndex(await a1.messages(id));
    const custBefore = Math.max(...cust.seen.keys());
    const fs = sup.mark();
    const fa = a1.mark();
    const r = await sup.op(id, { operationName: op });
    assert.equal(r.status, 200, `${op}: ${r.text}`);
    assert.deepEqual(r.json, { statusCode: 0 }, `${op}: ${r.text}`);
    mode = to;

    // 1. The supervisor: ParticipantsUpdated with its new view, then one ParticipantRejoined.
    const sg = await settle(sup, id, fs);
    assert.deepEqual(sg.map((d) => d.notificationType), ['ParticipantsUpdated', 'NewMessages'], `supervisor: ${j(kinds(sg))}`);
    assert.deepEqual(sg[0].chat.capabilities, SUP_CAPS[to], `capabilities in ${to}: ${j(sg[0].chat.capabilities)}`);
    assert.deepEqual(plist(sg[0].chat), [['agent1', 'All'], [SUP, SUP_VIS[to]], ['Carla', 'All']], 'the supervisor sees everyone');
    const sm = sg[1].messages;
    assert.deepEqual(sm.map((m) => [m.index, m.type, m.visibility, m.from.nickname, m.from.visibility]),
      [[supBefore + 1, 'ParticipantRejoined', 'All', SUP, SUP_VIS[to]]], `supervisor's switch event: ${j(sm)}`);

    // 2. The agent: by what changed for the agent audience.
    const seenBefore = AGENT_SEES[from];
    const seenAfter = AGENT_SEES[to];
    if (!seenBefore && !seenAfter) {
      await assertNothing(a1, id, fa, `${from}→${to}`, 0);
    } else {
      const ag = await settle(a1, id, fa, { quietMs: 0 });
      assert.deepEqual(ag.map((d) => d.notificationType), ['ParticipantsUpdated', 'NewMessages'], `agent: ${j(kinds(ag))}`);
      assert.deepEqual(plist(ag[0].chat), seenAfter ? [['agent1', 'All'], [SUP, SUP_VIS[to]], ['Carla', 'All']] : [['agent1', 'All'], ['Carla', 'All']],
        `the agent's participants after ${from}→${to}`);
      assert.deepEqual(ag[0].chat.capabilities, seenAfter ? CAPS_WITH_AGENT : CAPS_ALONE, `the agent's own capabilities after ${from}→${to}`);
      const type = seenBefore && seenAfter ? 'ParticipantRejoined' : seenAfter ? 'ParticipantJoined' : 'ParticipantLeft';
      agentSees.push([type, null]);
      const am = ag[1].messages;
      assert.deepEqual(am.map((m) => [m.index, m.type, m.visibility, m.from.nickname, m.from.visibility]),
        [[agentBefore + 1, type, 'All', SUP, SUP_VIS[to]]], `the agent sees ${type}, dense index: ${j(am)}`);
    }

    // 3. The customer: only a barge-in's start and end.
    const news = await customerNews(cust);
    if (CUSTOMER_SEES[from] === CUSTOMER_SEES[to]) {
      assert.deepEqual(news, [], `the customer receives nothing about ${from}→${to}`);
    } else {
      const type = CUSTOMER_SEES[to] ? 'ParticipantJoined' : 'ParticipantLeft';
      assert.deepEqual(news.map((m) => [m.index, m.type, m.from.nickname, m.from.type]),
        [[custBefore + 1, type, SUP, 'Agent']], `the customer sees the supervisor ${type}: ${j(news)}`);
      custSees.push([type, null]);
      if (custPidOfSup === undefined) custPidOfSup = news[0].from.participantId;
      assert.equal(news[0].from.participantId, custPidOfSup, 'the supervisor keeps its customer participantId across barge-ins');
      assert.equal(custPidOfSup, 3, `the next small number after the customer (1) and agent1 (2): ${j(news)}`);
    }

    // REST agrees.
    const sc = await sup.chat(id);
    assert.deepEqual(sc.capabilities, SUP_CAPS[to], 'GET: capabilities');
    assert.equal(sc.participants.find((p) => p.nickname === SUP).visibility, SUP_VIS[to], 'GET: visibility');
    const slog = await sup.messages(id);
    assertDense(slog, 'supervisor log');
    assert.deepEqual(slog.at(-1), sm[0], 'GET messages ends with the pushed switch event');
    assert.deepEqual(await sup.messages(id, supBefore), slog.slice(supBefore - 1), 'gap-fill with fromIndex in the supervisor audience');
    const alog = await a1.messages(id);
    assertDense(alog, 'agent log');
    assert.deepEqual(plist(await a1.chat(id)), seenAfter ? [['agent1', 'All'], [SUP, SUP_VIS[to]], ['Carla', 'All']] : [['agent1', 'All'], ['Carla', 'All']]);
    assertDense(await cust.transcript(), 'customer transcript');

    // What the supervisor may send in the new mode.
    const tag = `${from[0]}${to[0]}`;
    const fa2 = a1.mark();
    const fs2 = sup.mark();
    if (to === 'Monitor') {
      expectGwsError(await sup.op(id, { operationName: 'SendMessage', text: `MONITOR ${tag}` }), 409, 2, 'a monitor cannot send');
      expectGwsError(await sup.op(id, { operationName: 'SendToAgents', text: `MONITOR ${tag}` }), 409, 2, 'a monitor cannot send');
      await assertNothing(a1, id, fa2, 'refused sends');
    } else {
      await sup.opOk(id, { operationName: 'SendMessage', text: `public? ${tag}` });
      await sup.opOk(id, { operationName: 'SendToAgents', text: `PRIVATE ${tag}` });
      await sup.opOk(id, { operationName: 'SendStartTypingNotification' });
      const got = await settle(a1, id, fa2, { count: 3 });
      await settle(sup, id, fs2, { count: 3, quietMs: 0 }); // the sender gets its own items back
      const items = got.filter(isNew).flatMap((d) => d.messages).map((m) => [m.type, m.text ?? null, m.visibility, m.from.nickname]);
      const vis = to === 'Coach' ? 'Agents' : 'All';
      assert.deepEqual(items, [['Text', `public? ${tag}`, vis, SUP], ['Text', `PRIVATE ${tag}`, 'Agents', SUP], ['TypingStarted', null, vis, SUP]],
        `the agent receives all three, a coach's SendMessage and typing narrowed to Agents: ${j(items)}`);
      agentSees.push(['Text', `public? ${tag}`], ['Text', `PRIVATE ${tag}`], ['TypingStarted', null]);
      const cn = await customerNews(cust);
      const exp = to === 'BargeIn' ? [['Message', `public? ${tag}`], ['TypingStarted', null]] : [];
      assert.deepEqual(cn.map(custItem), exp, `the customer sees only a barged-in supervisor's SendMessage and typing: ${j(cn)}`);
      custSees.push(...exp);
    }
    // Delivery follows the audience stored with each item when it was appended: the whole
    // history of the supervisor's items, as each viewer reads it now.
    const alogNow = (await a1.messages(id)).filter((m) => m.from.nickname === SUP).map((m) => [m.type, m.text ?? null]);
    assert.deepEqual(alogNow, agentSees, `the agent's log of the supervisor's items: ${j(alogNow)}`);
    const tNow = (await cust.transcript()).filter((m) => m.from.nickname === SUP).map(custItem);
    assert.deepEqual(tNow, custSees, `the customer's transcript of the supervisor's items: ${j(tNow)}`);
    const t = await cust.transcript();
    assert.ok(!/PRIVATE|MONITOR|public\? [MB]C/.test(j(t)), `no coach, monitor or agents-only text reaches the customer: ${j(t)}`);
  });
}

test('Completed: a supervisor who Leaves has no capabilities and cannot switch; agent and customer saw nothing of a monitor leaving', async () => {
  assert.equal(mode, 'Monitor');
  const fs = sup.mark();
  const fa = a1.mark();
  await customerNews(cust);
  await sup.opOk(id, { operationName: 'Leave' });
  const done = await sup.waitState(id, 'Completed', { from: fs });
  assert.deepEqual(done.chat.capabilities, [], `Completed: no capabilities: ${j(done.chat)}`);
  assert.deepEqual((await sup.chat(id)).capabilities, [], 'GET: no capabilities');
  for (const op of ['SwitchToCoach', 'SwitchBargeIn', 'SwitchToBargeIn', 'SwitchToMonitor', 'Leave']) {
    expectGwsError(await sup.op(id, { operationName: op }), 409, 2, `${op} after leaving`);
  }
  await assertNothing(a1, id, fa, 'a monitor leaving');
  assert.deepEqual(await customerNews(cust), [], 'a monitor leaving is invisible to the customer');
  assert.deepEqual(plist(await a1.chat(id)), [['agent1', 'All'], ['Carla', 'All']]);
  await a1.opOk(id, { operationName: 'Complete' });
});

test('Revoked: when the agent completes, a coaching supervisor\'s chat is Revoked with no capabilities', async () => {
  const fs = sup.mark();
  const c2 = await acceptedChat(srv, a1, { nickname: 'Dora' });
  await waitJoined(sup, c2.chatId, fs);
  await sup.opOk(c2.chatId, { operationName: 'SwitchToCoach' });
  await sup.waitPush((d) => d.chat?.id === c2.chatId && d.chat.capabilities?.includes('SwitchToMonitor'), 'coach view', { from: fs });
  const f2 = sup.mark();
  await a1.opOk(c2.chatId, { operationName: 'Complete' });
  const rv = await sup.waitState(c2.chatId, 'Revoked', { from: f2 });
  assert.deepEqual(rv.chat.capabilities, [], `Revoked: no capabilities: ${j(rv.chat)}`);
  const g = await sup.chat(c2.chatId);
  assert.deepEqual([g.state, g.capabilities], ['Revoked', []], `GET: ${j(g)}`);
  for (const op of ['SwitchToMonitor', 'SwitchBargeIn', 'SendMessage', 'SendToAgents']) {
    expectGwsError(await sup.op(c2.chatId, { operationName: op, text: 'late' }), 409, 2, `${op} when Revoked`);
  }
  assert.ok(!(await sup.chats()).some((c) => c.id === c2.chatId), 'a Revoked chat is finished: not in GET /me/chats');
});
