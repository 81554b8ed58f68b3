// Handshake, authentication, refusals and the wire format of the Bayeux endpoint.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll, sleep } from '../lib/server.mjs';
import { basic } from '../lib/http.mjs';
import {
  startBayeuxServer, agent, officialClient, handshake, subscribe, publish, disconnect, disconnectAll, waitUntil,
  reasonOf, RawLongPoll, RawWs,
} from '../lib/bayeux.mjs';

const TRANSPORTS = ['websocket', 'long-polling'];
const HS = [{ channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['long-polling'] }];
let srv;
let a1;
let a2;

before(async () => {
  srv = await startBayeuxServer();
  a1 = await agent(srv, 'agent1');
  await a1.start();
  a2 = await agent(srv, 'agent2');
  await a2.start();
});
after(async () => {
  await disconnectAll();
  await cleanupAll();
});

function expectAccessDenied(reply, what) {
  assert.ok(reply, `${what}: no handshake reply`);
  assert.equal(reply.channel, '/meta/handshake', `${what}: ${JSON.stringify(reply)}`);
  assert.equal(reply.successful, false, `${what}: ${JSON.stringify(reply)}`);
  assert.equal(reply.error, '403::Access denied', `${what}: ${JSON.stringify(reply)}`);
  assert.equal(reply.advice?.reconnect, 'none', `${what}: advice ${JSON.stringify(reply)}`);
  assert.equal(reply.clientId, undefined, `${what}: no clientId on a refusal: ${JSON.stringify(reply)}`);
}

test('handshake reply: transports, unguessable clientId, advice with the default 25 s hold, echoed id', async () => {
  const c1 = new RawLongPoll(srv, { cookie: a1.cookie });
  const c2 = new RawLongPoll(srv, { cookie: a1.cookie });
  const r1 = await c1.handshake();
  const r2 = await c2.handshake();
  for (const r of [r1, r2]) {
    assert.equal(r.successful, true, JSON.stringify(r));
    assert.equal(r.version, '1.0', JSON.stringify(r));
    assert.deepEqual([...r.supportedConnectionTypes].sort(), ['long-polling', 'websocket'], JSON.stringify(r));
    assert.deepEqual(r.advice, { reconnect: 'retry', interval: 0, timeout: 25_000 }, JSON.stringify(r));
    assert.equal(typeof r.clientId, 'string');
    assert.ok(r.clientId.length >= 16, `clientId too short to be unguessable: ${r.clientId}`);
    assert.equal(r.ext?.ack, undefined, `no ack without asking: ${JSON.stringify(r)}`);
  }
  assert.notEqual(r1.clientId, r2.clientId);
});

