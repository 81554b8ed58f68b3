// The `parley users` command line and option precedence (config file < environment < flags).
import { test, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Server, runCli, tempDir, freePort, cleanupAll, SHARED_STORE } from '../lib/server.mjs';
import { api, login, expectOk, expectStatus, expectAccessDenied, show } from '../lib/http.mjs';

after(cleanupAll);

function ok(r, what) {
  assert.equal(r.code, 0, `${what}: exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}
function fails(r, what) {
  assert.notEqual(r.code, 0, `${what} should fail\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.ok((r.stdout + r.stderr).trim().length > 0, `${what}: a failure needs a message`);
}

describe('parley users', { skip: SHARED_STORE && 'the SQLite store in the data directory: not used with a shared PostgreSQL store' }, () => {
  test('add, list, passwd, disable while the server is stopped; the server honours them', async () => {
    const dir = tempDir();
    ok(await runCli(['users', 'add', 'alice', '--password', 'alice-pw-1', '--roles', 'ROLE_AGENT,ROLE_SUPERVISOR',
      '--first-name', 'Alice', '--last-name', 'Liddell', '--email', 'alice@example.com', '--data-dir', dir]), 'add alice');
    ok(await runCli(['users', 'add', 'bob', '--password', 'bob-pw-1', '--roles', 'ROLE_AGENT', '--data-dir', dir]), 'add bob');
    ok(await runCli(['users', 'add', 'carol', '--password', 'carol-pw-1', '--roles', 'ROLE_ADMIN', '--data-dir', dir]), 'add carol');
    fails(await runCli(['users', 'add', 'alice', '--password', 'x-other', '--roles', 'ROLE_AGENT', '--data-dir', dir]),
      'duplicate alice');
    fails(await runCli(['users', 'add', 'dave', '--password', 'dave-pw-1', '--roles', 'ROLE_EMPEROR', '--data-dir', dir]),
      'unknown role');
    fails(await runCli(['users', 'passwd', 'nobody', '--password', 'x-y-z', '--data-dir', dir]), 'passwd of an unknown user');
    fails(await runCli(['users', 'disable', 'nobody', '--data-dir', dir]), 'disable of an unknown user');

    ok(await runCli(['users', 'passwd', 'alice', '--password', 'alice-pw-2', '--data-dir', dir]), 'passwd alice');
    ok(await runCli(['users', 'disable', 'bob', '--data-dir', dir]), 'disable bob');

    const list = await runCli(['users', 'list', '--data-dir', dir]);
    ok(list, 'list');
    const lines = list.stdout.split('\n').filter((l) => l.trim());
    const line = (n) => lines.find((l) => new RegExp(`\\b${n}\\b`).test(l));
    assert.ok(line('alice'), `alice listed:\n${list.stdout}`);
    assert.match(line('alice'), /ROLE_AGENT/);
    assert.match(line('alice'), /ROLE_SUPERVISOR/);
    assert.match(line('alice'), /\benabled\b/i);
    assert.doesNotMatch(line('alice'), /disabled/i);
    assert.match(line('bob'), /\bdisabled\b/i, `bob disabled:\n${list.stdout}`);
    assert.match(line('carol'), /ROLE_ADMIN/);
    assert.ok(!line('dave'), 'the refused add created nothing');
    assert.equal(lines.filter((l) => /\balice\b/.test(l)).length, 1, 'alice once');

    const srv = new Server({ dataDir: dir, demo: false });
    await srv.start();
    const me = await api(srv, 'GET', '/api/v2/me', { auth: ['alice', 'alice-pw-2'] });
    expectOk(me, 'alice with the new password');
    const u = me.json.user;
    assert.equal(u.firstName, 'Alice');
    assert.equal(u.lastName, 'Liddell');
    assert.equal(u.emailAddress, 'alice@example.com');
    assert.deepEqual([...u.roles].sort(), ['ROLE_AGENT', 'ROLE_SUPERVISOR']);
    expectAccessDenied(await api(srv, 'GET', '/api/v2/me', { auth: ['alice', 'alice-pw-1'] }), 'alice old password');
    expectAccessDenied(await api(srv, 'GET', '/api/v2/me', { auth: ['bob', 'bob-pw-1'] }), 'disabled bob');
    expectOk(await api(srv, 'GET', '/api/v2/users', { auth: ['carol', 'carol-pw-1'] }), 'carol is an admin');
    expectAccessDenied(await api(srv, 'GET', '/api/v2/me', { auth: ['agent1', 'password'] }), 'no demo users without --demo');
    assert.equal(await srv.stop(), 0);
  });

  test('users added by the CLI on a demo data dir sit beside the demo users', async () => {
    const srv = new Server({});
    await srv.start(); // creates the demo users
    assert.equal(await srv.stop(), 0);
    ok(await runCli(['users', 'add', 'erin', '--password', 'erin-pw-1', '--roles', 'ROLE_AGENT', '--data-dir', srv.dataDir]), 'add erin');
    fails(await runCli(['users', 'add', 'agent1', '--password', 'x-y-z-1', '--roles', 'ROLE_AGENT', '--data-dir', srv.dataDir]),
      'duplicate of a demo user');
    ok(await runCli(['users', 'disable', 'agent2', '--data-dir', srv.dataDir]), 'disable agent2');
    const list = await runCli(['users', 'list', '--data-dir', srv.dataDir]);
    ok(list, 'list');
    for (const n of ['agent1', 'agent2', 'supervisor1', 'admin', 'erin']) {
      assert.match(list.stdout, new RegExp(`\\b${n}\\b`), `${n} listed:\n${list.stdout}`);
    }
    await srv.start();
    expectOk(await api(srv, 'GET', '/api/v2/me', { auth: ['erin', 'erin-pw-1'] }), 'erin');
    expectOk(await api(srv, 'GET', '/api/v2/me', { auth: 'agent1' }), 'agent1');
    expectAccessDenied(await api(srv, 'GET', '/api/v2/me', { auth: 'agent2' }), 'disabled agent2');
    const users = await api(srv, 'GET', '/api/v2/users', { auth: 'admin' });
    const a2 = users.json.users.find((x) => x.userName === 'agent2');
    assert.equal(a2?.enabled, false, show(users));
  });
});

describe('option precedence: file < environment < flags', () => {
  async function listensOn(port) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(1000) });
      await r.arrayBuffer();
      return r.status === 200;
    } catch {
      return false;
    }
  }

  test('listen: a flag beats the environment, which beats the file', async () => {
    const [pf, pe, pa] = [await freePort(), await freePort(), await freePort()];
    const dir = tempDir();
    for (const d of ['d1', 'd2', 'd3']) fs.mkdirSync(path.join(dir, d));
    const cfg = path.join(dir, 'parley.toml');
    fs.writeFileSync(cfg, `listen = "127.0.0.1:${pf}"\ncsrf = false\n`);

    // all three: the flag wins
    const s1 = new Server({ dataDir: path.join(dir, 'd1'), port: pa, flags: ['--config', cfg], env: { PARLEY_LISTEN: `127.0.0.1:${pe}` } });
    await s1.start();
    assert.equal(await listensOn(pe), false, 'must not listen on the environment port');
    assert.equal(await listensOn(pf), false, 'must not listen on the file port');
    assert.equal(await s1.stop(), 0);

    // file and environment: the environment wins
    const s2 = new Server({ dataDir: path.join(dir, 'd2'), port: pe, listenFlag: false, flags: ['--config', cfg], env: { PARLEY_LISTEN: `127.0.0.1:${pe}` } });
    await s2.start();
    assert.equal(await listensOn(pf), false, 'must not listen on the file port');
    // the file's other settings still apply: csrf = false
    const s = await login(s2, 'agent1');
    expectOk(await api(s2, 'POST', '/api/v2/me', {
      cookie: s.cookie, body: { operationName: 'StartContactCenterSession', channels: ['chat'] },
    }), 'csrf = false from the file');
    assert.equal(await s2.stop(), 0);

    // file only
    const s3 = new Server({ dataDir: path.join(dir, 'd3'), port: pf, listenFlag: false, flags: ['--config', cfg] });
    await s3.start();
    assert.equal(await s3.stop(), 0);
  });

  test('csrf: PARLEY_CSRF=false beats the file, --csrf true beats the environment', async () => {
    const dir = tempDir();
    const cfg = path.join(dir, 'parley.toml');
    fs.writeFileSync(cfg, 'csrf = true\n');
    for (const d of ['d1', 'd2']) fs.mkdirSync(path.join(dir, d));
    const s1 = new Server({ dataDir: path.join(dir, 'd1'), flags: ['--config', cfg], env: { PARLEY_CSRF: 'false' } });
    await s1.start();
    let s = await login(s1, 'agent1');
    expectOk(await api(s1, 'POST', '/api/v2/me', {
      cookie: s.cookie, body: { operationName: 'StartContactCenterSession', channels: ['chat'] },
    }), 'env csrf=false over file csrf=true');
    assert.equal(await s1.stop(), 0);

    const s2 = new Server({ dataDir: path.join(dir, 'd2'), flags: ['--config', cfg, '--csrf', 'true'], env: { PARLEY_CSRF: 'false' } });
    await s2.start();
    s = await login(s2, 'agent1');
    expectStatus(await api(s2, 'POST', '/api/v2/me', {
      cookie: s.cookie, body: { operationName: 'StartContactCenterSession', channels: ['chat'] },
    }), 403, 3, 'flag csrf=true over env csrf=false');
    assert.equal(await s2.stop(), 0);
  });

  test('data dir from the environment (PARLEY_DATA_DIR)', { skip: SHARED_STORE && 'the SQLite store in the data directory: not used with a shared PostgreSQL store' }, async () => {
    const dir = tempDir();
    const s = new Server({ dataDirFlag: false, env: { PARLEY_DATA_DIR: dir } });
    await s.start();
    expectOk(await api(s, 'POST', '/api/v2/users', {
      auth: 'admin', body: { userName: 'env_dir_user', password: 'pw-env-1', roles: ['ROLE_AGENT'] },
    }));
    assert.equal(await s.stop(), 0);
    assert.ok(fs.readdirSync(dir).length > 0, 'the data dir from PARLEY_DATA_DIR holds the store');
    const list = await runCli(['users', 'list', '--data-dir', dir]);
    ok(list, 'list');
    assert.match(list.stdout, /\benv_dir_user\b/);
  });

  test('an invalid option value is refused at start with a message', async () => {
    const dir = tempDir();
    const port = await freePort();
    const r = await runCli(['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dir, '--max-body', 'lots'], { timeoutMs: 10_000 });
    assert.equal(r.signal, null, `serve with --max-body lots kept running (killed after 10 s)\n${r.stdout}\n${r.stderr}`);
    assert.notEqual(r.code, 0, `serve with --max-body lots should fail\n${r.stdout}\n${r.stderr}`);
    assert.ok((r.stdout + r.stderr).trim().length > 0, 'needs a message');
  });
});
