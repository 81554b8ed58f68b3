// Store failure: the data directory is a small tmpfs that the test fills up (ENOSPC).
// platform.md (Errors): "the store cannot write or is unavailable (nothing was changed; retry
// later)" → statusCode 4, HTTP 503; customer.md (Errors): "server overloaded or the store
// unavailable" → HTTP 503, statusCode 1. Nothing that was not stored may be acknowledged or
// delivered, reads keep working, the server stays up and recovers by itself once space
// returns; after SIGKILL + restart exactly the acknowledged messages are there.
//
// Needs root (mount -t tmpfs), or password-less sudo. CI runs as root. Without either the test
// FAILS with a message saying so: it is never skipped silently.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Server, cleanupAll, sleep, BIN, SHARED_STORE } from '../lib/server.mjs';
import { api, show } from '../lib/http.mjs';
import { disconnectAll, waitUntil } from '../lib/bayeux.mjs';
import { Customer, chatAgent, acceptedChat, customerPost, expectGwsError, SERVICE } from '../lib/chat.mjs';

const j = (x) => JSON.stringify(x);

// ---------------------------------------------------------------------------------------------
// Privileges and tmpfs

let privilege = null; // 'root' | 'sudo' | null
let privilegeWhy = '';
if (process.getuid && process.getuid() === 0) {
  privilege = 'root';
} else {
  try {
    execFileSync('sudo', ['-n', 'true'], { stdio: 'ignore', timeout: 10_000 });
    privilege = 'sudo';
  } catch (e) {
    privilegeWhy = `not root (uid ${process.getuid?.()}) and \`sudo -n true\` failed (${e.message.split('\n')[0]})`;
  }
}

function needRoot() {
  if (!privilege) {
    throw new Error('store_failure.test.mjs needs root (or password-less sudo) to mount a tmpfs as the data ' +
      `directory: ${privilegeWhy}. Run it as root (CI does).`);
  }
}

function priv(cmd, args) {
  const [c, a] = privilege === 'root' ? [cmd, args] : ['sudo', ['-n', cmd, ...args]];
  return execFileSync(c, a, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 }).toString();
}

const mounts = [];

