// /api/v2/users: listing and filtering, create / update / disable / delete, role checks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, cleanupAll } from '../lib/server.mjs';
import {
  api, login, expectOk, expectStatus, expectAccessDenied, show,
} from '../lib/http.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(cleanupAll);

const UNKNOWN_ID = '0123456789abcdef0123456789abcdef';

function checkUserShape(u, base) {
  assert.match(u.id, /^[0-9a-f]{32}$/, JSON.stringify(u));
  assert.equal(typeof u.userName, 'string');
  assert.ok(Array.isArray(u.roles) && u.roles.length >= 1, JSON.stringify(u));
  assert.equal(typeof u.enabled, 'boolean');
  assert.equal(u.path, `/users/${u.id}`);
  assert.equal(u.uri, `${base}/api/v2/users/${u.id}`);
  assert.equal('password' in u, false, 'never return a password');
  for (const k of Object.keys(u)) {
    assert.doesNotMatch(k, /hash|salt|passw/i, `user object leaks ${k}`);
  }
}

async function createUser(body) {
  const r = await api(srv, 'POST', '/api/v2/users', { auth: 'admin', body });
  expectOk(r, `create ${body.userName}`);
  return r;
}

test('admin lists users: all demo users, each in the documented shape', async () => {
  const r = await api(srv, 'GET', '/api/v2/users', { auth: 'admin' });
  expectOk(r);
  assert.ok(Array.isArray(r.json.users), show(r));
  const names = r.json.users.map((u) => u.userName);
  for (const n of ['agent1', 'agent2', 'supervisor1', 'admin']) assert.ok(names.includes(n), `missing ${n}: ${names}`);
  for (const u of r.json.users) checkUserShape(u, srv.base);
  const sup = r.json.users.find((u) => u.userName === 'supervisor1');
  assert.deepEqual([...sup.roles].sort(), ['ROLE_AGENT', 'ROLE_SUPERVISOR']);
});

test('?roles= filters the list', async () => {
  const r = await api(srv, 'GET', '/api/v2/users?roles=ROLE_AGENT', { auth: 'admin' });
  expectOk(r);
  const names = r.json.users.map((u) => u.userName);
  for (const n of ['agent1', 'agent2', 'supervisor1']) assert.ok(names.includes(n), `missing ${n}: ${names}`);
  assert.ok(!names.includes('admin'), `admin has no ROLE_AGENT: ${names}`);
  for (const u of r.json.users) assert.ok(u.roles.includes('ROLE_AGENT'), JSON.stringify(u));

  const s = await api(srv, 'GET', '/api/v2/users?roles=ROLE_SUPERVISOR', { auth: 'admin' });
  expectOk(s);
  const sn = s.json.users.map((u) => u.userName);
  assert.ok(sn.includes('supervisor1'), `${sn}`);
  for (const n of ['agent1', 'agent2', 'admin']) assert.ok(!sn.includes(n), `${n} is no supervisor: ${sn}`);
});

test('a supervisor may read users, an agent may not', async () => {
  const list = await api(srv, 'GET', '/api/v2/users', { auth: 'supervisor1' });
  expectOk(list, 'supervisor GET /users');
  const a1 = list.json.users.find((u) => u.userName === 'agent1');
  assert.ok(a1, show(list));
  const one = await api(srv, 'GET', `/api/v2/users/${a1.id}`, { auth: 'supervisor1' });
  expectOk(one, 'supervisor GET /users/{id}');
  assert.equal(one.json.user.userName, 'agent1');
  checkUserShape(one.json.user, srv.base);

  expectStatus(await api(srv, 'GET', '/api/v2/users', { auth: 'agent1' }), 403, 5, 'agent GET /users');
  expectStatus(await api(srv, 'GET', `/api/v2/users/${a1.id}`, { auth: 'agent2' }), 403, 5, 'agent GET /users/{id}');
  expectStatus(await api(srv, 'GET', `/api/v2/users/${UNKNOWN_ID}`, { auth: 'agent2' }), 403, 5,
    'agent GET unknown user: role (5) before not found (6)');
});

