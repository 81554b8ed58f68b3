// The ack extension: batches lost with a dropped connection are re-sent, in order, without
// duplicates — with a raw long-polling client that "loses" replies on purpose, across a
// transport change, and with the official client whose connection is cut under it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll, sleep } from '../lib/server.mjs';
import {
  startBayeuxServer, agent, officialClient, handshake, subscribe, disconnectAll, waitUntil,
  reasonOf, RawLongPoll, RawWs, DropProxy, sockets,
} from '../lib/bayeux.mjs';

const N = 50;
let srv;
let a1;

before(async () => {
  srv = await startBayeuxServer({ flags: ['--bayeux-hold', '3'] });
  a1 = await agent(srv, 'agent1');
  await a1.start();
});
after(async () => {
  await disconnectAll();
  await cleanupAll();
});

const reasons = (prefix) => Array.from({ length: N }, (_, i) => `${prefix}${i}`);

/** Run the N NotReady operations one after the other, pacing them by pauseMs. */
function produce(prefix, pauseMs = 0) {
  return (async () => {
    for (let i = 0; i < N; i++) {
      await a1.notReady(`${prefix}${i}`);
      if (pauseMs) await sleep(pauseMs);
    }
  })();
}

async function ackSession(ext) {
  const c = new RawLongPoll(srv, { cookie: a1.cookie });
  const hs = await c.handshake(ext ? { ext } : { ack: true });
  assert.equal(hs.successful, true, JSON.stringify(hs));
  const on = hs.ext?.ack === true || hs.ext?.ack?.enabled === true;
  assert.ok(on, `the handshake reply must turn the ack extension on: ${JSON.stringify(hs)}`);
  assert.equal((await c.subscribe('/v2/me/channels')).successful, true);
  const first = await c.connect({ first: true, ack: 0 });
  assert.equal(first.reply.successful, true, JSON.stringify(first.reply));
  assert.equal(typeof first.reply.ext?.ack, 'number', `connect replies carry the batch id: ${JSON.stringify(first.reply)}`);
  return { c, batch: first.reply.ext.ack };
}

test('ack (raw long-polling): dropped connect replies are re-sent first, nothing lost, nothing duplicated', async () => {
  const { c, batch } = await ackSession();
  let acked = batch;
  const received = [];
  const drops = [];
  let pendingResend = null;
  let withMessages = 0;
  const producing = produce('n', 5);
  const deadline = Date.now() + 30_000;
  while (received.length < N && Date.now() < deadline) {
    const r = await c.connect({ ack: acked });
    assert.equal(r.reply.successful, true, JSON.stringify(r.reply));
    assert.equal(typeof r.reply.ext?.ack, 'number', `batch id on every connect reply: ${JSON.stringify(r.reply)}`);
    const got = r.messages.map(reasonOf);
    if (pendingResend) {
      assert.deepEqual(got.slice(0, pendingResend.length), pendingResend,
        `after a connect acking the old batch ${acked}, the lost batch must come again first`);
      pendingResend = null;
    }
    if (got.length === 0) { acked = r.reply.ext.ack; continue; }
    withMessages++;
    // Lose every second reply that carries messages (at most 6): ack the old batch next time.
    if (withMessages % 2 === 1 && drops.length < 6) {
      drops.push(got);
      pendingResend = got;
      continue;
    }
    received.push(...got);
    acked = r.reply.ext.ack;
  }
  await producing;
  // One more connect acking everything: nothing may be left over.
  const tail = await c.connect({ ack: acked, timeoutMs: 10_000 });
  received.push(...tail.messages.map(reasonOf));
  assert.ok(drops.length >= 2, `the test needs dropped batches, had ${drops.length}`);
  assert.deepEqual(received, reasons('n'), 'every notification exactly once, in order');
  await c.send([{ channel: '/meta/disconnect', clientId: c.clientId }]);
});