/** A fresh tmpfs of `size` mounted on a new directory (mode 1777, so anyone may write). */
function mountTmpfs(size) {
  needRoot();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-tmpfs-'));
  try {
    priv('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=1777`, 'tmpfs', dir]);
  } catch (e) {
    fs.rmdirSync(dir);
    throw new Error(`mount -t tmpfs -o size=${size} tmpfs ${dir} failed: ${e.message}\n${e.stderr || ''}`);
  }
  mounts.push(dir);
  return dir;
}

function unmountAll() {
  for (const dir of mounts.splice(0)) {
    try { priv('umount', [dir]); } catch {
      try { priv('umount', ['-l', dir]); } catch { /* reported below by rmdir failing */ }
    }
    try { fs.rmdirSync(dir); } catch { /* ignore */ }
  }
}
process.on('exit', unmountAll); // last resort if after() never ran

/** Write a filler file until the file system answers ENOSPC even for a single byte. */
function fill(dir, name = 'filler') {
  const file = path.join(dir, name);
  const fd = fs.openSync(file, 'a');
  let written = 0;
  try {
    for (let size = 256 * 1024; size >= 1; size = Math.floor(size / 4)) {
      const chunk = Buffer.alloc(size, 0x5a);
      for (;;) {
        try {
          const n = fs.writeSync(fd, chunk);
          written += n;
          if (n < size) break;
        } catch (e) {
          if (e.code === 'ENOSPC') break;
          throw e;
        }
      }
    }
    try { fs.fsyncSync(fd); } catch { /* ENOSPC on fsync is fine */ }
  } finally {
    fs.closeSync(fd);
  }
  return { file, written };
}

function freeBytes(dir) {
  const s = fs.statfsSync(dir);
  return s.bavail * s.bsize;
}

// ---------------------------------------------------------------------------------------------
// Server helpers

/** Start (again), waiting out a rebuild of the binary (like startBayeuxServer). */
async function startOn(srv) {
  const deadline = Date.now() + 120_000;
  for (let attempt = 0; ; attempt++) {
    while (!fs.existsSync(BIN) && Date.now() < deadline) await sleep(500);
    try {
      return await srv.start();
    } catch (e) {
      const transient = /ETXTBSY|ENOENT|binary not found/.test(String(e.message) + String(e.code));
      if (!transient || attempt >= 4 || Date.now() > deadline) throw e;
      await sleep(2000);
    }
  }
}

/** The customer API's "unavailable" answer (customer.md Errors: 503, statusCode 1). */
function expectCustomerUnavailable(res, what) {
  assert.equal(res.status, 503, `${what}: HTTP 503 expected, got ${show(res)}`);
  assert.ok(res.json && typeof res.json === 'object', `${what}: JSON body expected: ${show(res)}`);
  assert.equal(res.json.statusCode, 1, `${what}: statusCode 1 (the client may retry): ${show(res)}`);
  if (res.json.errors !== undefined) {
    assert.ok(Array.isArray(res.json.errors) && res.json.errors.length >= 1, `${what}: errors[]: ${show(res)}`);
    assert.equal(typeof res.json.errors[0].message, 'string', `${what}: errors[0].message: ${show(res)}`);
  }
  assert.ok(!('messages' in res.json), `${what}: an error acknowledges no transcript: ${show(res)}`);
}

const LOST = 'LOST-'; // prefix of every text sent while the disk is full

after(async () => {
  try {
    await disconnectAll();
    await cleanupAll();
  } finally {
    unmountAll();
  }
});

// ---------------------------------------------------------------------------------------------

describe('disk full while serving', { skip: SHARED_STORE && 'the SQLite store in the data directory: not used with a shared PostgreSQL store' }, () => {
  let mnt, srv, a, cust, chatId, filler;
  /** Texts of the chat that the server acknowledged, in order. */
  const acked = [];
  const lostTexts = [];

  before(async () => {
    mnt = mountTmpfs('4m');
    srv = new Server({ dataDir: mnt });
    await startOn(srv);
    a = await chatAgent(srv, 'agent1');
    await a.start();
    await a.ready();
    cust = await acceptedChat(srv, a, { nickname: 'Dora' }, { nickname: 'Ali' });
    chatId = cust.chatId;
    await a.opOk(chatId, { operationName: 'SendMessage', text: 'before-agent' });
    acked.push('before-agent');
    await cust.send('before-customer');
    acked.push('before-customer');
    await a.waitMessage(chatId, (m) => m.text === 'before-customer', 'before-customer pushed');
  });

  test('with the disk full, the agent\'s SendMessage → HTTP 503, statusCode 4', async () => {
    filler = fill(mnt);
    assert.ok(freeBytes(mnt) < 4096, `tmpfs full: ${freeBytes(mnt)} bytes free after writing ${filler.written}`);
    const r = await a.op(chatId, { operationName: 'SendMessage', text: `${LOST}agent-1` });
    lostTexts.push(`${LOST}agent-1`);
    expectGwsError(r, 503, 4, 'SendMessage on a full disk');
    // a second time: the failure is not a one-off
    const r2 = await a.op(chatId, { operationName: 'SendMessage', text: `${LOST}agent-2` });
    lostTexts.push(`${LOST}agent-2`);
    expectGwsError(r2, 503, 4, 'SendMessage on a full disk, again');
    assert.ok(srv.running, `the server must stay up\n${srv.output()}`);
  });

  test('with the disk full, the customer\'s send → HTTP 503, statusCode 1 (customer.md)', async () => {
    const r = await cust.raw('/send', { message: `${LOST}customer-1` });
    lostTexts.push(`${LOST}customer-1`);
    expectCustomerUnavailable(r, 'customer send on a full disk');
    const n = await customerPost(srv, '', { nickname: `${LOST}newcomer` }, { service: SERVICE });
    lostTexts.push(`${LOST}newcomer`);
    expectCustomerUnavailable(n, 'a new chat request on a full disk');
  });

  test('with the disk full, an agent state change → 503 statusCode 4 and the state stays', async () => {
    const r = await api(srv, 'POST', '/api/v2/me/channels/chat', { cookie: a.cookie, csrf: a.csrf, body: { operationName: 'NotReady', reason: 'Disk' } });
    expectGwsError(r, 503, 4, 'NotReady on a full disk');
    const ch = await a.channels();
    assert.equal(ch[0]?.userState?.state, 'Ready', `the refused change changed nothing: ${j(ch)}`);
    await sleep(300);
    assert.ok(!j(a.all).includes('"Disk"'), `a refused state change must not be pushed: ${j(a.all).slice(-2000)}`);
  });

  test('with the disk full, Complete and the customer\'s disconnect are refused and the chat goes on', async () => {
    const c = await a.op(chatId, { operationName: 'Complete' });
    expectGwsError(c, 503, 4, 'Complete on a full disk');
    const d = await cust.raw('/disconnect', {});
    expectCustomerUnavailable(d, 'customer disconnect on a full disk');
    const chat = await a.chat(chatId);
    assert.equal(chat.state, 'Chatting', `the chat is untouched: ${j(chat)}`);
    assert.deepEqual(chat.participants.map((p) => p.type).sort(), ['Agent', 'Customer'], j(chat.participants));
    await sleep(300);
    assert.ok(!a.about(chatId).some((x) => x.chat?.state === 'Completed' || x.notificationType === 'ParticipantsUpdated' &&
      x.chat?.participants?.length !== 2), `no push of a refused Complete or disconnect: ${j(a.about(chatId)).slice(-2000)}`);
  });

  test('with the disk full, a Basic-authenticated request (a new session) is answered cleanly', async (t) => {
    const r = await api(srv, 'GET', '/api/v2/me', { auth: 'agent2' });
    t.diagnostic(`Basic GET /api/v2/me on a full disk: ${show(r).slice(0, 200)}`);
    if (r.status !== 200) expectGwsError(r, 503, 4, 'Basic login on a full disk');
  });

  test('with the disk full, reads still work, /healthz answers, and nothing unstored shows anywhere', async (t) => {
    const msgs = await a.messages(chatId);
    const texts = msgs.filter((m) => m.type === 'Text').map((m) => m.text);
    assert.deepEqual(texts, acked, `GET messages shows exactly the acknowledged texts: ${j(msgs)}`);
    const chats = await a.chats();
    assert.ok(chats.some((c) => c.id === chatId), `GET /me/chats: ${j(chats)}`);
    assert.ok(!j(chats).includes(LOST), `no chat of the refused request: ${j(chats)}`);
    const chat = await a.chat(chatId);
    assert.equal(chat.state, 'Chatting', j(chat));
    const me = await a.get('/api/v2/me');
    assert.equal(me.status, 200, `GET /api/v2/me with the cookie: ${show(me)}`);

    const h = await api(srv, 'GET', '/healthz', { timeoutMs: 5000 });
    assert.equal(h.status, 200, `/healthz still answers: ${show(h)}`);
    assert.equal(h.json?.store, 'failing', `/healthz says the store is failing: ${show(h)}`);
    t.diagnostic(`/healthz with the disk full: ${show(h)}`);

    // The customer's refresh: answered (without the refused texts) or refused as unavailable.
    const rf = await cust.raw('/refresh', { transcriptPosition: 1 });
    if (rf.status === 200) {
      assert.ok(!rf.text.includes(LOST), `refresh must not show unstored messages: ${show(rf)}`);
    } else {
      expectCustomerUnavailable(rf, 'customer refresh on a full disk');
    }

    await sleep(500); // give any (wrong) push time to arrive
    assert.ok(!j(a.all).includes(LOST), `nothing unstored may be pushed over CometD: ${j(a.all).slice(-3000)}`);
    assert.ok(srv.running, `the server must stay up\n${srv.output()}`);
  });

  test('space returns: the same operations succeed again within a few seconds, without a restart', async () => {
    fs.rmSync(filler.file);
    const pid = srv.proc.pid;
    const from = a.mark();
    // retry SendMessage until it is accepted; every refused try must be a clean 503/4
    let ok = null;
    let tries = 0;
    const deadline = Date.now() + 5000;
    while (!ok && Date.now() < deadline) {
      tries++;
      const r = await a.op(chatId, { operationName: 'SendMessage', text: 'after-agent' });
      if (r.status === 200) {
        assert.equal(r.json?.statusCode, 0, show(r));
        ok = r;
      } else {
        expectGwsError(r, 503, 4, `SendMessage try ${tries} after space returned`);
        await sleep(200);
      }
    }
    assert.ok(ok, `SendMessage still refused 5 s after space returned (${tries} tries)\n${srv.output()}`);
    acked.push('after-agent');
    const s = await cust.send('after-customer');
    acked.push('after-customer');
    assert.ok(s.messages.some((m) => m.text === 'after-customer'), j(s));
    await a.waitMessage(chatId, (m) => m.text === 'after-agent', 'after-agent pushed', { from });
    await a.waitMessage(chatId, (m) => m.text === 'after-customer', 'after-customer pushed', { from });
    await a.notReady('Back');
    await a.ready();
    const c2 = await Customer.request(srv, { nickname: 'Second' });
    assert.ok(c2.chatId, 'a new chat can be requested again');
    assert.equal(srv.proc.pid, pid, 'the same process (no restart)');
    assert.ok(srv.running, srv.output());
    const healthy = await api(srv, 'GET', '/healthz');
    assert.equal(healthy.json?.store, 'ok', `/healthz says the store works again: ${show(healthy)}`);

    const texts = (await a.messages(chatId)).filter((m) => m.type === 'Text').map((m) => m.text);
    assert.deepEqual(texts, acked, `after recovery GET messages = exactly the acknowledged texts (tries: ${tries})`);
    const tr = (await cust.transcript()).filter((m) => m.type === 'Message').map((m) => m.text);
    assert.deepEqual(tr, acked, 'the customer\'s transcript = exactly the acknowledged texts');
    assert.ok(!j(a.all).includes(LOST), `nothing unstored was ever pushed: ${j(a.all).slice(-3000)}`);
  });

  test('after SIGKILL and a restart exactly the acknowledged messages are there', async () => {
    await a.close();
    await srv.kill();
    await startOn(srv);
    const r = await api(srv, 'GET', `/api/v2/me/chats/${chatId}/messages`, { auth: 'agent1' });
    assert.equal(r.status, 200, show(r));
    const texts = r.json.messages.filter((m) => m.type === 'Text').map((m) => m.text);
    assert.deepEqual(texts, acked, `after restart: exactly the acknowledged texts: ${j(r.json.messages)}`);
    const tr = (await cust.transcript()).filter((m) => m.type === 'Message').map((m) => m.text);
    assert.deepEqual(tr, acked, 'the customer\'s transcript after restart');
    const all = await api(srv, 'GET', '/api/v2/me/chats', { auth: 'agent1' });
    assert.equal(all.status, 200, show(all));
    assert.ok(!all.text.includes(LOST), `no refused chat after restart: ${show(all)}`);
    for (const t of lostTexts) assert.ok(!r.text.includes(t), `${t} must not have been stored`);
  });
});

describe('the disk fills up in the middle of a burst of messages', { skip: SHARED_STORE && 'the SQLite store in the data directory: not used with a shared PostgreSQL store' }, () => {
  test('every acknowledged message is stored and delivered, every refused one appears nowhere (also after SIGKILL)', async (t) => {
    const mnt = mountTmpfs('4m');
    const srv = new Server({ dataDir: mnt });
    await startOn(srv);
    const a = await chatAgent(srv, 'agent2');
    await a.start();
    await a.ready();
    const cust = await acceptedChat(srv, a, { nickname: 'Burst' });
    const chatId = cust.chatId;
    // fill, then give back ~256 KiB so that the burst runs out of space part-way
    const { file, written } = fill(mnt);
    fs.truncateSync(file, Math.max(0, written - 256 * 1024));
    const pad = 'x'.repeat(1500);
    const acked = new Set();
    const refused = new Set();
    const from = a.mark();
    for (let batch = 0; batch < 40 && refused.size < 20; batch++) {
      await Promise.all(Array.from({ length: 8 }, async (_, i) => {
        const text = `burst-${batch}-${i}-${i % 2 ? 'agent' : 'customer'}-${pad}`;
        if (i % 2) {
          const r = await a.op(chatId, { operationName: 'SendMessage', text });
          if (r.status === 200 && r.json?.statusCode === 0) acked.add(text);
          else { expectGwsError(r, 503, 4, `agent burst message ${batch}/${i}`); refused.add(text); }
        } else {
          const r = await cust.raw('/send', { message: text });
          if (r.status === 200 && r.json?.statusCode === 0) acked.add(text);
          else { expectCustomerUnavailable(r, `customer burst message ${batch}/${i}`); refused.add(text); }
        }
      }));
    }
    assert.ok(acked.size > 0 && refused.size > 0, `the burst must see both outcomes: ${acked.size} acknowledged, ${refused.size} refused`);
    t.diagnostic(`burst: ${acked.size} acknowledged, ${refused.size} refused`);
    const short = (t) => t.split('-x')[0];
    const sameSet = (got, what) => {
      const g = got.filter((t) => t.startsWith('burst-') || t === 'after-burst');
      const missing = [...acked].filter((t) => !g.includes(t)).map(short);
      const extra = g.filter((t) => !acked.has(t)).map(short);
      const dup = g.filter((t, k) => g.indexOf(t) !== k).map(short);
      assert.deepEqual({ missing, extra, dup }, { missing: [], extra: [], dup: [] },
        `${what}: exactly the ${acked.size} acknowledged burst messages (${refused.size} refused)`);
    };
    await sleep(500);
    sameSet(a.pushed(chatId, from).filter((m) => m.type === 'Text').map((m) => m.text), 'pushed to the agent while full');
    sameSet((await a.messages(chatId)).filter((m) => m.type === 'Text').map((m) => m.text), 'GET messages while full');
    fs.rmSync(file);
    await waitUntil(async () => (await cust.raw('/send', { message: 'after-burst' })).status === 200, 5000, 'customer send after space returned');
    acked.add('after-burst');
    sameSet((await cust.transcript()).filter((m) => m.type === 'Message').map((m) => m.text), 'customer transcript after recovery');
    await a.close();
    await srv.kill();
    await startOn(srv);
    const r = await api(srv, 'GET', `/api/v2/me/chats/${chatId}/messages`, { auth: 'agent2' });
    assert.equal(r.status, 200, show(r));
    sameSet(r.json.messages.filter((m) => m.type === 'Text').map((m) => m.text), 'GET messages after SIGKILL + restart');
    assert.ok(r.json.messages.some((m) => m.text === 'after-burst'), 'the message after recovery survived the restart');
    await srv.kill();
  });
});

describe('disk full at start-up', { skip: SHARED_STORE && 'the SQLite store in the data directory: not used with a shared PostgreSQL store' }, () => {
  /**
   * Start on a full data directory: it must either fail with a clear message (non-zero exit,
   * not by a signal, something on stderr) or serve and refuse writes with 503. Returns what
   * happened, for the report.
   */
  async function startFull(mnt, what) {
    const srv = new Server({ dataDir: mnt });
    let started = false;
    try {
      await startOn(srv);
      started = true;
    } catch (e) {
      if (!srv.exit) throw e; // neither healthy nor exited in 10 s: hung
    }
    if (!started) {
      assert.equal(srv.exit.signal, null, `${what}: must not die by a signal (crash): ${j(srv.exit)}\n${srv.output()}`);
      assert.notEqual(srv.exit.code, 0, `${what}: a failed start must exit non-zero: ${j(srv.exit)}\n${srv.output()}`);
      assert.match(srv.stderr, /space|full|disk|store|database|write/i, `${what}: a clear message on stderr:\n${srv.output()}`);
      return { started, exit: srv.exit, stderr: srv.stderr.trim().split('\n').slice(-3).join('\n') };
    }
    // it serves: writes must be refused cleanly, reads and /healthz answered, and it stays up
    const h = await api(srv, 'GET', '/healthz');
    assert.ok([200, 503].includes(h.status), `${what}: /healthz: ${show(h)}`);
    const w = await api(srv, 'POST', '/api/v2/users', {
      auth: 'admin', body: { userName: 'nospace', password: 'pw-nospace-1', roles: ['ROLE_AGENT'] },
    });
    assert.ok(w.status === 503 || w.status === 401, `${what}: a write on a full disk: 503 (or 401 if the demo users could not be made): ${show(w)}`);
    if (w.status === 503) assert.equal(w.json?.statusCode, 4, show(w));
    const c = await customerPost(srv, '', { nickname: 'x' }, { service: SERVICE });
    assert.ok([503, 404].includes(c.status), `${what}: a chat request on a full disk: ${show(c)}`);
    await sleep(300);
    assert.ok(srv.running, `${what}: the server must stay up\n${srv.output()}`);
    await srv.kill();
    return { started, healthz: h.status, write: show(w), chat: show(c) };
  }

  test('a fresh, empty but full data directory', async (t) => {
    const mnt = mountTmpfs('1m');
    fill(mnt);
    const res = await startFull(mnt, 'fresh full data dir');
    t.diagnostic(`fresh full data dir: ${j(res)}`);
  });

  test('an existing data directory that is full', async (t) => {
    const mnt = mountTmpfs('2m');
    const srv = new Server({ dataDir: mnt });
    await startOn(srv);
    await srv.stop();
    fill(mnt);
    const res = await startFull(mnt, 'existing full data dir');
    t.diagnostic(`existing full data dir: ${j(res)}`);
  });
});