test('a supervisor or an agent may not create, update or delete users', async () => {
  const me = await api(srv, 'GET', '/api/v2/me', { auth: 'agent2' });
  const id = me.json.user.id;
  for (const who of ['supervisor1', 'agent1']) {
    expectStatus(await api(srv, 'POST', '/api/v2/users', {
      auth: who, body: { userName: `by_${who}`, password: 'pw-12345', roles: ['ROLE_AGENT'] },
    }), 403, 5, `${who} POST /users`);
    expectStatus(await api(srv, 'PUT', `/api/v2/users/${id}`, { auth: who, body: { firstName: 'Hacked' } }),
      403, 5, `${who} PUT /users/{id}`);
    expectStatus(await api(srv, 'DELETE', `/api/v2/users/${id}`, { auth: who }), 403, 5, `${who} DELETE /users/{id}`);
  }
  const after = await api(srv, 'GET', '/api/v2/me', { auth: 'agent2' });
  expectOk(after, 'agent2 still exists and can log in');
  assert.notEqual(after.json.user.firstName, 'Hacked');
  const list = await api(srv, 'GET', '/api/v2/users', { auth: 'admin' });
  assert.ok(!list.json.users.some((u) => u.userName.startsWith('by_')), 'refused POSTs created nothing');
});

test('admin creates a user who can then log in', async () => {
  const r = await createUser({
    userName: 'new_agent', password: 'S3cret-pass', firstName: 'New', lastName: 'Agent',
    emailAddress: 'new_agent@example.com', roles: ['ROLE_AGENT'],
  });
  assert.match(r.json.id, /^[0-9a-f]{32}$/, show(r));
  assert.equal(r.json.path, `/users/${r.json.id}`);
  assert.equal(r.json.uri, `${srv.base}/api/v2/users/${r.json.id}`);

  const got = await api(srv, 'GET', `/api/v2/users/${r.json.id}`, { auth: 'admin' });
  expectOk(got);
  const u = got.json.user;
  checkUserShape(u, srv.base);
  assert.equal(u.userName, 'new_agent');
  assert.equal(u.firstName, 'New');
  assert.equal(u.lastName, 'Agent');
  assert.equal(u.emailAddress, 'new_agent@example.com');
  assert.deepEqual(u.roles, ['ROLE_AGENT']);
  assert.equal(u.enabled, true);

  const me = await api(srv, 'GET', '/api/v2/me', { auth: ['new_agent', 'S3cret-pass'] });
  expectOk(me, 'new user logs in');
  assert.equal(me.json.user.id, r.json.id);
  expectAccessDenied(await api(srv, 'GET', '/api/v2/me', { auth: ['new_agent', 'password'] }), 'wrong password');

  const list = await api(srv, 'GET', '/api/v2/users?roles=ROLE_AGENT', { auth: 'admin' });
  assert.ok(list.json.users.some((x) => x.id === r.json.id), 'listed');
});

test('duplicate userName → 409 statusCode 18 or 19', async () => {
  await createUser({ userName: 'dup_user', password: 'pw-dup-1', roles: ['ROLE_AGENT'] });
  const r = await api(srv, 'POST', '/api/v2/users', {
    auth: 'admin', body: { userName: 'dup_user', password: 'other-pw', roles: ['ROLE_SUPERVISOR', 'ROLE_AGENT'] },
  });
  expectStatus(r, 409, [18, 19], 'duplicate');
  expectOk(await api(srv, 'GET', '/api/v2/me', { auth: ['dup_user', 'pw-dup-1'] }), 'original password still works');
  expectStatus(await api(srv, 'POST', '/api/v2/users', {
    auth: 'admin', body: { userName: 'agent1', password: 'x-y-z-1', roles: ['ROLE_AGENT'] },
  }), 409, [18, 19], 'duplicate of a demo user');
});

test('invalid user bodies are refused: missing userName → 1, bad role → 10, wrong type → 10', async () => {
  expectStatus(await api(srv, 'POST', '/api/v2/users', {
    auth: 'admin', body: { password: 'pw-1234', roles: ['ROLE_AGENT'] },
  }), 400, 1, 'missing userName');
  expectStatus(await api(srv, 'POST', '/api/v2/users', {
    auth: 'admin', body: { userName: 'bad_role', password: 'pw-1234', roles: ['ROLE_KING'] },
  }), 400, 10, 'unknown role');
  expectStatus(await api(srv, 'POST', '/api/v2/users', {
    auth: 'admin', body: { userName: 'bad_type', password: 'pw-1234', roles: 'ROLE_AGENT', enabled: 'yes' },
  }), 400, 10, 'roles as a string / enabled as a string');
  expectStatus(await api(srv, 'POST', '/api/v2/users', {
    auth: 'admin', body: '{"userName": "broken"',
  }), 400, 10, 'malformed JSON');
  const list = await api(srv, 'GET', '/api/v2/users', { auth: 'admin' });
  const names = list.json.users.map((u) => u.userName);
  for (const n of ['bad_role', 'bad_type', 'broken']) assert.ok(!names.includes(n), `${n} must not exist`);
});

