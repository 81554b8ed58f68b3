// Authentication: Basic, the JSESSIONID cookie, Access denied, session end / idle expiry,
// login rate limit, per-user session cap.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, cleanupAll, sleep } from '../lib/server.mjs';
import {
  api, login, post, channels, expectOk, expectStatus, expectAccessDenied, show,
} from '../lib/http.mjs';

const CHAT_READY = '9430250E-0A1B-421F-B372-F29E69366DED';

after(cleanupAll);

describe('basic and cookie authentication (default options)', () => {
  let srv;
  before(async () => { srv = await startServer(); });

  test('Basic login answers the user and sets an HttpOnly, SameSite=Lax JSESSIONID cookie', async () => {
    const r = await api(srv, 'GET', '/api/v2/me', { auth: 'agent1' });
    expectOk(r);
    assert.equal(r.json.user?.userName, 'agent1', show(r));
    assert.ok(r.cookieLine, `no JSESSIONID in Set-Cookie: ${JSON.stringify(r.setCookies)}`);
    assert.match(r.cookie, /^JSESSIONID=[^;\s]{16,}$/, 'cookie value should be a long opaque token');
    assert.match(r.cookieLine, /;\s*HttpOnly\b/i, r.cookieLine);
    assert.match(r.cookieLine, /;\s*SameSite=Lax\b/i, r.cookieLine);
    assert.doesNotMatch(r.cookieLine, /;\s*Secure\b/i, 'Secure only when served over TLS: ' + r.cookieLine);
  });

  test('the cookie alone then authenticates, as the same user', async () => {
    const s = await login(srv, 'agent1');
    const me = await api(srv, 'GET', '/api/v2/me', { cookie: s.cookie });
    expectOk(me);
    assert.equal(me.json.user.userName, 'agent1');
    assert.equal(me.json.user.id, s.user.id);
    const ch = await api(srv, 'GET', '/api/v2/me/channels', { cookie: s.cookie });
    expectOk(ch);
  });

  test('two Basic logins of different users get different cookies', async () => {
    const a = await login(srv, 'agent1');
    const b = await login(srv, 'agent2');
    assert.notEqual(a.cookie, b.cookie);
    const me = await api(srv, 'GET', '/api/v2/me', { cookie: b.cookie });
    expectOk(me);
    assert.equal(me.json.user.userName, 'agent2');
  });

  test('wrong password → 401 Access denied, no WWW-Authenticate, no usable session', async () => {
    const r = await api(srv, 'GET', '/api/v2/me', { auth: ['agent1', 'wrong-password'] });
    expectAccessDenied(r, 'wrong password');
    assert.deepEqual(r.json, { statusCode: 20, statusMessage: 'Access denied' });
    if (r.cookie) {
      const again = await api(srv, 'GET', '/api/v2/me', { cookie: r.cookie });
      expectAccessDenied(again, 'cookie set on a failed login must not authenticate');
    }
  });

  test('unknown user → 401 Access denied', async () => {
    const r = await api(srv, 'GET', '/api/v2/me', { auth: ['nobody-here', 'password'] });
    expectAccessDenied(r, 'unknown user');
  });

  test('no credentials → 401 Access denied on every protected call', async () => {
    for (const [m, p, body] of [
      ['GET', '/api/v2/me'],
      ['GET', '/api/v2/me/channels'],
      ['GET', '/api/v2/users'],
      ['POST', '/api/v2/me', { operationName: 'StartContactCenterSession', channels: ['chat'] }],
      ['POST', '/api/v2/me/channels/chat', { operationName: 'Ready' }],
    ]) {
      const r = await api(srv, m, p, { body });
      expectAccessDenied(r, `${m} ${p} without credentials`);
      assert.deepEqual(r.json, { statusCode: 20, statusMessage: 'Access denied' }, `${m} ${p}`);
    }
  });

  test('forged cookie, malformed Basic and non-Basic schemes → 401', async () => {
    const cases = [
      { cookie: 'JSESSIONID=0000000000000000000000000000000000000000' },
      { headers: { authorization: 'Basic !!!not-base64!!!' } },
      { headers: { authorization: 'Basic ' + Buffer.from('agent1').toString('base64') } },
      { headers: { authorization: 'Bearer abcdef' } },
    ];
    for (const c of cases) {
      const r = await api(srv, 'GET', '/api/v2/me', c);
      expectAccessDenied(r, JSON.stringify(c));
    }
  });

  test('EndContactCenterSession ends every HTTP session of the user', async () => {
    const s1 = await login(srv, 'agent2');
    const s2 = await login(srv, 'agent2');
    expectOk(await post(srv, s1, '/api/v2/me', { operationName: 'StartContactCenterSession', channels: ['chat'] }));
    expectOk(await api(srv, 'GET', '/api/v2/me', { cookie: s2.cookie }), 'second session before End');
    expectOk(await post(srv, s1, '/api/v2/me', { operationName: 'EndContactCenterSession' }));
    expectAccessDenied(await api(srv, 'GET', '/api/v2/me', { cookie: s1.cookie }), 'cookie after End');
    expectAccessDenied(await api(srv, 'GET', '/api/v2/me', { cookie: s2.cookie }), 'other session of the same user after End');
    // the user can log in again and is logged out of every channel
    assert.deepEqual(await channels(srv, 'agent2'), []);
  });
});

