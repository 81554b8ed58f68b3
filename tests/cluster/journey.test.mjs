// The whole supervised chat on a three-node cluster (PostgreSQL + NATS + HAProxy, scripts/
// cluster.sh), with the participants on different nodes: the customer (GMS Chat API v2 over
// CometD) on node1, agent1 (GWS API + CometD notifications) on node2, supervisor1 on node3.
// agent1 Ready → the customer requests a chat → offer → Accept → messages both ways →
// the supervisor Monitors (includeCurrentChats) and joins silently → SwitchToCoach and a coach
// message only the agent sees → SwitchToBargeIn and a message everyone sees → SwitchToMonitor →
// the agent completes. Each participant's view is checked at every step with the single-node
// tests' expectations (tests/e2e/supervision/reference.test.mjs, switches.test.mjs; the wire
// shapes of source-SwitchToCoach.txt), and X-Parley-Node shows that each is on its node.
// The same journey runs again with the agent on node1 and the customer and supervisor left
// to HAProxy: the customer's requests balanced anew each time, the supervisor sticky like a
// browser.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, COOKIE, NODE_HEADER } from './lib/cluster.mjs';
import { chatState, waitUntil } from '../e2e/lib/bayeux.mjs';
import { CAPS_ALONE, CAPS_WITH_AGENT, CAPS_INVITED, assertDense, assertAgentMessage, expectGwsError, ID_RE, TS_RE, sleep } from '../e2e/lib/chat.mjs';
import {
  SUP_CAPS, PAGE_PARTICIPANTS_UPDATED, PAGE_NEW_MESSAGES, assertSameShape, assertTimestamps,
  settle, waitJoined, assertNothing, kinds, plist, j,
} from '../e2e/lib/supervision.mjs';

/** Waits across nodes: a notification goes from the desk over NATS to the client's node. */
const T = 10_000;
const QUIET = 400;

let cluster;

before(async () => {
  cluster = await startCluster({ nodes: 3 });
});
after(async () => {
  await cluster?.stop();
});

// ---------------------------------------------------------------------------------------------
// Which node answered

const isUpgrade = (a) => a.what.startsWith('websocket ');

/** Every REST answer the client got came from `node`. */
function assertRestOn(via, node, what) {
  const rest = via.answers.filter((a) => !isUpgrade(a));
  assert.ok(rest.length > 0, `${via.name} ${what}: no REST answers recorded`);
  const off = rest.filter((a) => a.node !== node);
  assert.deepEqual(off, [], `${via.name} ${what}: every REST answer must carry ${NODE_HEADER}: ${node}; these did not: ${j(off.slice(0, 8))}`);
}

/** The websocket upgrade of the client's CometD connection(s) was answered by `node`. */
function assertWebsocketOn(via, node, what) {
  const ups = via.answers.filter(isUpgrade);
  assert.ok(ups.length > 0, `${via.name} ${what}: no websocket upgrade recorded`);
  assert.deepEqual(ups.map((a) => a.node), ups.map(() => node),
    `${via.name} ${what}: the 101 answer to the websocket upgrade must carry ${NODE_HEADER}: ${node}: ${j(ups)}`);
}

test('the cluster: every node answers with its name; the cookie pins, no cookie balances', async () => {
  for (const n of cluster.nodes) {
    const h = await cluster.health(n.index);
    assert.equal(h.status, 200, `${n.name} /healthz: ${j(h)}`);
  }
  for (const n of cluster.nodes) {
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${cluster.url}/healthz`, { headers: { cookie: `${COOKIE}=${n.name}`, connection: 'close' } });
      await r.arrayBuffer();
      assert.equal(r.status, 200);
      assert.equal(r.headers.get(NODE_HEADER), n.name, `GET /healthz with ${COOKIE}=${n.name} through HAProxy`);
    }
    const direct = await fetch(`${n.url}/healthz`, { headers: { connection: 'close' } });
    await direct.arrayBuffer();
    assert.equal(direct.headers.get(NODE_HEADER), n.name, `GET /healthz straight to ${n.name}`);
  }
  const seen = new Set();
  for (let i = 0; i < 6; i++) {
    const r = await fetch(`${cluster.url}/healthz`, { headers: { connection: 'close' } });
    await r.arrayBuffer();
    const node = r.headers.get(NODE_HEADER);
    seen.add(node);
    const set = r.headers.getSetCookie().find((c) => c.startsWith(`${COOKIE}=`));
    assert.ok(set?.startsWith(`${COOKIE}=${node};`), `HAProxy's cookie names the node that answered (${node}): ${j(r.headers.getSetCookie())}`);
  }
  assert.deepEqual([...seen].sort(), cluster.nodes.map((n) => n.name), 'requests without the cookie are balanced over every node');
  if (await cluster.reportsRoles()) assert.ok(await cluster.owner(), 'one node holds the desk');
});

