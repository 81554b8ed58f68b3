// The reference page (source-SwitchToCoach.txt) as a black-box scenario, once per transport of
// the supervisor's official CometD client: agent1 Ready, supervisor1 Monitors agent1, a customer
// requests a chat, agent1 accepts, the supervisor switches to Coach. The supervisor's answer
// and notification pair are compared with the page field by field; the agent's and the
// customer's views are checked at every step.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll } from '../lib/server.mjs';
import { disconnectAll } from '../lib/bayeux.mjs';
import { startChatServer, chatAgent, Customer, CAPS_ALONE, CAPS_WITH_AGENT, assertDense, assertAgentMessage } from '../lib/chat.mjs';
import {
  supervisor, SUP_CAPS, PAGE_PARTICIPANTS_UPDATED, PAGE_NEW_MESSAGES, assertSameShape, assertTimestamps,
  settle, waitJoined, isNew, isPU, isSC, kinds, plist, customerNews, j, TS_RE, ID_RE,
} from '../lib/supervision.mjs';

after(async () => {
  await disconnectAll();
  await cleanupAll();
});

for (const transport of ['websocket', 'long-polling']) {
  describe(`SwitchToCoach as on the reference page (supervisor on ${transport})`, () => {
    let srv, a1, sup, cust, id, supPid;
    const AGENT = 'test_agent';
    const SUP = 'test_supervisor';
    const CUST = 'test_clientL';

    before(async () => {
      srv = await startChatServer();
      a1 = await chatAgent(srv, 'agent1');
      sup = await supervisor(srv, 'supervisor1', { transport });
      await a1.start();
      await a1.ready();
    });

    test('Monitor: the supervisor joins the accepted chat; agent and customer see nothing of it', async () => {
      await sup.superviseOk(a1, { operationName: 'Monitor', supervisorMonitoringMode: 'AllChats', nickname: SUP });
      const fs = sup.mark();
      const fa = a1.mark();
      cust = await Customer.request(srv, { nickname: CUST });
      id = cust.chatId;
      await a1.waitOffer(id, { from: fa });
      await a1.opOk(id, { operationName: 'Accept', nickname: AGENT });
      await waitJoined(sup, id, fs);
      const got = await settle(sup, id, fs);

      const sc = got.find((d) => isSC(d) && d.chat.state === 'Chatting');
      assertSameShape(sc.chat, PAGE_PARTICIPANTS_UPDATED.chat, 'StatusChange.chat');
      assert.deepEqual(sc.chat.capabilities, SUP_CAPS.Monitor, `monitor capabilities: ${j(sc.chat.capabilities)}`);
      assert.deepEqual(plist(sc.chat), [[AGENT, 'All'], [SUP, 'Supervisors'], [CUST, 'All']], j(sc.chat.participants));
      const me = sc.chat.participants[1];
      assert.equal(me.type, 'Agent', 'a supervisor participant is of type Agent');
      assert.match(me.participantId, ID_RE);
      assert.equal(me.uri, `${srv.base}/api/v2/users/${sup.id}`);
      supPid = me.participantId;
      const log = got.filter(isNew).flatMap((d) => d.messages);
      assertDense(log, 'the log the supervisor receives on joining');
      assert.deepEqual(log.map((m) => [m.index, m.type, m.from.nickname]),
        [[1, 'ParticipantJoined', CUST], [2, 'ParticipantJoined', AGENT], [3, 'ParticipantJoined', SUP]],
        `the whole log the supervisor may see, ending with its own join: ${j(log)}`);
      assert.equal(log[2].from.visibility, 'Supervisors', j(log[2]));
      assertSameShape(log[2], PAGE_NEW_MESSAGES.messages[0], 'own ParticipantJoined');
      log.forEach((m) => { assertAgentMessage(m, 'supervisor log'); assertTimestamps(m, 'supervisor log'); });

      // The agent: nothing of the supervisor, in push or REST.
      const agentGot = await settle(a1, id, fa, { quietMs: 0 });
      assert.ok(!j(agentGot).includes(SUP), `the agent must not learn of a monitoring supervisor: ${j(kinds(agentGot))}`);
      const ac = await a1.chat(id);
      assert.deepEqual(plist(ac), [[AGENT, 'All'], [CUST, 'All']], j(ac.participants));
      assert.deepEqual(ac.capabilities, CAPS_ALONE, 'no SendToAgents while the only other agent is a monitor');
      assert.deepEqual((await a1.messages(id)).map((m) => [m.index, m.type, m.from.nickname]),
        [[1, 'ParticipantJoined', CUST], [2, 'ParticipantJoined', AGENT]]);
      // The customer: nothing of the supervisor.
      const t = await cust.transcript();
      assertDense(t, 'customer transcript');
      assert.ok(!j(t).includes(SUP), `the customer must not learn of the supervisor: ${j(t)}`);

      // supervision.md "Joining a chat": StatusChange, ParticipantsUpdated, MessageLogUpdated.
      assert.deepEqual(got.map((d) => d.notificationType), ['StatusChange', 'ParticipantsUpdated', 'NewMessages'],
        `a joining supervisor receives what an agent receives on Accept, in this order: ${j(kinds(got))}`);
    });

    test('SwitchToCoach: {"statusCode":0}, then ParticipantsUpdated and NewMessages exactly as on the page', async () => {
      const fs = sup.mark();
      const fa = a1.mark();
      const r = await sup.op(id, { operationName: 'SwitchToCoach' });
      assert.equal(r.status, 200, `SwitchToCoach: HTTP ${r.status} ${r.text}`);
      assert.deepEqual(r.json, { statusCode: 0 }, `the page's response is exactly {"statusCode":0}: ${r.text}`);

      const got = await settle(sup, id, fs);
      assert.deepEqual(got.map((d) => `${d.messageType}/${d.notificationType}`),
        ['ChatStateChangeMessage/ParticipantsUpdated', 'MessageLogUpdated/NewMessages'],
        `the supervisor receives exactly the page's pair, in order: ${j(kinds(got))}`);
      const [pu, nm] = got;

      // ParticipantsUpdated, field by field with the page.
      assertSameShape(pu, PAGE_PARTICIPANTS_UPDATED, 'ParticipantsUpdated');
      const c = pu.chat;
      assert.equal(c.id, id);
      assert.match(c.id, ID_RE);
      assert.equal(c.uri, `${srv.base}/api/v2/chats/${id}`, 'chat uri without /me');
      assert.equal(c.chatType, 'Inbound');
      assert.equal(c.state, 'Chatting');
      assert.match(c.receivedDate, TS_RE, 'receivedDate as timestamp');
      assert.deepEqual(c.capabilities, PAGE_PARTICIPANTS_UPDATED.chat.capabilities, 'exactly the 17 capabilities of the page, in order');
      assert.deepEqual(c.capabilities, SUP_CAPS.Coach);
      assert.deepEqual(c.participants.map((p) => [p.nickname, p.type, p.visibility]),
        PAGE_PARTICIPANTS_UPDATED.chat.participants.map((p) => [p.nickname, p.type, p.visibility]),
        `participants: agent All, supervisor Agents, customer All, in that order: ${j(c.participants)}`);
      const [pa, ps, pc] = c.participants;
      assert.equal(pa.uri, `${srv.base}/api/v2/users/${a1.id}`);
      assert.equal(ps.uri, `${srv.base}/api/v2/users/${sup.id}`);
      assert.equal(ps.participantId, supPid, 'the supervisor keeps its participantId');
      assert.equal(pc.uri, undefined, 'the customer has no uri (as on the page)');
      for (const p of c.participants) assert.match(p.participantId, ID_RE);
      assert.equal(new Set(c.participants.map((p) => p.participantId)).size, 3, 'distinct participantIds');

      // MessageLogUpdated/NewMessages, field by field with the page.
      assertSameShape(nm, PAGE_NEW_MESSAGES, 'NewMessages');
      assert.equal(nm.chatUri, c.uri, 'chatUri is the chat uri');
      assert.equal(nm.messages.length, 1, j(nm));
      const m = nm.messages[0];
      assert.equal(m.type, 'ParticipantRejoined');
      assert.equal(m.index, 4, 'the 4th item of the supervisor\'s log, as on the page');
      assert.equal(m.visibility, 'All', "the message's own visibility is All, as on the page");
      assert.deepEqual([m.from.nickname, m.from.type, m.from.visibility, m.from.participantId, m.from.uri],
        [SUP, 'Agent', 'Agents', supPid, ps.uri], `from: the supervisor with its new visibility: ${j(m.from)}`);
      assertTimestamps(m, 'ParticipantRejoined');
      assert.ok(Math.abs(m.timestampSeconds - Date.now()) < 60_000, 'timestampSeconds is now, in ms');

      // The agent now sees the coach join.
      const ag = await settle(a1, id, fa, { quietMs: 0 });
      assert.deepEqual(ag.map((d) => d.notificationType), ['ParticipantsUpdated', 'NewMessages'], j(kinds(ag)));
      assertSameShape(ag[0], PAGE_PARTICIPANTS_UPDATED, "agent's ParticipantsUpdated");
      assertSameShape(ag[1], PAGE_NEW_MESSAGES, "agent's NewMessages");
      assert.deepEqual(plist(ag[0].chat), [[AGENT, 'All'], [SUP, 'Agents'], [CUST, 'All']], j(ag[0].chat.participants));
      assert.deepEqual(ag[0].chat.capabilities, CAPS_WITH_AGENT, 'the agent may now talk to agents');
      assert.deepEqual(ag[1].messages.map((x) => [x.index, x.type, x.from.nickname, x.from.visibility, x.visibility]),
        [[3, 'ParticipantJoined', SUP, 'Agents', 'All']], `the agent sees the coach join (dense index 3): ${j(ag[1].messages)}`);
      // The customer: nothing.
      assert.deepEqual(await customerNews(cust), [], 'the customer receives nothing about Monitor→Coach');
      // REST agrees with push.
      assert.deepEqual((await sup.chat(id)).capabilities, SUP_CAPS.Coach);
      assert.deepEqual((await sup.messages(id)).at(-1), m, 'GET messages shows the same ParticipantRejoined');
    });

    test('the coach\'s SendMessage reaches the agent with visibility Agents, never the customer', async () => {
      const fs = sup.mark();
      const fa = a1.mark();
      await sup.opOk(id, { operationName: 'SendMessage', text: 'COACH: offer the discount' });
      const am = await a1.waitMessage(id, (x) => x.type === 'Text', 'coach text', { from: fa });
      assert.deepEqual([am.index, am.text, am.visibility, am.from.nickname, am.from.visibility],
        [4, 'COACH: offer the discount', 'Agents', SUP, 'Agents'], j(am));
      const sm = await sup.waitMessage(id, (x) => x.type === 'Text', 'own text back', { from: fs });
      assert.deepEqual([sm.index, sm.visibility], [5, 'Agents'], j(sm));
      await a1.opOk(id, { operationName: 'SendMessage', text: 'We can offer 10%.' });
      await sup.waitMessage(id, (x) => x.text === 'We can offer 10%.', 'agent text', { from: fs });
      const news = await customerNews(cust);
      assert.deepEqual(news.map((x) => [x.type, x.text, x.from.nickname]), [['Message', 'We can offer 10%.', AGENT]],
        `the customer sees only the agent's message: ${j(news)}`);
      const t = await cust.transcript();
      assertDense(t, 'customer transcript');
      assert.ok(!/COACH|test_supervisor/.test(j(t)), `nothing of the coach reaches the customer: ${j(t)}`);
      await a1.opOk(id, { operationName: 'Complete' });
      await sup.waitState(id, 'Revoked', { from: fs });
    });
  });
}