describe('session idle timeout (--session-idle-timeout 4)', () => {
  let srv;
  before(async () => { srv = await startServer({ flags: ['--session-idle-timeout', '4'] }); });

  test('an idle session expires and a Ready agent is logged out', async () => {
    const s = await login(srv, 'agent1');
    expectOk(await post(srv, s, '/api/v2/me', { operationName: 'StartContactCenterSession', channels: ['chat'] }));
    expectOk(await post(srv, s, '/api/v2/me/channels/chat', { operationName: 'Ready' }));
    const ch = await channels(srv, s);
    assert.equal(ch[0]?.userState?.id, CHAT_READY, JSON.stringify(ch));
    // activity keeps it alive
    // (timeout 4 s: each request comes 2.5 s after the last, so the two together outlast
    // the timeout while leaving 1.5 s of slack for a slow machine)
    await sleep(2500);
    expectOk(await api(srv, 'GET', '/api/v2/me', { cookie: s.cookie }), 'cookie 2.5 s after the last request');
    await sleep(2500);
    expectOk(await api(srv, 'GET', '/api/v2/me', { cookie: s.cookie }), 'cookie 2.5 s after the last request (5 s after login)');
    // then idle for well over the timeout
    await sleep(6000);
    expectAccessDenied(await api(srv, 'GET', '/api/v2/me', { cookie: s.cookie }), 'cookie after 6 s idle');
    const after = await channels(srv, 'agent1');
    assert.deepEqual(after, [], 'agent idle past the timeout must be logged out of every channel');
  });
});

describe('per-user session cap (--max-sessions-per-user 2)', () => {
  let srv;
  before(async () => { srv = await startServer({ flags: ['--max-sessions-per-user', '2'] }); });

  test('a third session evicts the oldest one', async () => {
    const cookies = [];
    for (let i = 0; i < 3; i++) {
      const r = await api(srv, 'GET', '/api/v2/me', { auth: 'agent1' });
      expectOk(r, `login ${i + 1}`);
      assert.ok(r.cookie, `login ${i + 1} set no cookie`);
      cookies.push(r.cookie);
    }
    assert.equal(new Set(cookies).size, 3, 'each cookieless login gets its own session');
    expectAccessDenied(await api(srv, 'GET', '/api/v2/me', { cookie: cookies[0] }), 'oldest cookie');
    expectOk(await api(srv, 'GET', '/api/v2/me', { cookie: cookies[2] }), 'newest cookie');
    expectOk(await api(srv, 'GET', '/api/v2/me', { cookie: cookies[1] }), 'second cookie (within the cap)');
  });

  test('the cap is per user: another user is not affected', async () => {
    const a = await login(srv, 'agent2');
    for (let i = 0; i < 2; i++) await login(srv, 'supervisor1');
    expectOk(await api(srv, 'GET', '/api/v2/me', { cookie: a.cookie }), 'agent2 session after supervisor1 logins');
  });
});

describe('login rate limit (--login-failures-per-minute 3)', () => {
  let srv;
  before(async () => { srv = await startServer({ flags: ['--login-failures-per-minute', '3'] }); });

  test('the 4th failed login in a minute → 429 statusCode 3 with Retry-After', async () => {
    for (let i = 1; i <= 3; i++) {
      expectAccessDenied(await api(srv, 'GET', '/api/v2/me', { auth: ['agent2', `bad-${i}`] }), `failure ${i}`);
    }
    for (let i = 4; i <= 5; i++) {
      const r = await api(srv, 'GET', '/api/v2/me', { auth: ['agent2', `bad-${i}`] });
      expectStatus(r, 429, 3, `failure ${i}`);
      const ra = r.headers.get('retry-after');
      assert.ok(ra !== null, 'Retry-After header is required on 429');
      assert.match(ra, /^\d+$/, `Retry-After should be delta-seconds, got ${ra}`);
      assert.ok(Number(ra) >= 1 && Number(ra) <= 60, `Retry-After ${ra} should be within the 1-minute window`);
    }
  });
});