for (const transport of TRANSPORTS) {
  test(`${transport}: official client without credentials → 403::Access denied, advice none, stays disconnected`, async () => {
    const c = officialClient(srv, { transport });
    const hs = await handshake(c);
    expectAccessDenied(hs, 'no credentials');
    await sleep(300);
    assert.equal(c.isDisconnected(), true, `client status ${c.getStatus()}: must not retry`);
  });

  test(`${transport}: official client with a wrong password → 403::Access denied`, async () => {
    const c = officialClient(srv, { transport, user: 'agent1', password: 'wrong-password' });
    const hs = await handshake(c);
    expectAccessDenied(hs, 'wrong password');
    await sleep(300);
    assert.equal(c.isDisconnected(), true, `client status ${c.getStatus()}`);
  });

  test(`${transport}: official client with ack extension gets ext.ack true`, async () => {
    const c = officialClient(srv, { transport, user: 'agent1', cookie: a1.cookie, ack: true });
    const hs = await handshake(c);
    assert.equal(hs.successful, true, JSON.stringify(hs));
    assert.equal(hs.ext?.ack, true, `handshake reply ext: ${JSON.stringify(hs)}`);
    await disconnect(c);
  });

  test(`${transport}: forbidden subscriptions → 403::Forbidden; client publish to /v2/me/channels refused and not delivered`, async () => {
    const c = officialClient(srv, { transport, user: 'agent1', cookie: a1.cookie });
    const hs = await handshake(c);
    assert.equal(hs.successful, true, JSON.stringify(hs));
    const got = [];
    const ok = await subscribe(c, '/v2/me/channels', (m) => got.push(m));
    assert.equal(ok.reply.successful, true, JSON.stringify(ok.reply));
    for (const ch of ['/v2/users/x', `/v2/users/${a2.id}/channels`, '/v2/other', '/v2/chats']) {
      const { reply } = await subscribe(c, ch, () => {});
      assert.equal(reply.successful, false, `${ch}: ${JSON.stringify(reply)}`);
      assert.equal(reply.error, '403::Forbidden', `${ch}: ${JSON.stringify(reply)}`);
      assert.equal(reply.subscription, ch, `${ch}: the reply echoes the subscription: ${JSON.stringify(reply)}`);
    }
    const fake = { messageType: 'ChannelStateChangeMessageV2', channels: [{ channel: 'chat', userState: { state: 'Ready', reason: 'forged' } }] };
    const pub = await publish(c, '/v2/me/channels', fake);
    assert.equal(pub.successful, false, `publish must be refused: ${JSON.stringify(pub)}`);
    await a1.notReady(`after-publish-${transport}`);
    await waitUntil(() => got.length >= 1, 5000, () => JSON.stringify(got));
    await sleep(200);
    assert.deepEqual(got.map(reasonOf), [`after-publish-${transport}`], `the forged publish was delivered: ${JSON.stringify(got)}`);
    // The session survived the refusals.
    assert.equal(c.isDisconnected(), false);
    await disconnect(c);
  });

  test(`${transport}: wildcards outside /v2/me never yield another user's notifications`, async () => {
    const c = officialClient(srv, { transport, user: 'agent1', cookie: a1.cookie });
    assert.equal((await handshake(c)).successful, true);
    const got = [];
    const mine = await subscribe(c, '/v2/me/channels', (m) => got.push(m));
    assert.equal(mine.reply.successful, true);
    for (const ch of ['/v2/users/*', '/v2/users/**', '/v2/*']) {
      // Accepted or refused: either way nothing of another user may arrive.
      await subscribe(c, ch, (m) => got.push(m));
    }
    await a2.notReady(`a2-${transport}`);
    await a1.notReady(`a1-${transport}`);
    await waitUntil(() => got.length >= 1, 5000, () => JSON.stringify(got));
    await sleep(300);
    assert.deepEqual(got.map(reasonOf), [`a1-${transport}`], JSON.stringify(got));
    await disconnect(c);
  });
}

test('long-polling raw: refused handshake is HTTP 200 with a Bayeux error (no credentials, wrong password)', async () => {
  const none = await new RawLongPoll(srv).post(HS);
  assert.equal(none.status, 200, `no credentials: ${none.status} ${none.text}`);
  assert.ok(Array.isArray(none.json), none.text);
  expectAccessDenied(none.json[0], 'no credentials');
  const wrong = await new RawLongPoll(srv, { authorization: basic('agent1', 'nope') }).post(HS);
  assert.equal(wrong.status, 200, `wrong password: ${wrong.status} ${wrong.text}`);
  expectAccessDenied(wrong.json?.[0], 'wrong password');
  const bogusCookie = await new RawLongPoll(srv, { cookie: 'JSESSIONID=not-a-session' }).post(HS);
  assert.equal(bogusCookie.status, 200, bogusCookie.text);
  expectAccessDenied(bogusCookie.json?.[0], 'unknown cookie');
});

test('long-polling raw: a body that is not JSON (or not a message array) → HTTP 400', async () => {
  const c = new RawLongPoll(srv, { cookie: a1.cookie });
  for (const body of ['this is not json', '[{"channel":', '42', '']) {
    const r = await c.post(body);
    assert.equal(r.status, 400, `${JSON.stringify(body)} → ${r.status} ${r.text}`);
  }
});

test('long-polling raw: /handshake, /connect, /disconnect and / suffixes route to the same handler', async () => {
  const c = new RawLongPoll(srv, { cookie: a1.cookie });
  const hs = await c.handshake({ path: '/handshake' });
  assert.equal(hs.successful, true, JSON.stringify(hs));
  const none = await new RawLongPoll(srv).post(HS, { path: '/handshake' });
  assert.equal(none.status, 200, none.text);
  expectAccessDenied(none.json?.[0], 'unauthenticated /handshake');
  const first = await c.send([{ channel: '/meta/connect', clientId: c.clientId, connectionType: 'long-polling', advice: { timeout: 0 }, id: 'c1' }], { path: '/connect' });
  assert.equal(first.replies[0]?.successful, true, JSON.stringify(first.replies));
  const sub = await c.send([{ channel: '/meta/subscribe', clientId: c.clientId, subscription: '/v2/me/*', id: 's1' }], { path: '/' });
  assert.equal(sub.replies[0]?.successful, true, JSON.stringify(sub.replies));
  assert.equal(sub.replies[0]?.id, 's1');
  const disc = await c.send([{ channel: '/meta/disconnect', clientId: c.clientId, id: 'd1' }], { path: '/disconnect' });
  assert.equal(disc.replies[0]?.channel, '/meta/disconnect', JSON.stringify(disc.replies));
  assert.equal(disc.replies[0]?.successful, true, JSON.stringify(disc.replies));
  assert.equal(disc.replies[0]?.id, 'd1');
  const after = await c.connect();
  assert.equal(after.reply.successful, false, `connect after disconnect: ${JSON.stringify(after.reply)}`);
  assert.equal(after.reply.error, '402::Unknown client', JSON.stringify(after.reply));
});