test('ack (raw): a batch lost on long-polling is re-sent on a websocket connect of the same session', async () => {
  const { c, batch } = await ackSession();
  await a1.notReady('t0');
  await a1.notReady('t1');
  const lost = await c.connect({ ack: batch });
  const lostReasons = lost.messages.map(reasonOf);
  assert.ok(lostReasons.length >= 1, JSON.stringify(lost.replies));
  if (lostReasons.length < 2) {
    // t1 came in a later batch: read it too, and lose both.
    const more = await c.connect({ ack: batch });
    lostReasons.splice(0, lostReasons.length, ...more.messages.map(reasonOf));
  }
  assert.deepEqual(lostReasons, ['t0', 't1']);
  const ws = await RawWs.open(srv.port, { headers: { cookie: a1.cookie } });
  try {
    ws.clientId = c.clientId;
    const r = await ws.connect({ ack: batch, timeoutMs: 10_000 });
    assert.equal(r.reply?.successful, true, `websocket connect of the long-polling session: ${JSON.stringify(r.reply)}`);
    assert.deepEqual(ws.messages.map(reasonOf), ['t0', 't1'], `re-sent on the new transport: ${JSON.stringify(ws.frames)}`);
    await a1.notReady('t2');
    const r2 = await ws.connect({ ack: r.reply.ext?.ack, timeoutMs: 10_000 });
    assert.equal(r2.reply?.successful, true, JSON.stringify(r2.reply));
    assert.deepEqual(ws.messages.map(reasonOf), ['t0', 't1', 't2'], JSON.stringify(ws.frames));
  } finally {
    ws.close();
  }
});

test('ack (raw): the new handshake form ext.ack {enabled:true} is served too', async () => {
  const { c, batch } = await ackSession({ ack: { enabled: true, batch: 0 } });
  await a1.notReady('new0');
  const lost = await c.connect({ ack: batch });
  assert.deepEqual(lost.messages.map(reasonOf), ['new0'], JSON.stringify(lost.replies));
  const again = await c.connect({ ack: batch });
  assert.deepEqual(again.messages.map(reasonOf), ['new0'], `re-sent: ${JSON.stringify(again.replies)}`);
  await a1.notReady('new1');
  const next = await c.connect({ ack: again.reply.ext.ack });
  assert.deepEqual(next.messages.map(reasonOf), ['new1'], JSON.stringify(next.replies));
  await c.send([{ channel: '/meta/disconnect', clientId: c.clientId }]);
});

/**
 * The official client with the ack extension; each time the number of received notifications
 * crosses a threshold, cut() arranges that the next delivery in flight is lost together with
 * the connection. Asserts exactly-once, in order.
 */
async function officialUnderCuts(transport, prefix, clientOpts, cut, lostCount) {
  const c = officialClient(srv, { transport, user: 'agent1', cookie: a1.cookie, ack: true, ...clientOpts });
  const handshakes = [];
  c.addListener('/meta/handshake', (m) => handshakes.push(m));
  const hs = await handshake(c);
  assert.equal(hs.successful, true, JSON.stringify(hs));
  assert.equal(hs.ext?.ack, true, JSON.stringify(hs));
  const got = [];
  const thresholds = [8, 20, 33, 45];
  let cuts = 0;
  const { reply } = await subscribe(c, '/v2/me/channels', (m) => {
    got.push(reasonOf(m));
    if (cuts < thresholds.length && got.length >= thresholds[cuts]) {
      cuts++;
      cut();
    }
  });
  assert.equal(reply.successful, true, JSON.stringify(reply));
  await produce(prefix, 30);
  await waitUntil(() => got.length >= N, 30_000,
    () => `all ${N} notifications after ${cuts} cuts, got ${got.length}: ${got.join(',')}`);
  await sleep(500);
  assert.ok(cuts >= 3, `connection cut ${cuts} times`);
  assert.ok(lostCount() >= 2, `deliveries lost in flight: ${lostCount()}`);
  assert.equal(handshakes.length, 1, `no re-handshake may be needed: ${JSON.stringify(handshakes)}`);
  assert.deepEqual(got, reasons(prefix), 'every notification exactly once, in order (no dedupe)');
  return c;
}

test('ack (official client, websocket): deliveries are lost with the socket, repeatedly; every notification exactly once, in order', async () => {
  const before = sockets.length;
  const c = await officialUnderCuts('websocket', 'w', {}, () => {
    sockets[sockets.length - 1].loseNextDelivery();
  }, () => sockets.slice(before).reduce((n, s) => n + s.lost.length, 0));
  const lost = sockets.slice(before).reduce((n, s) => n + s.lost.length, 0);
  assert.ok(sockets.length - before >= 1 + lost, `the client must have opened a new socket after each loss (${sockets.length - before} sockets, ${lost} losses)`);
  assert.equal(c.getTransport().type, 'websocket');
});

test('ack (official client, long-polling): deliveries are lost with the connection (proxy), repeatedly; every notification exactly once, in order', async () => {
  const proxy = await new DropProxy(srv.port).listen();
  try {
    await officialUnderCuts('long-polling', 'p', { port: proxy.port }, () => proxy.loseNextDelivery(), () => proxy.lost.length);
  } finally {
    await disconnectAll();
    await proxy.close();
  }
});
