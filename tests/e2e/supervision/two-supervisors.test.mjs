// Two supervisors on one chat in different modes (supervisor1 Monitor, supervisor2 Coach): each
// supervisor sees the other (the supervisor audience sees all participants), the agent sees only
// the coach, the customer neither; a switch by one is seen by the other as ParticipantRejoined.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll } from '../lib/server.mjs';
import { disconnectAll } from '../lib/bayeux.mjs';
import { startChatServer, chatAgent, acceptedChat, CAPS_WITH_AGENT, assertDense } from '../lib/chat.mjs';
import {
  supervisor, createSupervisors, SUP_CAPS, settle, waitJoined, customerNews, kinds, plist, isNew, isSC, j,
} from '../lib/supervision.mjs';

let srv, a1, s1, s2, cust, id;
const sortPairs = (l) => [...l].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));

before(async () => {
  srv = await startChatServer();
  await createSupervisors(srv, ['supervisor2']);
  a1 = await chatAgent(srv, 'agent1');
  s1 = await supervisor(srv, 'supervisor1');
  s2 = await supervisor(srv, 'supervisor2', { transport: 'long-polling' });
  await a1.start();
  await a1.ready();
});
after(async () => {
  await disconnectAll();
  await cleanupAll();
});

test('both supervisions are listed for agent1', async () => {
  await s1.superviseOk(a1, { operationName: 'Monitor', nickname: 'Mona' });
  await s2.superviseOk(a1, { operationName: 'Coach', nickname: 'Cole', supervisorMonitoringMode: 'AllChats' });
  const list = await s1.supervisions(a1);
  assert.deepEqual([...list].sort((x, y) => x.nickname.localeCompare(y.nickname)), [
    { userId: s2.id, nickname: 'Cole', mode: 'Coach', supervisorMonitoringMode: 'AllChats' },
    { userId: s1.id, nickname: 'Mona', mode: 'Monitor', supervisorMonitoringMode: 'AllChats' },
  ], `GET lists both supervisions: ${j(list)}`);
  assert.deepEqual(await s2.supervisions(a1), list, 'any supervisor reads the same list');
});

test('on Accept both join: supervisors see everyone, the agent sees the coach only, the customer neither', async () => {
  const f1 = s1.mark();
  const f2 = s2.mark();
  const fa = a1.mark();
  cust = await acceptedChat(srv, a1, { nickname: 'Pia', text: 'hello' });
  id = cust.chatId;
  await waitJoined(s1, id, f1);
  await waitJoined(s2, id, f2);
  await settle(s1, id, f1, { quietMs: 300 });

  for (const [s, capsMode] of [[s1, 'Monitor'], [s2, 'Coach']]) {
    const c = await s.chat(id);
    assert.deepEqual(c.capabilities, SUP_CAPS[capsMode], `${s.user} capabilities`);
    assert.equal(c.participants[0].nickname, 'agent1', 'the agent first (joined first)');
    assert.equal(c.participants.at(-1).nickname, 'Pia', 'the customer last');
    assert.deepEqual(sortPairs(plist(c)), sortPairs([['Cole', 'Agents'], ['Mona', 'Supervisors'], ['Pia', 'All'], ['agent1', 'All']]),
      `${s.user} sees both supervisors: ${j(c.participants)}`);
    const log = await s.messages(id);
    assertDense(log, `${s.user} log`);
    assert.deepEqual(log.filter((m) => m.type === 'ParticipantJoined').map((m) => m.from.nickname).sort(),
      ['Cole', 'Mona', 'Pia', 'agent1'], `${s.user} sees both supervisors join: ${j(log)}`);
    // Agents and supervisors in the order they joined (chat.md).
    const joinOrder = log.filter((m) => m.type === 'ParticipantJoined' && m.from.type === 'Agent').map((m) => m.from.nickname);
    assert.deepEqual(c.participants.slice(0, -1).map((p) => p.nickname), joinOrder, `${s.user}: participants in join order: ${j(c.participants)}`);
    // The last pushed view of the participants (whatever notification carried it) shows both.
    const views = s.about(id, s === s1 ? f1 : f2).filter((d) => d.chat?.participants);
    assert.deepEqual(sortPairs(plist(views.at(-1).chat)), sortPairs(plist(c)), `${s.user}: the pushed participant list is the GET one: ${j(kinds(views))}`);
  }

  const ac = await a1.chat(id);
  assert.deepEqual(plist(ac), [['agent1', 'All'], ['Cole', 'Agents'], ['Pia', 'All']], `the agent sees the coach only: ${j(ac.participants)}`);
  assert.deepEqual(ac.capabilities, CAPS_WITH_AGENT, 'the agent has a visible agent participant: the coach');
  const alog = await a1.messages(id);
  assertDense(alog, 'agent log');
  assert.ok(alog.some((m) => m.type === 'ParticipantJoined' && m.from.nickname === 'Cole'), `the agent sees the coach join: ${j(alog)}`);
  assert.ok(!j(alog).includes('Mona') && !j(a1.about(id, fa)).includes('Mona'), 'the agent never learns of the monitor, in push or REST');
  const t = await cust.transcript();
  assertDense(t, 'customer transcript');
  assert.ok(!/Mona|Cole/.test(j(t)), `the customer sees neither supervisor: ${j(t)}`);
});

