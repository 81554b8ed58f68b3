// `parley backup FILE --data-dir D` (safe while the server runs) and `parley restore FILE
// --data-dir D [--force]` (server stopped): a backup taken mid-chat restores into a new data
// directory with exactly what was committed before it; restore refuses a running server's
// directory, an existing store without --force, and a file that is not a Parley store (leaving
// the existing store untouched); a second `parley serve` on a data directory in use exits 1.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { Server, cleanupAll, tempDir, runCli, SHARED_STORE } from '../lib/server.mjs';
import { api, login, show } from '../lib/http.mjs';
import { disconnectAll } from '../lib/bayeux.mjs';
import { startChatServer, chatAgent, acceptedChat } from '../lib/chat.mjs';

const j = (x) => JSON.stringify(x);

after(async () => {
  await disconnectAll();
  await cleanupAll();
});

const SUMMARY_BACKUP = /^backed up to (.+): (\d+) users, (\d+) chats, (\d+) chat events, (\d+) bytes\s*$/m;

function cli(args) {
  return runCli(args, { timeoutMs: 30_000 });
}
const describeRun = (r) => `exit ${r.code} (signal ${r.signal})\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

function expectExit(r, code, what) {
  assert.equal(r.code, code, `${what}: ${describeRun(r)}`);
}

/** The Text items of a chat's transcript as agent1 (Basic) reads it: [[from.type, text]]. */
async function transcriptTexts(srv, chatId, user = 'agent1') {
  const r = await api(srv, 'GET', `/api/v2/chats/${chatId}/transcript`, { auth: user });
  assert.equal(r.status, 200, `GET transcript of ${chatId} as ${user}: ${show(r)}`);
  assert.equal(r.json?.statusCode, 0, show(r));
  assert.equal(r.json.chatId, chatId, show(r));
  assert.ok(Array.isArray(r.json.messages), show(r));
  return r.json.messages.filter((m) => m.type === 'Text').map((m) => [m.from.type, m.text]);
}

/** A well-formed SQLite database with no tables (one 4096-byte page). */
function emptySqlite() {
  const b = Buffer.alloc(4096);
  b.write('SQLite format 3\0', 0, 'latin1');
  b.writeUInt16BE(4096, 16); // page size
  b[18] = 1; b[19] = 1; // legacy file format
  b[21] = 64; b[22] = 32; b[23] = 32; // payload fractions
  b.writeUInt32BE(1, 24); // change counter
  b.writeUInt32BE(1, 28); // size in pages
  b.writeUInt32BE(4, 44); // schema format
  b.writeUInt32BE(1, 56); // UTF-8
  b.writeUInt32BE(1, 92); // version-valid-for
  b.writeUInt32BE(3045001, 96);
  b[100] = 0x0d; // page 1: empty leaf table b-tree (sqlite_schema)
  b.writeUInt16BE(4096, 105); // cell content area starts at the end
  return b;
}

const BEFORE = [
  ['Customer', 'before backup: hello'],
  ['Customer', 'before backup: customer 2'],
  ['Agent', 'before backup: agent answer'],
];
const AFTER_TEXT = 'after backup: must not be restored';

describe('backup while serving, restore into a new data directory', { skip: SHARED_STORE && 'the SQLite store in the data directory: not used with a shared PostgreSQL store' }, () => {
  let srvA, a1, cust, chatId, backupFile, dirB;

  before(async () => {
    srvA = await startChatServer(); // --demo on a new temporary data directory
    a1 = await chatAgent(srvA, 'agent1');
    await a1.start();
    await a1.ready();
    cust = await acceptedChat(srvA, a1, { nickname: 'Backed Up', text: BEFORE[0][1] });
    chatId = cust.chatId;
    await cust.send(BEFORE[1][1]);
    await a1.opOk(chatId, { operationName: 'SendMessage', text: BEFORE[2][1] });
    assert.deepEqual(await transcriptTexts(srvA, chatId), BEFORE, 'the live transcript before the backup');
    backupFile = path.join(tempDir('parley-backup-'), 'parley-backup.db');
  });

  test('backup while the server runs: exit 0, summary line, the file is written', async () => {
    const r = await cli(['backup', backupFile, '--data-dir', srvA.dataDir]);
    expectExit(r, 0, 'backup');
    const m = SUMMARY_BACKUP.exec(r.stdout);
    assert.ok(m, `summary "backed up to F: N users, N chats, N chat events, N bytes": ${describeRun(r)}`);
    assert.equal(path.resolve(m[1]), path.resolve(backupFile), `the summary names the file: ${r.stdout}`);
    assert.equal(Number(m[2]), 4, `the 4 demo users: ${r.stdout}`);
    assert.equal(Number(m[3]), 1, `one chat: ${r.stdout}`);
    assert.ok(Number(m[4]) >= BEFORE.length, `at least the ${BEFORE.length} messages as chat events: ${r.stdout}`);
    assert.ok(fs.existsSync(backupFile), 'the backup file exists');
    assert.equal(fs.statSync(backupFile).size, Number(m[5]), 'the summary gives the file size');
    assert.ok(srvA.running, 'the server kept running');
    // The server goes on after the backup; this message is not in the backup.
    await cust.send(AFTER_TEXT);
    assert.deepEqual(await transcriptTexts(srvA, chatId), [...BEFORE, ['Customer', AFTER_TEXT]]);
  });

  test('restore refuses the data directory of a running server (even with --force)', async () => {
    for (const extra of [[], ['--force']]) {
      const r = await cli(['restore', backupFile, '--data-dir', srvA.dataDir, ...extra]);
      expectExit(r, 1, `restore ${extra.join(' ')} into the running server's directory`);
      assert.match(r.stderr, /another parley server/i, describeRun(r));
    }
    assert.ok(srvA.running, 'the running server is unharmed');
    assert.deepEqual(await transcriptTexts(srvA, chatId), [...BEFORE, ['Customer', AFTER_TEXT]]);
  });

  test('a second `parley serve` on the same data directory exits 1 at once', async () => {
    const second = new Server({ dataDir: srvA.dataDir });
    const t0 = Date.now();
    await assert.rejects(second.start(), /exited/, 'start() of the second server must fail');
    const ms = Date.now() - t0;
    assert.equal(second.exit?.code, 1, `exit code: ${j(second.exit)}\n${second.output()}`);
    assert.match(second.stderr, /another parley server is using/i, second.output());
    assert.ok(ms < 3000, `exits at once, not after a timeout: ${ms} ms`);
    assert.ok(srvA.running, 'the first server is still running');
    const h = await api(srvA, 'GET', '/healthz');
    assert.equal(h.status, 200, show(h));
  });

  test('restore into a new data directory: exactly what was committed before the backup; users log in', async () => {
    await a1.close();
    assert.equal(await srvA.stop(), 0, `server A stops cleanly\n${srvA.output()}`);
    dirB = tempDir('parley-restored-');
    const r = await cli(['restore', backupFile, '--data-dir', dirB]);
    expectExit(r, 0, 'restore into an empty directory');
    assert.ok(r.stdout.trim().length > 0, `restore prints a summary: ${describeRun(r)}`);
    assert.match(r.stdout, /4 users, 1 chats/, `restore summary: ${describeRun(r)}`);

    // No --demo: the users and the chat can only come from the backup.
    const srvB = new Server({ dataDir: dirB, demo: false });
    await srvB.start();
    try {
      assert.deepEqual(await transcriptTexts(srvB, chatId), BEFORE,
        'the restored chat has the messages sent before the backup and not the one sent after');
      const chat = await api(srvB, 'GET', `/api/v2/chats/${chatId}`, { auth: 'agent1' });
      assert.equal(chat.json?.statusCode, 0, show(chat));
      assert.equal(chat.json.chat.state, 'Chatting', `the chat was live at backup time: ${show(chat)}`);
      for (const user of ['agent1', 'agent2', 'supervisor1', 'admin']) {
        const s = await login(srvB, user);
        assert.equal(s.user.userName, user, `${user} logs in on the restored store`);
      }
      const bad = await api(srvB, 'GET', '/api/v2/me', { auth: ['agent1', 'wrong-password'] });
      assert.equal(bad.status, 401, `a wrong password is still refused: ${show(bad)}`);
    } finally {
      assert.equal(await srvB.stop(), 0, srvB.output());
    }
  });

  test('restore over an existing store: refused without --force (store untouched), replaced with --force', async () => {
    // Change the restored store so that a replacement is visible.
    const srvB = new Server({ dataDir: dirB, demo: false });
    await srvB.start();
    const sB = await login(srvB, 'agent1');
    const sent = await api(srvB, 'POST', `/api/v2/me/chats/${chatId}`,
      { cookie: sB.cookie, csrf: sB.csrf, body: { operationName: 'SendMessage', text: 'only in B' } });
    assert.equal(sent.json?.statusCode, 0, show(sent));
    const changed = [...BEFORE, ['Agent', 'only in B']];
    assert.deepEqual(await transcriptTexts(srvB, chatId), changed);
    assert.equal(await srvB.stop(), 0, srvB.output());

    const no = await cli(['restore', backupFile, '--data-dir', dirB]);
    expectExit(no, 1, 'restore over an existing store without --force');
    assert.match(no.stderr, /--force/, describeRun(no));
    await srvB.start();
    assert.deepEqual(await transcriptTexts(srvB, chatId), changed, 'the refused restore left the store alone');
    assert.equal(await srvB.stop(), 0, srvB.output());

    const yes = await cli(['restore', backupFile, '--data-dir', dirB, '--force']);
    expectExit(yes, 0, 'restore --force');
    await srvB.start();
    assert.deepEqual(await transcriptTexts(srvB, chatId), BEFORE, 'restore --force replaced the store with the backup');
    assert.equal(await srvB.stop(), 0, srvB.output());
  });

  for (const [name, bytes] of [
    ['random bytes', () => crypto.randomBytes(64 * 1024)],
    ['an empty SQLite database', emptySqlite],
    ['an empty file', () => Buffer.alloc(0)],
  ]) {
    test(`restore --force of ${name} fails with exit 1 and leaves the existing store untouched`, async () => {
      const file = path.join(tempDir('parley-notastore-'), 'not-a-store.db');
      fs.writeFileSync(file, bytes());
      const r = await cli(['restore', file, '--data-dir', dirB, '--force']);
      expectExit(r, 1, `restore of ${name}`);
      assert.ok(r.stderr.trim().length > 0, `an error message on stderr: ${describeRun(r)}`);
      const srvB = new Server({ dataDir: dirB, demo: false });
      await srvB.start();
      try {
        assert.deepEqual(await transcriptTexts(srvB, chatId), BEFORE, 'the store is as before');
        await login(srvB, 'agent1');
      } finally {
        assert.equal(await srvB.stop(), 0, srvB.output());
      }
    });
  }

  test('restore of a file that is not a store into an empty directory fails and creates no store', async () => {
    const file = path.join(tempDir('parley-notastore-'), 'junk.db');
    fs.writeFileSync(file, crypto.randomBytes(8192));
    const dirC = tempDir('parley-empty-');
    const r = await cli(['restore', file, '--data-dir', dirC]);
    expectExit(r, 1, 'restore of random bytes into an empty directory');
    const left = fs.readdirSync(dirC);
    assert.ok(!left.includes('parley.db'), `no store left behind: ${j(left)}`);
  });

  test('restore of a missing backup file fails with exit 1', async () => {
    const r = await cli(['restore', path.join(dirB, 'no-such-backup.db'), '--data-dir', tempDir('parley-empty-')]);
    expectExit(r, 1, 'restore of a missing file');
    assert.ok(r.stderr.trim().length > 0, describeRun(r));
  });
});

