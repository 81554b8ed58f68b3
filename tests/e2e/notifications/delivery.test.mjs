// Delivery of ChannelStateChangeMessageV2 to the official CometD client on both transports,
// for every supported subscription pattern, and isolation between users.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll, sleep } from '../lib/server.mjs';
import {
  startBayeuxServer, agent, officialClient, handshake, subscribe, disconnect, disconnectAll, waitUntil,
  chatState, reasonOf, assertChannelStateMessage, RawLongPoll, RawWs, READY_ID, NOT_READY_ID,
} from '../lib/bayeux.mjs';

const TRANSPORTS = ['websocket', 'long-polling'];
let srv;
const agents = {};

before(async () => {
  srv = await startBayeuxServer();
  for (const u of ['agent1', 'agent2', 'supervisor1']) {
    agents[u] = await agent(srv, u);
    await agents[u].start(); // nobody is subscribed yet: its notification goes nowhere
  }
});
after(async () => {
  await disconnectAll();
  await cleanupAll();
});

/** Handshake and subscribe an official client; returns {c, got}. */
async function connected(transport, user, channel, extra = {}) {
  const a = agents[user];
  const c = officialClient(srv, { transport, user, cookie: a?.cookie, ...extra });
  const hs = await handshake(c);
  assert.equal(hs.successful, true, `handshake: ${JSON.stringify(hs)}`);
  assert.equal(c.getTransport().type, transport, 'the transport in use');
  const got = [];
  // The client also hands /meta/* replies to a "/**" listener: keep only the deliveries.
  const { reply } = await subscribe(c, channel, (m) => { if (!m.channel.startsWith('/meta/')) got.push(m); });
  assert.equal(reply.successful, true, `subscribe ${channel}: ${JSON.stringify(reply)}`);
  assert.deepEqual(reply.subscription, channel, `the reply echoes the subscription: ${JSON.stringify(reply)}`);
  return { c, got };
}

const waitCount = (got, n, what) =>
  waitUntil(() => got.length >= n, 5000, () => `${what}: ${n} notifications, got ${JSON.stringify(got)}`);

for (const transport of TRANSPORTS) {
  for (const channel of ['/v2/me/*', '/v2/me/channels', '/**', '/v2/me/**']) {
    test(`${transport}: subscribe ${channel}, Ready then NotReady → ChannelStateChangeMessageV2 with the new state`, async () => {
      const { c, got } = await connected(transport, 'agent1', channel);
      const a = agents.agent1;
      await a.ready();
      await waitCount(got, 1, 'after Ready');
      const reason = `r-${transport}-${channel}`;
      await a.notReady(reason);
      await waitCount(got, 2, 'after NotReady');
      await sleep(200); // nothing more may come
      assert.equal(got.length, 2, `exactly one notification per operation: ${JSON.stringify(got)}`);
      for (const m of got) assertChannelStateMessage(m, channel);
      const s0 = chatState(got[0]);
      assert.deepEqual(
        { id: s0?.id, state: s0?.state, displayName: s0?.displayName },
        { id: READY_ID, state: 'Ready', displayName: 'Ready' },
        `Ready state: ${JSON.stringify(got[0])}`,
      );
      const s1 = chatState(got[1]);
      assert.equal(s1?.id, NOT_READY_ID, JSON.stringify(got[1]));
      assert.equal(s1?.state, 'NotReady', JSON.stringify(got[1]));
      assert.equal(s1?.reason, reason, JSON.stringify(got[1]));
      // The notification carries the full list, as GET /api/v2/me/channels shows it.
      assert.deepEqual(got[1].data.channels, await a.channels(), 'notification = GET /api/v2/me/channels');
      await disconnect(c);
    });
  }

  test(`${transport}: isolation — each user's sessions get only that user's notifications`, async () => {
    const a1 = await connected(transport, 'agent1', '/**');
    const a1b = await connected(transport, 'agent1', '/v2/me/*'); // a second session of agent1
    const a2 = await connected(transport, 'agent2', '/**');
    const sup = await connected(transport, 'supervisor1', '/**');
    for (let i = 0; i < 5; i++) await agents.agent1.notReady(`a1-${transport}-${i}`);
    const want1 = [0, 1, 2, 3, 4].map((i) => `a1-${transport}-${i}`);
    await waitCount(a1.got, 5, 'agent1 session 1');
    await waitCount(a1b.got, 5, 'agent1 session 2');
    // A marker for agent2 and supervisor1 after agent1's notifications were delivered.
    await agents.agent2.notReady(`a2-${transport}`);
    await agents.supervisor1.notReady(`s1-${transport}`);
    await waitCount(a2.got, 1, 'agent2');
    await waitCount(sup.got, 1, 'supervisor1');
    await sleep(300);
    assert.deepEqual(a1.got.map(reasonOf), want1, 'agent1 session 1 gets its own, in order, once');
    assert.deepEqual(a1b.got.map(reasonOf), want1, 'agent1 session 2 gets the same');
    assert.deepEqual(a2.got.map(reasonOf), [`a2-${transport}`], 'agent2 gets nothing of agent1');
    // A supervisor also gets /v2/me/floor (FloorUpdated: agents' states, supervision.md);
    // on the channel-state channel it gets only its own.
    const supChannels = sup.got.filter((m) => m.channel === '/v2/me/channels');
    assert.deepEqual(supChannels.map(reasonOf), [`s1-${transport}`], 'supervisor1 gets nothing of agent1 on /v2/me/channels');
    const floor = sup.got.filter((m) => m.channel === '/v2/me/floor');
    assert.ok(floor.every((m) => m.data.messageType === 'FloorUpdated'), JSON.stringify(floor).slice(0, 500));
    assert.ok(floor.some((m) => m.data.agents.some((a) => a.userName === 'agent1')), 'the floor shows agent1 changing');
    assert.equal(a2.got.filter((m) => m.channel === '/v2/me/floor').length, 0, 'agents get no floor updates');
    for (const x of [a1, a1b, a2, sup]) await disconnect(x.c);
  });
}