describe('a supervised chat across three nodes', () => {
  test('customer on node1, agent1 on node2, supervisor1 on node3', async (t) => {
    const customerVia = cluster.client({ node: 'node1' });
    const agentVia = cluster.client({ node: 'node2' });
    const supVia = cluster.client({ node: 'node3' });
    await journey(t, { customerVia, agentVia, supVia, agentTransport: 'websocket', supTransport: 'websocket', customer: 'Carla' });
    await t.test('every answer each participant got came from its own node', () => {
      assertRestOn(customerVia, 'node1', 'customer (REST)');
      assertRestOn(agentVia, 'node2', 'agent1 (REST)');
      assertRestOn(supVia, 'node3', 'supervisor1 (REST)');
    });
    await t.test('each CometD connection is on its participant\'s node (the websocket upgrade names it)', () => {
      assertWebsocketOn(customerVia, 'node1', 'customer');
      assertWebsocketOn(agentVia, 'node2', 'agent1');
      assertWebsocketOn(supVia, 'node3', 'supervisor1');
    });
  });

  test('agent1 on node1 (long-polling); the customer and supervisor1 through HAProxy without a chosen node', async (t) => {
    const customerVia = cluster.client(); // like curl: no cookie, every request balanced anew
    const agentVia = cluster.client({ node: 'node1' });
    const supVia = cluster.client({ sticky: true }); // like a browser: keeps the cookie it is given
    await journey(t, { customerVia, agentVia, supVia, agentTransport: 'long-polling', supTransport: 'websocket', customer: 'Dora' });
    await t.test('answers: agent1 always node1; supervisor1 always its first node; the customer\'s REST calls balanced', () => {
      assertRestOn(agentVia, 'node1', 'agent1 (REST)');
      assert.ok(supVia.cookie.node, `supervisor1 was given a ${COOKIE} cookie: ${j(supVia.answers.slice(0, 3))}`);
      assertRestOn(supVia, supVia.cookie.node, 'supervisor1 (REST, sticky)');
      assert.equal(supVia.cookie.changes, 1, 'the sticky cookie was set once and never moved');
      const rest = customerVia.answers.filter((a) => !isUpgrade(a));
      assert.ok(rest.length >= 3, `the customer made REST calls: ${j(rest)}`);
      assert.ok(rest.every((a) => cluster.nodes.some((n) => n.name === a.node)), `every answer names a node: ${j(rest)}`);
      assert.ok(new Set(rest.map((a) => a.node)).size >= 2,
        `the customer's REST calls without a cookie reached more than one node (round robin): ${j(rest.map((a) => a.node))}`);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// The journey

const SUP = 'Boss';
const AGENT = 'agent1';
const COACH_TEXT = 'COACH: offer the discount';
const BARGE_TEXT = 'Supervisor here: the discount is approved';

/** The customer's view of log items (Notices are the customer's own: left out). */
const custView = (msgs) => msgs.filter((m) => m.type !== 'Notice').map((m) => [m.type, m.from.nickname, m.type === 'Message' ? m.text : null]);
/** An agent-side item in short. */
const item = (m) => [m.index, m.type, m.from.nickname, m.from.visibility, m.visibility, m.text ?? null];
/** The pushed log of a chat, one entry per index. */
const pushedByIndex = (viewer, id) => {
  const map = new Map();
  for (const m of viewer.pushed(id)) if (!map.has(m.index)) map.set(m.index, m);
  return [...map.values()].sort((a, b) => a.index - b.index);
};

async function journey(t, { customerVia, agentVia, supVia, agentTransport, supTransport, customer: CUST }) {
  let A, S, C, id, supPid, chatUri;
  /** What the customer must see, in order (custView form). */
  const custExpect = [];
  let broken = false;
  const step = (name, fn) => t.test(name, async (st) => {
    if (broken) {
      st.skip('an earlier step failed');
      return;
    }
    try {
      await fn();
    } catch (e) {
      broken = true;
      st.diagnostic(`the end of each node's log:\n${cluster.logs(15)}`);
      throw e;
    }
  });

  /** The customer's REST transcript, pushes and expectations agree; nothing hidden in them. */
  const checkCustomer = async (what) => {
    const tr = await C.rest.transcript();
    assertDense(tr, `${what}: customer transcript`);
    assert.deepEqual(custView(tr), custExpect, `${what}: the customer's transcript (REST) ${j(tr)}`);
    assert.deepEqual(custView(C.since(0)), custExpect, `${what}: what was pushed to the customer ${j(C.since(0))}`);
    assert.ok(!j(C.pushes).includes(COACH_TEXT) && !j(tr).includes(COACH_TEXT), `${what}: the coach's text never reaches the customer`);
    C.assertPushes(what);
  };

  await step('agent1 and supervisor1 sign in, the customer connects to /genesys/cometd', async () => {
    A = await agentVia.chatAgent(AGENT, { transport: agentTransport });
    S = await supVia.supervisor('supervisor1', { transport: supTransport });
    C = await customerVia.cometdCustomer({ transport: 'websocket' });
    await A.start();
    if (agentVia.pinned) assertRestOn(agentVia, agentVia.pinned, 'agent1 after signing in');
    if (supVia.pinned) assertRestOn(supVia, supVia.pinned, 'supervisor1 after signing in');
  });

  await step('agent1 Ready: the channel state is pushed and read back', async () => {
    const from = A.all.length;
    await A.ready();
    const msg = await waitUntil(() => A.all.slice(from).find((m) => m.channel === '/v2/me/channels' && chatState(m)?.state === 'Ready'), T,
      () => `ChannelStateChangeMessageV2 Ready; got ${j(A.all.slice(from))}`);
    assert.equal(msg.data.messageType, 'ChannelStateChangeMessageV2', j(msg));
    const chat = (await A.channels()).find((c) => c.channel === 'chat');
    assert.equal(chat?.userState?.state, 'Ready', j(chat));
  });

  await step('the customer requests a chat over CometD; agent1 is offered it', async () => {
    const fa = A.mark();
    const first = await C.requestChat({ nickname: CUST, subject: 'Order', userData: { orderId: 'A-42' } });
    id = first.chatId;
    assert.match(id, ID_RE);
    assert.equal(first.chatEnded, false, j(first));
    assert.ok(first.userId && first.secureKey, j(first));
    const own = await C.waitMessage((m) => m.type === 'ParticipantJoined', 'own join');
    assert.deepEqual([own.index, own.from], [1, { nickname: CUST, participantId: 1, type: 'Client' }], `the customer's own join: ${j(C.since(0))}`);
    custExpect.push(['ParticipantJoined', CUST, null]);

    const off = await A.waitOffer(id, { from: fa, timeoutMs: T });
    const c = off.chat;
    chatUri = `${cluster.url}/api/v2/chats/${id}`;
    assert.deepEqual(c.capabilities, CAPS_INVITED, j(c));
    assert.equal(c.uri, chatUri, 'the chat uri is built on the address the client used (HAProxy)');
    assert.equal(c.chatType, 'Inbound');
    assert.match(c.receivedDate, TS_RE);
    assert.match(c.offerExpiresAt, TS_RE);
    assert.equal(c.subject, 'Order');
    assert.equal(c.userData?.orderId, 'A-42', j(c));
    assert.equal(c.participants.find((p) => p.type === 'Customer')?.nickname, CUST, j(c.participants));
    assert.equal((await A.chats()).find((x) => x.id === id)?.state, 'Invited', 'GET /me/chats lists the offer');
    await sleep(QUIET);
    assert.deepEqual(custView(C.since(1)), [], 'an offer is invisible to the customer');
  });

  await step('agent1 accepts: StatusChange, ParticipantsUpdated, the whole log; the customer sees the join', async () => {
    const from = A.mark();
    const after = C.maxIndex();
    assert.deepEqual(await A.opOk(id, { operationName: 'Accept' }), { statusCode: 0 });
    const got = await settle(A, id, from, { timeoutMs: T, quietMs: QUIET });
    assert.deepEqual(got.map((d) => d.notificationType), ['StatusChange', 'ParticipantsUpdated', 'NewMessages'], j(kinds(got)));
    assert.equal(got[0].chat.state, 'Chatting');
    for (const d of got.slice(0, 2)) assert.deepEqual(d.chat.capabilities, CAPS_ALONE, `alone with the customer: ${j(d)}`);
    assert.deepEqual(got[1].chat.participants.map((p) => [p.type, p.nickname, p.visibility]),
      [['Agent', AGENT, 'All'], ['Customer', CUST, 'All']], j(got[1].chat.participants));
    assert.equal(got[1].chat.participants[0].uri, `${cluster.url}/api/v2/users/${A.id}`);
    const log = got[2];
    assert.equal(log.chatUri, chatUri);
    assertDense(log.messages, 'the whole log on Accept');
    log.messages.forEach((m) => assertAgentMessage(m, 'log on Accept'));
    assert.deepEqual(log.messages.map((m) => [m.type, m.from.nickname]), [['ParticipantJoined', CUST], ['ParticipantJoined', AGENT]], j(log.messages));
    assert.deepEqual(await A.messages(id), log.messages, 'GET messages = the pushed log');
    assert.deepEqual((await A.chat(id)).capabilities, CAPS_ALONE);

    const joined = await C.waitMessage((m) => m.type === 'ParticipantJoined' && m.from.type === 'Agent', 'the agent joins', { after });
    assert.deepEqual(joined.from, { nickname: AGENT, participantId: 2, type: 'Agent' }, j(joined));
    custExpect.push(['ParticipantJoined', AGENT, null]);
    await checkCustomer('after Accept');
  });

  await step('messages both ways', async () => {
    let from = A.mark();
    let after = C.maxIndex();
    await A.opOk(id, { operationName: 'SendMessage', text: 'How may I help you?' });
    const own = await A.waitMessage(id, (m) => m.type === 'Text' && m.text === 'How may I help you?', 'own message back', { from, timeoutMs: T });
    assert.deepEqual([own.visibility, own.from.nickname], ['All', AGENT], j(own));
    const got = await C.waitMessage((m) => m.type === 'Message' && m.text === 'How may I help you?', 'the agent\'s message', { after });
    assert.deepEqual(got.from, { nickname: AGENT, participantId: 2, type: 'Agent' }, j(got));
    custExpect.push(['Message', AGENT, 'How may I help you?']);

    from = A.mark();
    after = C.maxIndex();
    await C.sendMessage('My order A-42 is late');
    const m = await A.waitMessage(id, (x) => x.type === 'Text' && x.text === 'My order A-42 is late', 'the customer\'s message', { from, timeoutMs: T });
    assert.deepEqual([m.visibility, m.from.type, m.from.nickname], ['All', 'Customer', CUST], j(m));
    const mine = await C.waitMessage((x) => x.type === 'Message' && x.text === 'My order A-42 is late', 'own message pushed', { after });
    assert.deepEqual(mine.from, { nickname: CUST, participantId: 1, type: 'Client' }, j(mine));
    custExpect.push(['Message', CUST, 'My order A-42 is late']);
    assertDense(await A.messages(id), 'agent log');
    await checkCustomer('after the messages');
  });

  await step('Monitor with includeCurrentChats: the supervisor joins at once; agent and customer see nothing of it', async () => {
    const fs = S.mark();
    const fa = A.mark();
    const agentLog = await A.messages(id);
    await S.superviseOk(A, { operationName: 'Monitor', nickname: SUP, includeCurrentChats: true });
    assert.deepEqual(await S.supervisions(A), [{ userId: S.id, nickname: SUP, mode: 'Monitor', supervisorMonitoringMode: 'AllChats' }]);
    await waitJoined(S, id, fs, T);
    const got = await settle(S, id, fs, { timeoutMs: T, quietMs: QUIET });
    assert.deepEqual(got.map((d) => d.notificationType), ['StatusChange', 'ParticipantsUpdated', 'NewMessages'],
      `a joining supervisor receives what an agent receives on Accept, in this order: ${j(kinds(got))}`);
    const sc = got[0];
    assert.equal(sc.chat.state, 'Chatting');
    assertSameShape(sc.chat, PAGE_PARTICIPANTS_UPDATED.chat, 'StatusChange.chat');
    assert.deepEqual(sc.chat.capabilities, SUP_CAPS.Monitor, j(sc.chat.capabilities));
    assert.deepEqual(plist(sc.chat), [[AGENT, 'All'], [SUP, 'Supervisors'], [CUST, 'All']], j(sc.chat.participants));
    assert.deepEqual(plist(got[1].chat), plist(sc.chat));
    const me = sc.chat.participants[1];
    assert.equal(me.type, 'Agent', 'a supervisor participant is of type Agent');
    assert.match(me.participantId, ID_RE);
    assert.equal(me.uri, `${cluster.url}/api/v2/users/${S.id}`);
    supPid = me.participantId;
    const log = got[2].messages;
    assertDense(log, 'the log the supervisor receives on joining');
    assert.deepEqual(log.slice(0, -1).map(item), agentLog.map(item), 'the supervisor sees the log the agent sees');
    const last = log.at(-1);
    assert.deepEqual(item(last), [agentLog.length + 1, 'ParticipantJoined', SUP, 'Supervisors', 'All', null], j(last));
    assertSameShape(last, PAGE_NEW_MESSAGES.messages[0], 'own ParticipantJoined');
    log.forEach((m) => { assertAgentMessage(m, 'supervisor log'); assertTimestamps(m, 'supervisor log'); });

    await assertNothing(A, id, fa, 'a monitor joining', 0);
    const ac = await A.chat(id);
    assert.deepEqual(plist(ac), [[AGENT, 'All'], [CUST, 'All']], j(ac.participants));
    assert.deepEqual(ac.capabilities, CAPS_ALONE, 'no SendToAgents while the only other agent is a monitor');
    assert.deepEqual(await A.messages(id), agentLog, 'the agent\'s log is unchanged');
    await checkCustomer('after Monitor');
    assert.ok(!j(C.pushes).includes(SUP), 'the customer never hears of a monitor');
  });

  /**
   * One mode switch: the supervisor's exact pair, the agent's pair (or nothing), the customer's
   * join/leave (or nothing), REST agreeing with push. Returns the supervisor's switch event.
   */
  const doSwitch = async (op, to, { agentSeesBefore, agentSeesAfter, custType }) => {
    const VIS = { Monitor: 'Supervisors', Coach: 'Agents', BargeIn: 'All' }[to];
    const supBefore = (await S.messages(id)).length;
    const agentBefore = (await A.messages(id)).length;
    const after = C.maxIndex();
    const fs = S.mark();
    const fa = A.mark();
    const r = await S.op(id, { operationName: op });
    assert.equal(r.status, 200, `${op}: HTTP ${r.status} ${r.text}`);
    assert.deepEqual(r.json, { statusCode: 0 }, `${op}: the answer is exactly {"statusCode":0}: ${r.text}`);

    const sg = await settle(S, id, fs, { timeoutMs: T, quietMs: QUIET });
    assert.deepEqual(sg.map((d) => `${d.messageType}/${d.notificationType}`),
      ['ChatStateChangeMessage/ParticipantsUpdated', 'MessageLogUpdated/NewMessages'], `supervisor after ${op}: ${j(kinds(sg))}`);
    const [pu, nm] = sg;
    assertSameShape(pu, PAGE_PARTICIPANTS_UPDATED, `supervisor's ParticipantsUpdated after ${op}`);
    assertSameShape(nm, PAGE_NEW_MESSAGES, `supervisor's NewMessages after ${op}`);
    assert.equal(pu.chat.id, id);
    assert.equal(pu.chat.uri, chatUri);
    assert.equal(pu.chat.state, 'Chatting');
    assert.deepEqual(pu.chat.capabilities, SUP_CAPS[to], `capabilities in ${to}`);
    assert.deepEqual(pu.chat.participants.map((p) => [p.nickname, p.type, p.visibility]),
      [[AGENT, 'Agent', 'All'], [SUP, 'Agent', VIS], [CUST, 'Customer', 'All']], j(pu.chat.participants));
    assert.equal(pu.chat.participants[1].participantId, supPid, 'the supervisor keeps its participantId');
    assert.equal(nm.chatUri, chatUri);
    assert.equal(nm.messages.length, 1, j(nm));
    const ev = nm.messages[0];
    assert.deepEqual([ev.index, ev.type, ev.visibility, ev.from.nickname, ev.from.type, ev.from.visibility, ev.from.participantId],
      [supBefore + 1, 'ParticipantRejoined', 'All', SUP, 'Agent', VIS, supPid], `the supervisor's switch event: ${j(ev)}`);
    assertTimestamps(ev, `${op} event`);
    assert.deepEqual((await S.chat(id)).capabilities, SUP_CAPS[to], 'GET agrees');
    assert.deepEqual((await S.messages(id)).at(-1), ev, 'GET messages ends with the pushed switch event');

    if (!agentSeesBefore && !agentSeesAfter) {
      await assertNothing(A, id, fa, `${op} (the agent sees the supervisor neither before nor after)`, 0);
    } else {
      const ag = await settle(A, id, fa, { timeoutMs: T, quietMs: 0 });
      assert.deepEqual(ag.map((d) => d.notificationType), ['ParticipantsUpdated', 'NewMessages'], `agent after ${op}: ${j(kinds(ag))}`);
      // (The page's chat has three participants: the shape is compared when the agent sees three.)
      if (agentSeesAfter) assertSameShape(ag[0], PAGE_PARTICIPANTS_UPDATED, `agent's ParticipantsUpdated after ${op}`);
      assertSameShape(ag[1], PAGE_NEW_MESSAGES, `agent's NewMessages after ${op}`);
      assert.deepEqual(plist(ag[0].chat), agentSeesAfter ? [[AGENT, 'All'], [SUP, VIS], [CUST, 'All']] : [[AGENT, 'All'], [CUST, 'All']],
        `the agent's participants after ${op}`);
      assert.deepEqual(ag[0].chat.capabilities, agentSeesAfter ? CAPS_WITH_AGENT : CAPS_ALONE, `the agent's capabilities after ${op}`);
      const type = agentSeesBefore && agentSeesAfter ? 'ParticipantRejoined' : agentSeesAfter ? 'ParticipantJoined' : 'ParticipantLeft';
      assert.deepEqual(ag[1].messages.map((m) => [m.index, m.type, m.visibility, m.from.nickname, m.from.visibility]),
        [[agentBefore + 1, type, 'All', SUP, VIS]], `the agent sees ${type} with the next dense index: ${j(ag[1].messages)}`);
    }
    assertDense(await A.messages(id), 'agent log');

    if (custType) {
      const m = await C.waitMessage((x) => x.from.nickname === SUP, `the supervisor ${custType}`, { after });
      assert.deepEqual([m.index, m.type, m.from], [after + 1, custType, { nickname: SUP, participantId: 3, type: 'Agent' }], j(m));
      custExpect.push([custType, SUP, null]);
    } else {
      await sleep(QUIET);
    }
    await checkCustomer(`after ${op}`);
    return ev;
  };

  await step('SwitchToCoach: the supervisor\'s pair exactly as on the reference page; the agent sees the coach join; the customer nothing', async () => {
    const ev = await doSwitch('SwitchToCoach', 'Coach', { agentSeesBefore: false, agentSeesAfter: true });
    assert.ok(Math.abs(ev.timestampSeconds - Date.now()) < 60_000, 'timestampSeconds is now, in ms');
  });

  await step('the coach\'s message reaches the agent with visibility Agents, never the customer', async () => {
    const supBefore = (await S.messages(id)).length;
    const agentBefore = (await A.messages(id)).length;
    const fs = S.mark();
    const fa = A.mark();
    await S.opOk(id, { operationName: 'SendMessage', text: COACH_TEXT });
    const am = await A.waitMessage(id, (x) => x.type === 'Text' && x.text === COACH_TEXT, 'the coach\'s text', { from: fa, timeoutMs: T });
    assert.deepEqual(item(am), [agentBefore + 1, 'Text', SUP, 'Agents', 'Agents', COACH_TEXT], j(am));
    const sm = await S.waitMessage(id, (x) => x.type === 'Text' && x.text === COACH_TEXT, 'own text back', { from: fs, timeoutMs: T });
    assert.deepEqual(item(sm), [supBefore + 1, 'Text', SUP, 'Agents', 'Agents', COACH_TEXT], j(sm));

    const after = C.maxIndex();
    await A.opOk(id, { operationName: 'SendMessage', text: 'We can offer 10%.' });
    await C.waitMessage((x) => x.type === 'Message' && x.text === 'We can offer 10%.', 'the agent\'s answer', { after });
    await S.waitMessage(id, (x) => x.text === 'We can offer 10%.', 'the agent\'s answer', { from: fs, timeoutMs: T });
    custExpect.push(['Message', AGENT, 'We can offer 10%.']);
    await sleep(QUIET);
    assert.deepEqual(custView(C.since(after)), [['Message', AGENT, 'We can offer 10%.']], 'the customer is pushed only the agent\'s message');
    await checkCustomer('after the coach spoke');
    const again = await C.resume();
    assertDense(again, 'the transcript pushed again (requestNotifications from 1)');
    assert.deepEqual(custView(again), custExpect, `requestNotifications from 1: ${j(again)}`);
  });

  await step('SwitchToBargeIn: the customer sees the supervisor join; a message everyone sees', async () => {
    await doSwitch('SwitchToBargeIn', 'BargeIn', { agentSeesBefore: true, agentSeesAfter: true, custType: 'ParticipantJoined' });
    const fa = A.mark();
    const fs = S.mark();
    const after = C.maxIndex();
    await S.opOk(id, { operationName: 'SendMessage', text: BARGE_TEXT });
    const am = await A.waitMessage(id, (x) => x.text === BARGE_TEXT, 'the supervisor\'s public text', { from: fa, timeoutMs: T });
    assert.deepEqual(item(am).slice(1), ['Text', SUP, 'All', 'All', BARGE_TEXT], j(am));
    await S.waitMessage(id, (x) => x.text === BARGE_TEXT, 'own text back', { from: fs, timeoutMs: T });
    const cm = await C.waitMessage((x) => x.type === 'Message' && x.text === BARGE_TEXT, 'the supervisor\'s public text', { after });
    assert.deepEqual([cm.index, cm.from], [after + 1, { nickname: SUP, participantId: 3, type: 'Agent' }], j(cm));
    custExpect.push(['Message', SUP, BARGE_TEXT]);
    await checkCustomer('after the barge-in message');
  });

  await step('SwitchToMonitor: agent and customer see the supervisor leave; a monitor cannot send', async () => {
    await doSwitch('SwitchToMonitor', 'Monitor', { agentSeesBefore: true, agentSeesAfter: false, custType: 'ParticipantLeft' });
    const fa = A.mark();
    expectGwsError(await S.op(id, { operationName: 'SendMessage', text: 'MONITOR must not talk' }), 409, 2, 'a monitor cannot send');
    await assertNothing(A, id, fa, 'a refused send', QUIET);
  });

  let agentLog, supLog; // the logs just before the completion
  await step('agent1 completes: Completed for the agent, Revoked for the supervisor, chatEnded for the customer', async () => {
    agentLog = await A.messages(id);
    supLog = await S.messages(id);
    const fa = A.mark();
    const fs = S.mark();
    await A.opOk(id, { operationName: 'Complete' });
    const done = await A.waitState(id, 'Completed', { from: fa, timeoutMs: T });
    assert.equal(done.chat.id, id);
    const rv = await S.waitState(id, 'Revoked', { from: fs, timeoutMs: T });
    assert.deepEqual(rv.chat.capabilities, [], `Revoked: no capabilities: ${j(rv.chat)}`);
    const g = await S.chat(id);
    assert.deepEqual([g.state, g.capabilities], ['Revoked', []], `GET: ${j(g)}`);
    await C.waitEnded(T);
    assert.equal((await C.rest.refresh(1)).chatEnded, true, 'REST: chatEnded');
  });

  await step('the whole chat as each participant sees it: push and REST agree, dense, nothing outside the audience', async () => {
    // The customer: everything up to the completion as expected, nothing of the supervisor
    // outside the barge-in, and what came with the completion is not the supervisor's.
    const tr = await C.rest.transcript();
    assertDense(tr, 'customer transcript');
    assert.deepEqual(custView(tr).slice(0, custExpect.length), custExpect, j(tr));
    assert.ok(!custView(tr).slice(custExpect.length).some((x) => x[1] === SUP), `nothing of the supervisor after it left: ${j(tr)}`);
    await waitUntil(() => C.maxIndex() >= tr.length, T, () => `the customer is pushed the whole transcript: ${j(C.since(0))}`);
    assert.deepEqual(C.since(0), tr, 'the pushes and the REST transcript are the same messages');
    C.assertPushes('final');

    // The agent: the supervisor's items it may see, and nothing a monitor did. What came with
    // the completion is not compared with pushes (a finished chat's items need not be pushed).
    const al = await A.messages(id);
    assert.deepEqual(al.slice(0, agentLog.length), agentLog, 'the agent\'s log after the completion begins with the log before it');
    assertDense(al, 'agent log');
    al.forEach((m) => assertAgentMessage(m, 'agent log'));
    assert.deepEqual(agentLog.filter((m) => m.from.nickname === SUP).map((m) => [m.type, m.from.visibility, m.visibility, m.text ?? null]), [
      ['ParticipantJoined', 'Agents', 'All', null],
      ['Text', 'Agents', 'Agents', COACH_TEXT],
      ['ParticipantRejoined', 'All', 'All', null],
      ['Text', 'All', 'All', BARGE_TEXT],
      ['ParticipantLeft', 'Supervisors', 'All', null],
    ], `the agent's log of the supervisor's items: ${j(al)}`);
    assert.deepEqual(pushedByIndex(A, id).slice(0, agentLog.length), agentLog, 'the agent was pushed exactly its log');

    // The supervisor: everything.
    const sl = await S.messages(id);
    assertDense(sl, 'supervisor log');
    assert.deepEqual(sl.slice(0, supLog.length), supLog, 'the supervisor\'s log after the completion begins with the log before it');
    assert.deepEqual(supLog.filter((m) => m.from.nickname === SUP).map((m) => [m.type, m.from.visibility]), [
      ['ParticipantJoined', 'Supervisors'], ['ParticipantRejoined', 'Agents'], ['Text', 'Agents'],
      ['ParticipantRejoined', 'All'], ['Text', 'All'], ['ParticipantRejoined', 'Supervisors'],
    ], `the supervisor's own items: ${j(sl)}`);
    assert.deepEqual(pushedByIndex(S, id).slice(0, supLog.length), supLog, 'the supervisor was pushed exactly its log');
    // (A switch event has a type of its own per viewer: only the other items are compared.)
    for (const m of agentLog.filter((x) => x.from.nickname !== SUP || x.type === 'Text')) {
      const same = supLog.find((x) => x.text === m.text && x.type === m.type && x.from.participantId === m.from.participantId && x.timestampSeconds === m.timestampSeconds);
      assert.ok(same, `every item of the agent's log is in the supervisor's: ${j(m)}`);
    }
  });

  // Always, so that the next journey starts clean: after a failure, the chat is completed and
  // the sessions ended as far as possible (the supervision ends with the supervisor's session).
  await t.test('both end their contact-center sessions', async () => {
    const cleanup = [
      async () => { if (broken && id) await A.op(id, { operationName: 'Complete' }); },
      () => A.end(),
      () => S.end(),
      () => A.close(),
      () => S.close(),
      () => new Promise((resolve) => C.client.disconnect(resolve)),
    ];
    for (const f of cleanup) {
      try {
        await f();
      } catch (e) {
        if (!broken) throw e;
      }
    }
  });
}