test('the coach talks: agent and both supervisors receive it (visibility Agents), the customer does not', async () => {
  const f1 = s1.mark();
  const fa = a1.mark();
  await s2.opOk(id, { operationName: 'SendMessage', text: 'COACH tip' });
  for (const [v, f] of [[s1, f1], [a1, fa]]) {
    const m = await v.waitMessage(id, (x) => x.text === 'COACH tip', 'coach text', { from: f });
    assert.deepEqual([m.visibility, m.from.nickname, m.from.visibility], ['Agents', 'Cole', 'Agents'], `${v.user}: ${j(m)}`);
  }
  assert.deepEqual(await customerNews(cust), [], 'nothing for the customer');
});

test('the monitor switches to Coach: the other supervisor sees ParticipantRejoined, the agent a join, the customer nothing', async () => {
  const f1 = s1.mark();
  const f2 = s2.mark();
  const fa = a1.mark();
  const s2Before = (await s2.messages(id)).at(-1).index;
  await s1.opOk(id, { operationName: 'SwitchToCoach' });
  const g2 = await settle(s2, id, f2, { quietMs: 300 });
  assert.deepEqual(g2.map((d) => d.notificationType), ['ParticipantsUpdated', 'NewMessages'], `other supervisor: ${j(kinds(g2))}`);
  assert.deepEqual(g2[0].chat.capabilities, SUP_CAPS.Coach, "the other supervisor's own capabilities");
  assert.deepEqual(sortPairs(plist(g2[0].chat)), sortPairs([['Cole', 'Agents'], ['Mona', 'Agents'], ['Pia', 'All'], ['agent1', 'All']]));
  assert.deepEqual(g2[1].messages.map((m) => [m.index, m.type, m.visibility, m.from.nickname, m.from.visibility]),
    [[s2Before + 1, 'ParticipantRejoined', 'All', 'Mona', 'Agents']], `other supervisor: seen before and after: ${j(g2[1].messages)}`);
  // s2 long-polls, s1 and the agent use websockets: wait for each one's own NewMessages.
  const g1 = await settle(s1, id, f1, { quietMs: 0 });
  assert.deepEqual(g1.map((d) => d.notificationType), ['ParticipantsUpdated', 'NewMessages'], j(kinds(g1)));
  const ga = await settle(a1, id, fa, { quietMs: 0 });
  assert.deepEqual(ga.map((d) => d.notificationType), ['ParticipantsUpdated', 'NewMessages'], j(kinds(ga)));
  const av = plist(ga[0].chat);
  assert.deepEqual([av[0], av.at(-1)], [['agent1', 'All'], ['Pia', 'All']], `the agent first, the customer last: ${j(av)}`);
  assert.deepEqual(sortPairs(av), sortPairs([['agent1', 'All'], ['Cole', 'Agents'], ['Mona', 'Agents'], ['Pia', 'All']]), 'the agent now sees both coaches');
  assert.deepEqual(ga[1].messages.map((m) => [m.type, m.from.nickname]), [['ParticipantJoined', 'Mona']]);
  assert.deepEqual(await customerNews(cust), [], 'the customer sees nothing of Monitor→Coach');
  await a1.opOk(id, { operationName: 'Complete' });
  for (const s of [s1, s2]) {
    const rv = await s.waitState(id, 'Revoked', { from: s === s1 ? f1 : f2 });
    assert.deepEqual(rv.chat.capabilities, [], `${s.user} Revoked`);
  }
  assert.ok(!g1.some(isSC));
});
