// Connect hold, session expiry and EndContactCenterSession, on a server with
// --bayeux-hold 2 --bayeux-max-interval 1 (raw clients, to measure what goes over the wire).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll, sleep, TIME_SCALE } from '../lib/server.mjs';
import {
  startBayeuxServer, agent, waitUntil, reasonOf, RawLongPoll, RawWs,
} from '../lib/bayeux.mjs';

const HOLD_MS = 2000;
let srv;
let a1;
let a2;

before(async () => {
  srv = await startBayeuxServer({ flags: ['--bayeux-hold', '2', '--bayeux-max-interval', '1'] });
  a1 = await agent(srv, 'agent1');
  await a1.start();
  a2 = await agent(srv, 'agent2');
  await a2.start();
});
after(cleanupAll);

async function lpSession(a, subscription = '/v2/me/*') {
  const c = new RawLongPoll(srv, { cookie: a.cookie });
  const hs = await c.handshake();
  assert.equal(hs.successful, true, JSON.stringify(hs));
  assert.equal(hs.advice?.timeout, HOLD_MS, `advice.timeout is the hold: ${JSON.stringify(hs)}`);
  if (subscription) assert.equal((await c.subscribe(subscription)).successful, true);
  return c;
}

function expect402(reply, what) {
  assert.ok(reply, `${what}: no reply`);
  assert.equal(reply.successful, false, `${what}: ${JSON.stringify(reply)}`);
  assert.equal(reply.error, '402::Unknown client', `${what}: ${JSON.stringify(reply)}`);
  assert.equal(reply.advice?.reconnect, 'handshake', `${what}: ${JSON.stringify(reply)}`);
}

test('hold (long-polling): first connect at once, an idle connect after ~the hold time', async () => {
  const c = await lpSession(a1);
  const first = await c.connect({ first: true });
  assert.equal(first.reply.successful, true, JSON.stringify(first.reply));
  assert.ok(first.ms < 500 * TIME_SCALE, `the first connect must be answered at once, took ${first.ms} ms`);
  const idle = await c.connect();
  assert.equal(idle.reply.successful, true, JSON.stringify(idle.reply));
  assert.deepEqual(idle.messages, [], JSON.stringify(idle.replies));
  assert.ok(idle.ms >= HOLD_MS - 300 && idle.ms <= HOLD_MS + 1000 * TIME_SCALE,
    `an idle connect must be held ~${HOLD_MS} ms, took ${idle.ms} ms`);
  await c.send([{ channel: '/meta/disconnect', clientId: c.clientId }]);
});

test('hold (long-polling): a notification during the hold releases the connect at once', async () => {
  const c = await lpSession(a1);
  await c.connect({ first: true });
  const held = c.connect();
  await sleep(600);
  await a1.notReady('release-lp');
  const opDone = Date.now();
  const r = await held;
  const after = Date.now() - opDone;
  assert.equal(r.reply.successful, true, JSON.stringify(r.reply));
  assert.deepEqual(r.messages.map(reasonOf), ['release-lp'], JSON.stringify(r.replies));
  assert.ok(after < 500 * TIME_SCALE, `the held connect must be released at once, came ${after} ms after the operation`);
  await c.send([{ channel: '/meta/disconnect', clientId: c.clientId }]);
});

test('hold (long-polling): a second connect completes the outstanding one', async () => {
  const c = await lpSession(a1);
  await c.connect({ first: true });
  const t0 = Date.now();
  const firstHeld = c.connect().then((r) => ({ ...r, at: Date.now() - t0 }));
  await sleep(300);
  const sentSecond = Date.now() - t0;
  const second = c.connect();
  const r1 = await firstHeld;
  assert.equal(r1.reply.channel, '/meta/connect');
  assert.ok(r1.at - sentSecond < 500 * TIME_SCALE,
    `the first connect must complete when the second arrives (second sent at ${sentSecond} ms, first answered at ${r1.at} ms)`);
  const r2 = await second;
  assert.equal(r2.reply.successful, true, JSON.stringify(r2.reply));
  await c.send([{ channel: '/meta/disconnect', clientId: c.clientId }]);
});

test('hold (websocket): first connect at once, idle connect ~hold, a notification releases it at once', async () => {
  const ws = await RawWs.open(srv.port, { headers: { cookie: a1.cookie } });
  try {
    const hs = await ws.handshake();
    assert.equal(hs?.successful, true, JSON.stringify(hs));
    assert.equal((await ws.subscribe('/v2/me/channels'))?.successful, true);
    const first = await ws.connect({ first: true });
    assert.equal(first.reply?.successful, true, JSON.stringify(first.reply));
    assert.ok(first.ms < 500 * TIME_SCALE, `first connect took ${first.ms} ms`);
    const idle = await ws.connect();
    assert.equal(idle.reply?.successful, true, JSON.stringify(idle.reply));
    assert.ok(idle.ms >= HOLD_MS - 300 && idle.ms <= HOLD_MS + 1000 * TIME_SCALE, `idle connect took ${idle.ms} ms`);
    const held = ws.connect();
    await sleep(600);
    await a1.notReady('release-ws');
    const opDone = Date.now();
    const r = await held;
    const afterMs = Date.now() - opDone;
    assert.equal(r.reply?.successful, true, JSON.stringify(r.reply));
    assert.ok(afterMs < 500 * TIME_SCALE, `released ${afterMs} ms after the operation`);
    assert.deepEqual(ws.messages.map(reasonOf), ['release-ws'], JSON.stringify(ws.frames));
  } finally {
    ws.close();
  }
});

