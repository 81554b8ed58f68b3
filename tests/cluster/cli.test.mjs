// The command line against a cluster's PostgreSQL store: `parley users` lists accounts at any
// time but changes them only while no node holds the desk (the holder keeps accounts in
// memory and is the only writer); `parley backup`/`restore` refuse a PostgreSQL store and
// say which tools to use. A cluster of one node behind HAProxy (scripts/cluster.sh).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, sleep } from '../e2e/lib/server.mjs';
import { waitUntil } from '../e2e/lib/bayeux.mjs';
import { startCluster } from './lib/cluster.mjs';

let cluster;
let pg;

before(async () => {
  cluster = await startCluster({ nodes: 1 });
  pg = cluster.env.PG_URL;
  assert.match(pg, /^postgres:\/\//, `cluster.env names the store: ${JSON.stringify(cluster.env)}`);
});

after(async () => {
  await cluster?.stop();
});

const users = (...args) => runCli(['users', ...args, '--store', pg]);
const show = (r) => `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

/** Name → {id, roles, state} from `parley users list`. */
function parseList(stdout) {
  const out = {};
  for (const line of stdout.trim().split('\n')) {
    const [name, id, roles, state] = line.split('\t');
    out[name] = { id, roles: roles.split(','), state };
  }
  return out;
}

async function me(user, password) {
  const r = await fetch(`${cluster.url}/api/v2/me`, {
    headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
    signal: AbortSignal.timeout(10_000),
  });
  return { status: r.status, json: await r.json().catch(() => undefined) };
}

function nodePid() {
  return Number(fs.readFileSync(path.join(cluster.dir, 'node1.pid'), 'utf8').trim());
}

function alive(pid) {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

test('while a node holds the desk: users are listed, a change is refused with the way to make it', async () => {
  const list = await users('list');
  assert.equal(list.code, 0, show(list));
  const byName = parseList(list.stdout);
  assert.deepEqual(byName.agent1?.roles, ['ROLE_AGENT'], `the demo users are in the cluster's store: ${list.stdout}`);
  assert.equal(byName.agent1.state, 'enabled');

  const add = await users('add', 'ops1', '--password', 'first-password', '--roles', 'ROLE_ADMIN');
  assert.equal(add.code, 1, show(add));
  assert.match(add.stderr, /node1 holds the desk/, show(add));
  assert.match(add.stderr, /\/api\/v2\/users/, `points to the users API: ${show(add)}`);
  assert.equal(parseList((await users('list')).stdout).ops1, undefined, 'nothing was written');
  const passwd = await users('passwd', 'agent1', '--password', 'changed-password');
  assert.equal(passwd.code, 1, show(passwd));
  assert.equal((await me('agent1', 'password')).status, 200, 'agent1 still signs in with the old password');
});

test('backup and restore refuse a PostgreSQL store and name its tools', async () => {
  const file = path.join(os.tmpdir(), `parley-cli-${process.pid}.db`);
  for (const args of [['backup', file], ['restore', file, '--force']]) {
    const r = await runCli([...args, '--store', pg]);
    assert.equal(r.code, 2, show(r));
    assert.match(r.stderr, /PostgreSQL/, show(r));
    assert.match(r.stderr, /pg_dump/, show(r));
    assert.ok(!r.stderr.includes(new URL(pg).password || '\u0000'), 'no password in the message');
  }
  assert.equal(fs.existsSync(file), false, 'no backup file was written');
});

test('with every node stopped the changes are made, and the cluster serves them when it starts again', async () => {
  // A clean stop hands the desk lease back at once.
  const pid = nodePid();
  process.kill(pid, 'SIGTERM');
  await waitUntil(() => !alive(pid), 15_000, () => `node1 (pid ${pid}) to exit`);

  // Should the lease still be live (it is not, after a clean stop), it expires within lease_ttl.
  let add;
  const deadline = Date.now() + 10_000;
  for (;;) {
    add = await users('add', 'ops1', '--password', 'first-password', '--roles', 'ROLE_ADMIN,ROLE_SUPERVISOR',
      '--first-name', 'Olga', '--last-name', 'Ops');
    if (add.code === 0 || Date.now() > deadline) break;
    await sleep(500);
  }
  assert.equal(add.code, 0, show(add));
  assert.match(add.stdout, /added ops1/);
  const passwd = await users('passwd', 'agent1', '--password', 'changed-password');
  assert.equal(passwd.code, 0, show(passwd));
  const disable = await users('disable', 'agent2');
  assert.equal(disable.code, 0, show(disable));
  const dup = await users('add', 'ops1', '--password', 'x', '--roles', 'ROLE_AGENT');
  assert.equal(dup.code, 1, show(dup));
  assert.match(dup.stderr, /already exists/);

  const byName = parseList((await users('list')).stdout);
  assert.deepEqual(byName.ops1?.roles, ['ROLE_ADMIN', 'ROLE_SUPERVISOR'], j(byName.ops1));
  assert.equal(byName.ops1.state, 'enabled');
  assert.equal(byName.agent2?.state, 'disabled');

  await cluster.startNode(1);
  await cluster.waitReady();
  // HAProxy sends traffic to the node again once its health check has seen it up.
  await waitUntil(async () => (await fetch(`${cluster.url}/healthz`).catch(() => ({ status: 0 }))).status === 200,
    15_000, () => 'HAProxy to route to node1 again');
  const ops = await me('ops1', 'first-password');
  assert.equal(ops.status, 200, j(ops));
  assert.equal(ops.json.user.userName, 'ops1');
  assert.equal(ops.json.user.firstName, 'Olga');
  assert.deepEqual([...ops.json.user.roles].sort(), ['ROLE_ADMIN', 'ROLE_SUPERVISOR']);
  assert.equal((await me('agent1', 'changed-password')).status, 200, 'the new password works');
  assert.equal((await me('agent1', 'password')).status, 401, 'the old password no longer does');
  assert.notEqual((await me('agent2', 'password')).status, 200, 'a disabled user cannot sign in');

  // And a node holds the desk again: changes are refused again.
  const again = await users('add', 'ops2', '--password', 'x', '--roles', 'ROLE_AGENT');
  assert.equal(again.code, 1, show(again));
  assert.match(again.stderr, /holds the desk/);
});

const j = (x) => JSON.stringify(x);