test('raw clients: subscribing to an array of channels echoes the array and delivers (both transports)', async () => {
  const subs = ['/v2/me/channels', '/v2/me/chats'];
  const lp = new RawLongPoll(srv, { cookie: agents.agent1.cookie });
  assert.equal((await lp.handshake()).successful, true);
  const s1 = await lp.subscribe(subs);
  assert.equal(s1.successful, true, JSON.stringify(s1));
  assert.deepEqual(s1.subscription, subs, `echo: ${JSON.stringify(s1)}`);
  assert.equal((await lp.connect({ first: true })).reply.successful, true);
  const ws = await RawWs.open(srv.port, { headers: { cookie: agents.agent1.cookie } });
  try {
    assert.equal((await ws.handshake()).successful, true);
    const s2 = await ws.subscribe(subs);
    assert.equal(s2?.successful, true, JSON.stringify(s2));
    assert.deepEqual(s2.subscription, subs, `echo: ${JSON.stringify(s2)}`);
    ws.startConnectLoop();
    await sleep(100);
    await agents.agent1.notReady('arr');
    const m = await lp.connect({ timeoutMs: 30_000 });
    assert.deepEqual(m.messages.map(reasonOf), ['arr'], JSON.stringify(m.replies));
    await waitUntil(() => ws.messages.length >= 1, 5000, () => JSON.stringify(ws.frames));
    await sleep(200);
    assert.deepEqual(ws.messages.map(reasonOf), ['arr'], JSON.stringify(ws.frames));
    assert.equal(ws.loopError, null, `connect loop: ${JSON.stringify(ws.loopError)}`);
  } finally {
    ws.close();
    await lp.send([{ channel: '/meta/disconnect', clientId: lp.clientId }]);
  }
});

test('raw long-polling: a session without subscriptions receives nothing; overlapping subscriptions deliver each message once', async () => {
  const plain = new RawLongPoll(srv, { cookie: agents.agent1.cookie });
  const hs1 = await plain.handshake();
  assert.equal(hs1.successful, true, JSON.stringify(hs1));
  const multi = new RawLongPoll(srv, { cookie: agents.agent1.cookie });
  assert.equal((await multi.handshake()).successful, true);
  const sub = await multi.subscribe(['/v2/me/*', '/v2/me/channels', '/**']);
  assert.equal(sub.successful, true, JSON.stringify(sub));
  for (const cl of [plain, multi]) {
    const r = await cl.connect({ first: true });
    assert.equal(r.reply.successful, true, JSON.stringify(r.reply));
  }
  await agents.agent1.notReady('overlap');
  const m = await multi.connect({ timeoutMs: 30_000 });
  assert.equal(m.reply.successful, true, JSON.stringify(m.reply));
  assert.deepEqual(m.messages.map(reasonOf), ['overlap'],
    `one message although three subscriptions match: ${JSON.stringify(m.replies)}`);
  // The unsubscribed session's connect is held to the end of the hold and comes back empty;
  // do not wait 25 s for it: a new connect completes the held one (one outstanding connect).
  const held = plain.connect({ timeoutMs: 30_000 });
  await sleep(300);
  const second = plain.connect({ timeoutMs: 30_000 }).catch(() => null);
  const r1 = await held;
  assert.equal(r1.reply.successful, true, JSON.stringify(r1.replies));
  assert.deepEqual(r1.messages, [], `no subscription → no messages: ${JSON.stringify(r1.replies)}`);
  await plain.send([{ channel: '/meta/disconnect', clientId: plain.clientId }]);
  await Promise.race([second, sleep(3000)]);
  await multi.send([{ channel: '/meta/disconnect', clientId: multi.clientId }]);
});