test('restore --force after a crash (a WAL with later commits left behind): the backup wins', { skip: SHARED_STORE && 'the SQLite store in the data directory: not used with a shared PostgreSQL store' }, async () => {
  const srv = new Server(); // --demo, new data directory
  await srv.start();
  const file = path.join(tempDir('parley-backup-'), 'b.db');
  const b = await cli(['backup', file, '--data-dir', srv.dataDir]);
  expectExit(b, 0, 'backup');
  assert.match(b.stdout, SUMMARY_BACKUP, describeRun(b));
  const admin = await login(srv, 'admin');
  const c = await api(srv, 'POST', '/api/v2/users', { cookie: admin.cookie, csrf: admin.csrf, body: {
    userName: 'postbackup', password: 'password', firstName: 'Post', lastName: 'Backup', roles: ['ROLE_AGENT'] } });
  assert.equal(c.json?.statusCode, 0, show(c));
  await srv.kill(); // SIGKILL: the commit may still sit in parley.db-wal
  const r = await cli(['restore', file, '--data-dir', srv.dataDir, '--force']);
  expectExit(r, 0, 'restore --force after a crash');
  await srv.start();
  const gone = await api(srv, 'GET', '/api/v2/me', { auth: ['postbackup', 'password'] });
  assert.equal(gone.status, 401, `the user created after the backup is gone: ${show(gone)}`);
  await login(srv, 'agent1');
  await srv.stop();
});
