// 1,000 concurrent websocket Bayeux sessions (20 users × 50 sessions, raw `ws` clients
// authenticated by each user's session cookie): every session receives exactly its own user's
// notification and nothing else.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll, sleep } from '../lib/server.mjs';
import {
  startBayeuxServer, agent, createUsers, waitUntil, reasonOf, RawWs, RawLongPoll,
} from '../lib/bayeux.mjs';

const USERS = 20;
const PER_USER = 50;
const PATTERNS = ['/v2/me/*', '/v2/me/channels', '/**', '/v2/me/**'];
let srv;

/** Run fn over items with at most `limit` in flight. */
async function pool(items, limit, fn) {
  let next = 0;
  const workers = Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  });
  await Promise.all(workers);
}

let agents = [];
let tUsersMs = 0;

before(async () => {
  srv = await startBayeuxServer();
  const t0 = Date.now();
  const names = await createUsers(srv, Array.from({ length: USERS }, (_, i) => `scale${String(i).padStart(2, '0')}`));
  agents = [];
  await pool(names, 4, async (n, i) => {
    agents[i] = await agent(srv, n);
    await agents[i].start(); // before anyone subscribes: this notification goes nowhere
  });
  tUsersMs = Date.now() - t0;
});
after(cleanupAll);

/** One round: open USERS × PER_USER websocket sessions, change every user's state once, check. */
async function wsRound(round) {
  const t0 = Date.now();
  const sessions = [];
  const specs = [];
  for (let u = 0; u < USERS; u++) {
    for (let k = 0; k < PER_USER; k++) specs.push({ u, k, pattern: PATTERNS[(u + k + round) % PATTERNS.length] });
  }
  try {
    await pool(specs, 50, async (sp) => {
      const a = agents[sp.u];
      const ws = await RawWs.open(srv.port, { protocols: 'cometd', headers: { cookie: a.cookie } });
      const s = { ...sp, ws };
      sessions.push(s);
      const hs = await ws.handshake({ timeoutMs: 10_000 });
      assert.equal(hs?.successful, true, `round ${round}: ${a.user} session ${sp.k} handshake: ${JSON.stringify(hs)}`);
      const sub = await ws.subscribe(sp.pattern, 10_000);
      assert.equal(sub?.successful, true, `round ${round}: ${a.user} session ${sp.k} subscribe ${sp.pattern}: ${JSON.stringify(sub)}`);
      ws.startConnectLoop();
    });
    const tOpen = Date.now();
    assert.equal(sessions.length, USERS * PER_USER);
    await sleep(200);
    assert.deepEqual(sessions.filter((s) => s.ws.closed || s.ws.loopError).map((s) => [s.u, s.k, s.ws.loopError]), [],
      'every session is open and connecting');

    await pool(agents, 5, (a) => a.notReady(`r${round}-${a.user}`));
    const tOps = Date.now();
    // The held connects (25 s hold) must be released by the notification, not by the hold.
    await waitUntil(() => sessions.every((s) => s.ws.messages.length >= 1), 10_000, () => {
      const missing = sessions.filter((s) => s.ws.messages.length === 0);
      return `round ${round}: ${missing.length} sessions without their notification, e.g.\n` +
        missing.slice(0, 3).map((s) => `${agents[s.u].user} #${s.k} ${s.pattern}: ${s.ws.describe()}`).join('\n');
    });
    const tDelivered = Date.now();
    await sleep(500); // anything extra would arrive now
    const wrong = [];
    for (const s of sessions) {
      const got = s.ws.messages.map(reasonOf);
      const want = [`r${round}-${agents[s.u].user}`];
      if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push({ user: agents[s.u].user, session: s.k, pattern: s.pattern, got });
    }
    assert.deepEqual(wrong.slice(0, 10), [], `round ${round}: ${wrong.length} sessions got something else than exactly their own notification`);
    for (const s of sessions) {
      assert.equal(s.ws.messages[0].channel, '/v2/me/channels');
      assert.equal(s.ws.messages[0].data?.messageType, 'ChannelStateChangeMessageV2');
    }
    const errs = sessions.filter((s) => s.ws.loopError);
    assert.equal(errs.length, 0, `connect failures: ${JSON.stringify(errs.slice(0, 3).map((s) => s.ws.loopError))}`);
    console.log(`scale round ${round}: ${sessions.length} sessions open+subscribed in ${tOpen - t0} ms, ` +
      `ops ${tOps - tOpen} ms, all delivered ${tDelivered - tOps} ms after the last op`);
  } finally {
    for (const s of sessions) s.ws.close();
  }
}

test(`${USERS * PER_USER} concurrent websocket sessions each get exactly their own user's notification (2 rounds)`, { timeout: 90_000 }, async () => {
  console.log(`scale: ${USERS} users created and logged in in ${tUsersMs} ms`);
  await wsRound(0);
  await wsRound(1);
});

test('200 concurrent long-polling sessions (10 users × 20) each get exactly their own user\'s notifications', { timeout: 60_000 }, async () => {
  const lpUsers = agents.slice(0, 10);
  const lp = [];
  await pool(Array.from({ length: 200 }, (_, i) => i), 20, async (i) => {
    const a = lpUsers[i % 10];
    const c = new RawLongPoll(srv, { cookie: a.cookie });
    assert.equal((await c.handshake()).successful, true);
    assert.equal((await c.subscribe(PATTERNS[i % PATTERNS.length])).successful, true);
    assert.equal((await c.connect({ first: true })).reply.successful, true);
    lp.push({ a, c, got: [], errors: [] });
  });
  // Each session keeps one held connect outstanding, like a client.
  let running = true;
  const loops = lp.map(async (s) => {
    while (running) {
      try {
        const r = await s.c.connect({ timeoutMs: 35_000 });
        if (!r.reply.successful) { s.errors.push(r.reply); return; }
        s.got.push(...r.messages.map(reasonOf));
      } catch (e) {
        if (running) s.errors.push(String(e.message));
        return;
      }
    }
  });
  await sleep(300);
  for (let round = 0; round < 2; round++) {
    await pool(lpUsers, 5, (a) => a.notReady(`lp${round}-${a.user}`));
  }
  await waitUntil(() => lp.every((s) => s.got.length >= 2 || s.errors.length), 10_000, () => {
    const missing = lp.filter((s) => s.got.length < 2);
    return `${missing.length} long-polling sessions without both notifications, e.g. ${JSON.stringify(missing.slice(0, 3).map((s) => [s.a.user, s.c.clientId, s.got, s.errors]))}`;
  });
  await sleep(300);
  running = false;
  const wrong = lp.filter((s) => JSON.stringify(s.got) !== JSON.stringify([`lp0-${s.a.user}`, `lp1-${s.a.user}`]) || s.errors.length);
  assert.deepEqual(wrong.slice(0, 5).map((s) => [s.a.user, s.got, s.errors]), [], `${wrong.length} sessions wrong`);
  // End the held connects quickly: a disconnect per session.
  await pool(lp, 20, (s) => s.c.send([{ channel: '/meta/disconnect', clientId: s.c.clientId }]).catch(() => {}));
  await Promise.race([Promise.all(loops), sleep(3000)]);
});
