// Sessions are not persisted: after a server restart the official client (both transports)
// gets 402 on its next connect, re-handshakes by itself, re-subscribes from its
// /meta/handshake listener and receives new notifications.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll, sleep } from '../lib/server.mjs';
import {
  startBayeuxServer, agent, officialClient, handshake, disconnectAll, waitUntil, reasonOf, RawLongPoll,
} from '../lib/bayeux.mjs';
import { basic } from '../lib/http.mjs';

const TRANSPORTS = ['websocket', 'long-polling'];
let srv;

before(async () => {
  srv = await startBayeuxServer({ flags: ['--bayeux-hold', '5'] });
  const a1 = await agent(srv, 'agent1');
  await a1.start();
});
after(async () => {
  await disconnectAll();
  await cleanupAll();
});

/** A client that (re-)subscribes to /v2/me/* every time a handshake succeeds. */
function resubscribingClient(transport) {
  const c = officialClient(srv, { transport, user: 'agent1' });
  const st = { c, transport, handshakes: [], connectFailures: [], subscribes: [], got: [] };
  c.addListener('/meta/handshake', (m) => {
    st.handshakes.push(m);
    if (m.successful) {
      c.subscribe('/v2/me/*', (msg) => st.got.push(reasonOf(msg)), (r) => st.subscribes.push(r));
    }
  });
  c.addListener('/meta/connect', (m) => { if (!m.successful) st.connectFailures.push(m); });
  return st;
}

test('server restart: both transports re-handshake by themselves, re-subscribe and receive new notifications', async () => {
  const clients = TRANSPORTS.map(resubscribingClient);
  for (const st of clients) {
    const hs = await handshake(st.c);
    assert.equal(hs.successful, true, `${st.transport}: ${JSON.stringify(hs)}`);
    await waitUntil(() => st.subscribes.length === 1, 5000, () => `${st.transport} subscribed`);
    assert.equal(st.subscribes[0].successful, true, JSON.stringify(st.subscribes[0]));
  }
  const oldIds = clients.map((st) => st.c.getClientId());
  let a1 = await agent(srv, 'agent1');
  await a1.notReady('before');
  for (const st of clients) {
    await waitUntil(() => st.got.length >= 1, 5000, () => `${st.transport}: 'before', got ${st.got}`);
  }

  await srv.restart();

  for (const st of clients) {
    await waitUntil(() => st.subscribes.length >= 2, 20_000,
      () => `${st.transport}: re-handshake + re-subscribe after the restart; handshakes ${JSON.stringify(st.handshakes)}, connect failures ${JSON.stringify(st.connectFailures)}`);
    const hs = st.handshakes[st.handshakes.length - 1];
    assert.equal(hs.successful, true, `${st.transport}: ${JSON.stringify(hs)}`);
    assert.equal(st.subscribes[st.subscribes.length - 1].successful, true, JSON.stringify(st.subscribes));
    assert.equal(st.c.getTransport().type, st.transport);
  }
  clients.forEach((st, i) => assert.notEqual(st.c.getClientId(), oldIds[i], `${st.transport}: a new clientId`));
  // The clients learnt of the restart through a refused connect (402, advice handshake) or a
  // transport failure; none of them gave up.
  for (const st of clients) assert.equal(st.c.isDisconnected(), false, st.transport);

  a1 = await agent(srv, 'agent1');
  // The contact-center session may or may not survive the restart; make sure it is on before
  // the state changes (a fresh start notifies NotReady without a reason).
  await a1.start();
  await a1.notReady('after');
  for (const st of clients) {
    await waitUntil(() => st.got.includes('after'), 5000, () => `${st.transport}: 'after', got ${st.got}`);
  }
  await sleep(300);
  for (const st of clients) {
    const relevant = st.got.filter((r) => r !== '<NotReady>');
    assert.deepEqual(relevant, ['before', 'after'], `${st.transport}: ${JSON.stringify(st.got)}`);
  }
});

test('a connect with a clientId from before the restart gets 402 and advice handshake (raw)', async () => {
  const c = new RawLongPoll(srv, { authorization: basic('agent1') });
  assert.equal((await c.handshake()).successful, true);
  await srv.restart();
  const r = await c.connect();
  assert.equal(r.reply.successful, false, JSON.stringify(r.reply));
  assert.equal(r.reply.error, '402::Unknown client', JSON.stringify(r.reply));
  assert.equal(r.reply.advice?.reconnect, 'handshake', JSON.stringify(r.reply));
});
