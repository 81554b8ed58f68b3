// CSRF token: advertised on GETs, required on cookie-only POST/PUT/DELETE, not on Basic; off
// with --csrf false.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, cleanupAll } from '../lib/server.mjs';
import { api, login, channels, expectOk, expectStatus, show } from '../lib/http.mjs';

const READY = '9430250E-0A1B-421F-B372-F29E69366DED';
const NOT_READY = '900D55CC-2BB0-431F-8BF9-D3525B383BE6';
const CSRF_ERR = { statusCode: 3, statusMessage: 'Missing or invalid Csrf token' };

after(cleanupAll);

function expectCsrfRefused(r, what) {
  expectStatus(r, 403, 3, what);
  assert.deepEqual(r.json, CSRF_ERR, `${what}: ${show(r)}`);
}

describe('CSRF on (default)', () => {
  let srv;
  before(async () => { srv = await startServer(); });

  test('authenticated GETs advertise X-CSRF-HEADER and this session\'s X-CSRF-TOKEN', async () => {
    const s = await login(srv, 'agent1');
    assert.equal(s.res.headers.get('x-csrf-header'), 'X-CSRF-TOKEN', 'X-CSRF-HEADER on the login GET');
    assert.ok(s.csrf && s.csrf.length >= 16, `X-CSRF-TOKEN on the login GET: ${s.csrf}`);
    for (const p of ['/api/v2/me', '/api/v2/me/channels']) {
      const r = await api(srv, 'GET', p, { cookie: s.cookie });
      expectStatus(r, 200, 0, p);
      assert.equal(r.headers.get('x-csrf-header'), 'X-CSRF-TOKEN', `${p}: X-CSRF-HEADER`);
      assert.equal(r.csrf, s.csrf, `${p}: the token belongs to the session and stays the same`);
    }
    const other = await login(srv, 'agent2');
    assert.notEqual(other.csrf, s.csrf, 'two sessions must not share a token');
  });

  test('cookie-only POST without a token → 403 statusCode 3 and nothing changes', async () => {
    const s = await login(srv, 'agent1');
    // Basic-authenticated POST needs no token
    expectOk(await api(srv, 'POST', '/api/v2/me', {
      auth: 'agent1', body: { operationName: 'StartContactCenterSession', channels: ['chat'] },
    }), 'Basic POST without token');
    let ch = await channels(srv, s);
    assert.equal(ch[0]?.userState?.id, NOT_READY, JSON.stringify(ch));

    const noToken = await api(srv, 'POST', '/api/v2/me/channels/chat', {
      cookie: s.cookie, body: { operationName: 'Ready' },
    });
    expectCsrfRefused(noToken, 'cookie POST without token');
    ch = await channels(srv, s);
    assert.equal(ch[0]?.userState?.id, NOT_READY, 'a refused request changes nothing');

    const wrong = await api(srv, 'POST', '/api/v2/me/channels/chat', {
      cookie: s.cookie, csrf: 'x' + s.csrf.slice(1) + 'x', body: { operationName: 'Ready' },
    });
    expectCsrfRefused(wrong, 'cookie POST with a wrong token');
    const empty = await api(srv, 'POST', '/api/v2/me/channels/chat', {
      cookie: s.cookie, headers: { 'x-csrf-token': '' }, body: { operationName: 'Ready' },
    });
    expectCsrfRefused(empty, 'cookie POST with an empty token');
    ch = await channels(srv, s);
    assert.equal(ch[0]?.userState?.id, NOT_READY, 'a refused request changes nothing');

    expectOk(await api(srv, 'POST', '/api/v2/me/channels/chat', {
      cookie: s.cookie, csrf: s.csrf, body: { operationName: 'Ready' },
    }), 'cookie POST with the right token');
    ch = await channels(srv, s);
    assert.equal(ch[0]?.userState?.id, READY, JSON.stringify(ch));
  });

  test('another session\'s token is not accepted', async () => {
    const a = await login(srv, 'agent2');
    const b = await login(srv, 'agent2');
    const r = await api(srv, 'POST', '/api/v2/me', {
      cookie: a.cookie, csrf: b.csrf, body: { operationName: 'StartContactCenterSession', channels: ['chat'] },
    });
    expectCsrfRefused(r, 'token of another session');
  });

  test('cookie-only PUT and DELETE need the token too', async () => {
    const adm = await login(srv, 'admin');
    const created = await api(srv, 'POST', '/api/v2/users', {
      auth: 'admin',
      body: { userName: 'csrf_victim', password: 'pw-csrf-1', firstName: 'C', lastName: 'V', roles: ['ROLE_AGENT'] },
    });
    expectOk(created, 'create user');
    const id = created.json.id;
    expectCsrfRefused(await api(srv, 'PUT', `/api/v2/users/${id}`, {
      cookie: adm.cookie, body: { firstName: 'Changed' },
    }), 'PUT without token');
    expectCsrfRefused(await api(srv, 'DELETE', `/api/v2/users/${id}`, { cookie: adm.cookie }), 'DELETE without token');
    const u = await api(srv, 'GET', `/api/v2/users/${id}`, { cookie: adm.cookie });
    expectOk(u);
    assert.equal(u.json.user.firstName, 'C', 'refused PUT changed nothing');
    assert.equal(u.json.user.enabled, true, 'refused DELETE changed nothing');
    expectOk(await api(srv, 'PUT', `/api/v2/users/${id}`, {
      cookie: adm.cookie, csrf: adm.csrf, body: { firstName: 'Changed' },
    }), 'PUT with token');
  });

  test('CSRF is checked before roles and before the body (error precedence)', async () => {
    const ag = await login(srv, 'agent1');
    expectCsrfRefused(await api(srv, 'POST', '/api/v2/users', {
      cookie: ag.cookie, body: { userName: 'x', password: 'y', roles: ['ROLE_AGENT'] },
    }), 'agent without token POST /users (3 before 5)');
    expectCsrfRefused(await api(srv, 'POST', '/api/v2/me', {
      cookie: ag.cookie, body: '{"operationName":',
    }), 'malformed JSON without token (3 before 10)');
    expectCsrfRefused(await api(srv, 'POST', '/api/v2/me', {
      cookie: ag.cookie, body: { operationName: 'NoSuchOperation' },
    }), 'unknown operation without token (3 before 10)');
  });
});

describe('CSRF off (--csrf false)', () => {
  let srv;
  before(async () => { srv = await startServer({ flags: ['--csrf', 'false'] }); });

  test('cookie-only POST without a token is accepted', async () => {
    const s = await login(srv, 'agent1');
    const r = await api(srv, 'POST', '/api/v2/me', {
      cookie: s.cookie, body: { operationName: 'StartContactCenterSession', channels: ['chat'] },
    });
    expectOk(r, 'cookie POST without token, CSRF off');
    expectOk(await api(srv, 'POST', '/api/v2/me/channels/chat', {
      cookie: s.cookie, body: { operationName: 'Ready' },
    }));
    const ch = await channels(srv, s);
    assert.equal(ch[0]?.userState?.id, READY, JSON.stringify(ch));
  });
});