test('unknown user id → 404 statusCode 6 for GET, PUT and DELETE', async () => {
  expectStatus(await api(srv, 'GET', `/api/v2/users/${UNKNOWN_ID}`, { auth: 'admin' }), 404, 6, 'GET');
  expectStatus(await api(srv, 'PUT', `/api/v2/users/${UNKNOWN_ID}`, { auth: 'admin', body: { firstName: 'X' } }), 404, 6, 'PUT');
  expectStatus(await api(srv, 'DELETE', `/api/v2/users/${UNKNOWN_ID}`, { auth: 'admin' }), 404, 6, 'DELETE');
  expectStatus(await api(srv, 'GET', '/api/v2/users/not-an-id', { auth: 'admin' }), 404, 6, 'GET malformed id');
});

test('PUT updates fields; enabled:false stops logins, enabled:true restores them', async () => {
  const r = await createUser({ userName: 'put_user', password: 'pw-put-1', firstName: 'Put', roles: ['ROLE_AGENT'] });
  const id = r.json.id;
  expectOk(await api(srv, 'PUT', `/api/v2/users/${id}`, {
    auth: 'admin', body: { firstName: 'Renamed', roles: ['ROLE_AGENT', 'ROLE_SUPERVISOR'] },
  }), 'PUT names and roles');
  let me = await api(srv, 'GET', '/api/v2/me', { auth: ['put_user', 'pw-put-1'] });
  expectOk(me);
  assert.equal(me.json.user.firstName, 'Renamed');
  assert.deepEqual([...me.json.user.roles].sort(), ['ROLE_AGENT', 'ROLE_SUPERVISOR']);
  expectOk(await api(srv, 'GET', '/api/v2/users', { auth: ['put_user', 'pw-put-1'] }), 'new supervisor role takes effect');

  const s = await login(srv, 'put_user', 'pw-put-1');
  expectOk(await api(srv, 'PUT', `/api/v2/users/${id}`, { auth: 'admin', body: { enabled: false } }), 'disable');
  const got = await api(srv, 'GET', `/api/v2/users/${id}`, { auth: 'admin' });
  assert.equal(got.json.user.enabled, false, show(got));
  assert.equal(got.json.user.firstName, 'Renamed', 'PUT of one field keeps the others');
  expectAccessDenied(await api(srv, 'GET', '/api/v2/me', { auth: ['put_user', 'pw-put-1'] }), 'disabled user Basic');
  expectAccessDenied(await api(srv, 'GET', '/api/v2/me', { cookie: s.cookie }), 'disabled user\'s existing session');

  expectOk(await api(srv, 'PUT', `/api/v2/users/${id}`, { auth: 'admin', body: { enabled: true } }), 'enable');
  expectOk(await api(srv, 'GET', '/api/v2/me', { auth: ['put_user', 'pw-put-1'] }), 're-enabled user logs in');
});

test('PUT with a new password changes the password', async () => {
  const r = await createUser({ userName: 'pw_user', password: 'old-pass-1', roles: ['ROLE_AGENT'] });
  expectOk(await api(srv, 'PUT', `/api/v2/users/${r.json.id}`, { auth: 'admin', body: { password: 'new-pass-2' } }));
  expectAccessDenied(await api(srv, 'GET', '/api/v2/me', { auth: ['pw_user', 'old-pass-1'] }), 'old password');
  expectOk(await api(srv, 'GET', '/api/v2/me', { auth: ['pw_user', 'new-pass-2'] }), 'new password');
});

test('DELETE: the user can no longer log in', async () => {
  const r = await createUser({ userName: 'del_user', password: 'pw-del-1', roles: ['ROLE_AGENT'] });
  const id = r.json.id;
  expectOk(await api(srv, 'GET', '/api/v2/me', { auth: ['del_user', 'pw-del-1'] }), 'before DELETE');
  expectOk(await api(srv, 'DELETE', `/api/v2/users/${id}`, { auth: 'admin' }), 'DELETE');
  expectAccessDenied(await api(srv, 'GET', '/api/v2/me', { auth: ['del_user', 'pw-del-1'] }), 'after DELETE');
  const got = await api(srv, 'GET', `/api/v2/users/${id}`, { auth: 'admin' });
  assert.ok(got.status === 404 || (got.status === 200 && got.json.user.enabled === false),
    `a deleted user is gone (404) or shown disabled: ${show(got)}`);
});