test('expiry: no connect after the handshake for > max-interval → 402::Unknown client, advice handshake', async () => {
  const c = await lpSession(a1, null);
  await sleep(3000);
  const r = await c.connect({ first: true });
  expect402(r.reply, 'connect 3 s after the handshake');
  assert.equal(r.reply.advice?.interval, 0, JSON.stringify(r.reply));
});

test('expiry: connects that stop for > max-interval → 402; the expired session no longer gets notifications', async () => {
  const c = await lpSession(a1);
  assert.equal((await c.connect({ first: true })).reply.successful, true);
  await sleep(3000);
  await a1.notReady('to-expired');
  const r = await c.connect();
  expect402(r.reply, 'connect 3 s after the last reply');
  assert.deepEqual(r.messages, [], `an expired session must not deliver: ${JSON.stringify(r.replies)}`);
});

test('expiry control: a client that keeps connecting stays alive past several max-intervals', async () => {
  const c = await lpSession(a1);
  assert.equal((await c.connect({ first: true })).reply.successful, true);
  const t0 = Date.now();
  let n = 0;
  while (Date.now() - t0 < 3500) {
    const r = await c.connect();
    assert.equal(r.reply.successful, true, `connect #${n} after ${Date.now() - t0} ms: ${JSON.stringify(r.reply)}`);
    n++;
  }
  assert.ok(n >= 2, `expected held connects, got ${n}`);
  await c.send([{ channel: '/meta/disconnect', clientId: c.clientId }]);
});

test('expiry (websocket): an open socket without connects does not keep the session alive', async () => {
  const ws = await RawWs.open(srv.port, { headers: { cookie: a1.cookie } });
  try {
    assert.equal((await ws.handshake())?.successful, true);
    assert.equal((await ws.connect({ first: true })).reply?.successful, true);
    await sleep(3000);
    const r = await ws.connect();
    expect402(r.reply, 'websocket connect 3 s after the last reply');
  } finally {
    ws.close();
  }
});

test('EndContactCenterSession ends the user\'s Bayeux sessions (both transports), not other users\'', async () => {
  const me = await agent(srv, 'agent1'); // its own HTTP session, ended below
  const lp = await lpSession(me);
  assert.equal((await lp.connect({ first: true })).reply.successful, true);
  const lpHeld = lp.connect().catch((e) => e);
  const ws = await RawWs.open(srv.port, { headers: { cookie: me.cookie } });
  assert.equal((await ws.handshake())?.successful, true);
  assert.equal((await ws.subscribe('/v2/me/*'))?.successful, true);
  ws.startConnectLoop();
  const other = await lpSession(a2);
  assert.equal((await other.connect({ first: true })).reply.successful, true);
  const otherHeld = other.connect().catch((e) => e);
  await sleep(100);

  const ender = await agent(srv, 'agent1');
  await ender.end();

  // long-polling: the next connect (it also completes the held one) is refused.
  const next = await lp.connect();
  expect402(next.reply, 'long-polling connect after EndContactCenterSession');
  await lpHeld;
  // The ended HTTP session's cookie cannot handshake again.
  const again = await new RawLongPoll(srv, { cookie: me.cookie }).post([
    { channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['long-polling'] }]);
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json?.[0]?.error, '403::Access denied', `re-handshake with the ended cookie: ${again.text}`);

  // websocket: either the socket is closed or the next connect is refused; in both cases a
  // connect for that clientId on a new socket is refused.
  await sleep(300);
  const wsClientId = ws.clientId;
  ws.loop = false;
  if (!ws.closed) {
    const r = await ws.connect({ timeoutMs: 5000 });
    if (r.reply) expect402(r.reply, 'websocket connect after EndContactCenterSession');
  }
  ws.close();
  const ws2 = await RawWs.open(srv.port, { user: 'agent1' });
  try {
    ws2.clientId = wsClientId;
    const r = await ws2.connect();
    expect402(r.reply, 'the ended websocket session\'s clientId on a new socket');
  } finally {
    ws2.close();
  }

  // agent2 is untouched.
  const o = await other.connect();
  assert.equal(o.reply.successful, true, `agent2's session must survive: ${JSON.stringify(o.reply)}`);
  await otherHeld;
  await other.send([{ channel: '/meta/disconnect', clientId: other.clientId }]);
});