test('long-polling raw: cookie-authenticated handshake works without a CSRF token', async () => {
  const c = new RawLongPoll(srv, { cookie: a1.cookie });
  const r = await c.post(HS);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json?.[0]?.successful, true, `cookie handshake: ${r.text}`);
});

test('long-polling raw: unknown clientId → 402::Unknown client with advice handshake', async () => {
  const c = new RawLongPoll(srv, { cookie: a1.cookie });
  c.clientId = 'no-such-client-id-0000000000000000';
  const r = await c.connect();
  assert.equal(r.reply.successful, false, JSON.stringify(r.reply));
  assert.equal(r.reply.error, '402::Unknown client', JSON.stringify(r.reply));
  assert.equal(r.reply.advice?.reconnect, 'handshake', JSON.stringify(r.reply));
  assert.equal(r.reply.advice?.interval, 0, JSON.stringify(r.reply));
  const s = await c.subscribe('/v2/me/*');
  assert.equal(s.successful, false, JSON.stringify(s));
  assert.match(String(s.error), /^402:/, JSON.stringify(s));
});

test('websocket raw: unauthenticated upgrade is accepted and the refusal comes as the handshake reply', async () => {
  const ws = await RawWs.open(srv.port);
  try {
    const reply = await ws.handshake();
    expectAccessDenied(reply, 'websocket without credentials');
  } finally {
    ws.close();
  }
  const bad = await RawWs.open(srv.port, { user: 'agent1', password: 'nope' });
  try {
    expectAccessDenied(await bad.handshake(), 'websocket with a wrong password');
  } finally {
    bad.close();
  }
});

test('websocket raw: cookie authentication on the upgrade works', async () => {
  const ws = await RawWs.open(srv.port, { headers: { cookie: a1.cookie } });
  try {
    const reply = await ws.handshake();
    assert.equal(reply?.successful, true, JSON.stringify(reply));
  } finally {
    ws.close();
  }
});

test('websocket subprotocol: "cometd" offered → selected; none offered → none selected', async () => {
  const withProto = await RawWs.open(srv.port, { protocols: 'cometd', headers: { cookie: a1.cookie } });
  assert.equal(withProto.ws.protocol, 'cometd');
  assert.equal((await withProto.handshake())?.successful, true, 'handshake over the cometd subprotocol');
  withProto.close();
  const several = await RawWs.open(srv.port, { protocols: ['x-other', 'cometd'], headers: { cookie: a1.cookie } });
  assert.equal(several.ws.protocol, 'cometd');
  several.close();
  const without = await RawWs.open(srv.port, { headers: { cookie: a1.cookie } });
  assert.equal(without.ws.protocol, '', 'no subprotocol selected when none was offered');
  assert.equal((await without.handshake())?.successful, true, 'handshake without a subprotocol');
  without.close();
});

test('websocket raw: several messages in one frame each get a reply with their id', async () => {
  const ws = await RawWs.open(srv.port, { headers: { cookie: a1.cookie } });
  try {
    assert.equal((await ws.handshake())?.successful, true);
    const p1 = new Promise((r) => ws.pending.set('m1', r));
    const p2 = new Promise((r) => ws.pending.set('m2', r));
    ws.ws.send(JSON.stringify([
      { channel: '/meta/subscribe', clientId: ws.clientId, subscription: '/v2/me/channels', id: 'm1' },
      { channel: '/meta/subscribe', clientId: ws.clientId, subscription: '/v2/users/x', id: 'm2' },
    ]));
    const [r1, r2] = await Promise.race([Promise.all([p1, p2]), sleep(5000).then(() => [null, null])]);
    assert.equal(r1?.successful, true, JSON.stringify(r1));
    assert.equal(r2?.successful, false, JSON.stringify(r2));
    assert.equal(r2?.error, '403::Forbidden', JSON.stringify(r2));
  } finally {
    ws.close();
  }
});
