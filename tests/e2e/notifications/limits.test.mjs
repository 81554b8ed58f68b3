// Bounded per-session queues (--bayeux-queue-messages / --bayeux-queue-bytes) and the Origin
// check of the Bayeux endpoint (--cors-origins).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll } from '../lib/server.mjs';
import {
  startBayeuxServer, agent, reasonOf, RawLongPoll, RawWs, ENDPOINT,
} from '../lib/bayeux.mjs';

const GOOD = 'http://a.example';
const EVIL = 'http://evil.example';
const HS = [{ channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['long-polling'] }];
let srv; // --bayeux-queue-messages 5 --cors-origins GOOD
let bytesSrv; // --bayeux-queue-bytes 2000
let a1;
let b1;

before(async () => {
  srv = await startBayeuxServer({ flags: ['--bayeux-queue-messages', '5', '--cors-origins', GOOD] });
  a1 = await agent(srv, 'agent1');
  await a1.start();
  bytesSrv = await startBayeuxServer({ flags: ['--bayeux-queue-bytes', '2000'] });
  b1 = await agent(bytesSrv, 'agent1');
  await b1.start();
});
after(cleanupAll);

/** A subscribed session whose first connect is done; nothing is read after that. */
async function idleSession(server, a) {
  const c = new RawLongPoll(server, { cookie: a.cookie });
  assert.equal((await c.handshake()).successful, true);
  assert.equal((await c.subscribe('/v2/me/channels')).successful, true);
  assert.equal((await c.connect({ first: true })).reply.successful, true);
  return c;
}

test('queue below the message bound: everything queued is delivered on the next connect', async () => {
  const c = await idleSession(srv, a1);
  for (let i = 0; i < 3; i++) await a1.notReady(`q${i}`);
  const r = await c.connect();
  assert.equal(r.reply.successful, true, JSON.stringify(r.reply));
  assert.deepEqual(r.messages.map(reasonOf), ['q0', 'q1', 'q2']);
  await c.send([{ channel: '/meta/disconnect', clientId: c.clientId }]);
});

test('a session whose queue overflows the message bound is closed: next connect → 402, advice handshake', async () => {
  const c = await idleSession(srv, a1);
  const other = await idleSession(srv, a1); // reads as it goes: never overflows
  for (let i = 0; i < 12; i++) {
    await a1.notReady(`o${i}`);
    if (i % 3 === 2) {
      const r = await other.connect();
      assert.equal(r.reply.successful, true, `the reading session must survive: ${JSON.stringify(r.reply)}`);
    }
  }
  const r = await c.connect();
  assert.equal(r.reply.successful, false, `overflowed session: ${JSON.stringify(r.replies).slice(0, 500)}`);
  assert.equal(r.reply.error, '402::Unknown client', JSON.stringify(r.reply));
  assert.equal(r.reply.advice?.reconnect, 'handshake', JSON.stringify(r.reply));
  // A new handshake works and gets new notifications.
  const again = await idleSession(srv, a1);
  await a1.notReady('fresh');
  assert.deepEqual((await again.connect()).messages.map(reasonOf), ['fresh']);
});

test('a session whose queue overflows the byte bound is closed; a small backlog is fine', async () => {
  const small = await idleSession(bytesSrv, b1);
  await b1.notReady('b0');
  const ok = await small.connect();
  assert.deepEqual(ok.messages.map(reasonOf), ['b0'], JSON.stringify(ok.replies));
  const big = await idleSession(bytesSrv, b1);
  const reason = 'x'.repeat(200);
  for (let i = 0; i < 20; i++) await b1.notReady(`${reason}${i}`); // > 4 KB queued
  const r = await big.connect();
  assert.equal(r.reply.successful, false, `over 2000 bytes queued: ${JSON.stringify(r.replies).slice(0, 300)}`);
  assert.equal(r.reply.error, '402::Unknown client', JSON.stringify(r.reply));
});

test('Origin: no Origin (non-browser) and an allowed origin may handshake; the allowed origin gets CORS headers', async () => {
  const plain = await new RawLongPoll(srv, { cookie: a1.cookie }).post(HS);
  assert.equal(plain.json?.[0]?.successful, true, plain.text);
  const good = await new RawLongPoll(srv, { cookie: a1.cookie }).post(HS, { headers: { origin: GOOD } });
  assert.equal(good.status, 200, good.text);
  assert.equal(good.json?.[0]?.successful, true, good.text);
  assert.equal(good.headers.get('access-control-allow-origin'), GOOD);
  assert.equal(good.headers.get('access-control-allow-credentials'), 'true');
  const pre = await fetch(srv.base + ENDPOINT, {
    method: 'OPTIONS',
    headers: { origin: GOOD, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
  });
  await pre.arrayBuffer();
  assert.ok(pre.status >= 200 && pre.status < 300, `preflight: HTTP ${pre.status}`);
  assert.equal(pre.headers.get('access-control-allow-origin'), GOOD);
  const ws = await RawWs.open(srv.port, { headers: { cookie: a1.cookie, origin: GOOD } });
  try {
    assert.equal((await ws.handshake())?.successful, true, 'websocket from the allowed origin');
  } finally {
    ws.close();
  }
});

test('Origin: another origin cannot use the victim\'s cookie (long-polling: HTTP 200 + Bayeux refusal; websocket: refused)', async () => {
  const evil = await new RawLongPoll(srv, { cookie: a1.cookie }).post(HS, { headers: { origin: EVIL } });
  assert.equal(evil.status, 200, `a Bayeux reply, not an HTTP error: ${evil.status} ${evil.text}`);
  assert.equal(evil.json?.[0]?.successful, false, `handshake from ${EVIL}: ${evil.text}`);
  assert.equal(evil.json?.[0]?.clientId, undefined, evil.text);
  assert.equal(evil.headers.get('access-control-allow-origin'), null);
  let refused = false;
  try {
    const ws = await RawWs.open(srv.port, { headers: { cookie: a1.cookie, origin: EVIL } });
    const reply = await ws.handshake({ timeoutMs: 5000 });
    refused = !reply?.successful;
    ws.close();
  } catch {
    refused = true; // upgrade refused
  }
  assert.ok(refused, `a websocket from ${EVIL} must not get a Bayeux session`);
});
