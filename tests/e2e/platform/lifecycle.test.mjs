// Diagnostics (version, healthz, metrics), restart persistence, SIGTERM / SIGKILL behaviour.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, cleanupAll, sleep } from '../lib/server.mjs';
import {
  api, login, post, channels, expectOk, expectAccessDenied, RawConn, basic, show,
} from '../lib/http.mjs';

const READY = '9430250E-0A1B-421F-B372-F29E69366DED';
const NOT_READY = '900D55CC-2BB0-431F-8BF9-D3525B383BE6';

after(cleanupAll);

/** Sum of all samples of a metric family in Prometheus text. */
function metricSum(text, name) {
  let sum = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m && m[1] === name) {
      sum += Number(m[3]);
      found = true;
    }
  }
  return found ? sum : null;
}

async function stopTimed(srv) {
  const t0 = Date.now();
  const code = await srv.stop(5000); // rejects if not exited within 5 s
  return { code, ms: Date.now() - t0 };
}

describe('diagnostics', () => {
  let srv;
  before(async () => { srv = await startServer(); });

  test('GET /api/v2/diagnostics/version needs no auth and answers a semver', async () => {
    const r = await api(srv, 'GET', '/api/v2/diagnostics/version');
    expectOk(r);
    assert.deepEqual(Object.keys(r.json).sort(), ['statusCode', 'version']);
    assert.match(r.json.version, /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/, r.json.version);
  });

  test('GET /healthz → 200 without auth', async () => {
    const r = await api(srv, 'GET', '/healthz');
    assert.equal(r.status, 200, show(r));
  });

  test('GET /metrics is Prometheus text with parley_http_requests_total counting requests', async () => {
    const m1 = await api(srv, 'GET', '/metrics');
    assert.equal(m1.status, 200, show(m1));
    assert.match(m1.headers.get('content-type') || '', /^text\/plain/i);
    assert.match(m1.text, /^# TYPE \S+ (counter|gauge|histogram|summary|untyped)$/m, 'has # TYPE lines');
    assert.match(m1.text, /^# TYPE parley_http_requests_total counter$/m, 'parley_http_requests_total is a counter');
    const before = metricSum(m1.text, 'parley_http_requests_total');
    assert.ok(before !== null, 'parley_http_requests_total has at least one sample');
    for (let i = 0; i < 5; i++) await api(srv, 'GET', '/api/v2/diagnostics/version');
    const m2 = await api(srv, 'GET', '/metrics');
    const afterSum = metricSum(m2.text, 'parley_http_requests_total');
    assert.ok(afterSum >= before + 5, `counter should grow by at least 5: ${before} → ${afterSum}`);
  });

  test('GET /metrics covers connections, sessions and the store commit latency histogram', async () => {
    const m = await api(srv, 'GET', '/metrics');
    assert.equal(m.status, 200, show(m));
    const types = m.text.split('\n').filter((l) => l.startsWith('# TYPE '));
    const names = types.map((l) => l.split(' ')[2]);
    assert.ok(names.some((n) => /^parley_.*connection/.test(n)), `a connections metric: ${names}`);
    assert.ok(names.some((n) => /^parley_.*session/.test(n)), `a sessions metric: ${names}`);
    assert.ok(types.some((l) => /^# TYPE parley_\S*(store|commit)\S* histogram$/.test(l)),
      `a store commit latency histogram (platform.md, Command line and configuration): ${names}`);
  });
});

describe('restart keeps users, agent state and HTTP sessions', () => {
  let srv;
  const st = {};
  before(async () => {
    srv = await startServer();
    const created = await api(srv, 'POST', '/api/v2/users', {
      auth: 'admin',
      body: { userName: 'persisted', password: 'pw-persist-1', firstName: 'Per', lastName: 'Sisted', roles: ['ROLE_AGENT'] },
    });
    expectOk(created, 'create user');
    st.userId = created.json.id;
    st.a1 = await login(srv, 'agent1');
    expectOk(await post(srv, st.a1, '/api/v2/me', { operationName: 'StartContactCenterSession', channels: ['chat'] }));
    expectOk(await post(srv, st.a1, '/api/v2/me/channels/chat', { operationName: 'Ready' }));
    st.sup = await login(srv, 'supervisor1');
    expectOk(await post(srv, st.sup, '/api/v2/me', { operationName: 'StartContactCenterSession', channels: ['chat'] }));
    expectOk(await post(srv, st.sup, '/api/v2/me/channels/chat', { operationName: 'NotReady', reason: 'Lunch' }));
    const { code, ms } = await stopTimed(srv);
    st.stop = { code, ms };
    await srv.start();
  });

  test('SIGTERM on an idle server exits 0 within 5 s', () => {
    assert.equal(st.stop.code, 0, `exit code ${st.stop.code}\n${srv.output()}`);
    assert.ok(st.stop.ms < 5000, `${st.stop.ms} ms`);
  });

  test('a user created through the API still exists and logs in', async () => {
    const me = await api(srv, 'GET', '/api/v2/me', { auth: ['persisted', 'pw-persist-1'] });
    expectOk(me);
    assert.equal(me.json.user.id, st.userId);
    assert.equal(me.json.user.lastName, 'Sisted');
    expectAccessDenied(await api(srv, 'GET', '/api/v2/me', { auth: ['persisted', 'wrong'] }), 'wrong password after restart');
  });

  test('--demo on an existing data dir does not duplicate the demo users', async () => {
    const r = await api(srv, 'GET', '/api/v2/users', { auth: 'admin' });
    expectOk(r);
    const n = r.json.users.filter((u) => u.userName === 'agent1').length;
    assert.equal(n, 1, `agent1 listed ${n} times`);
  });

  test('the JSESSIONID cookie still works after a restart', async () => {
    const me = await api(srv, 'GET', '/api/v2/me', { cookie: st.a1.cookie });
    expectOk(me, 'cookie after restart');
    assert.equal(me.json.user.userName, 'agent1');
  });

  test('agent states survive: Ready stays Ready, NotReady keeps its reason', async () => {
    const a = await channels(srv, 'agent1');
    assert.equal(a[0]?.channel, 'chat', JSON.stringify(a));
    assert.equal(a[0].userState.id, READY, JSON.stringify(a));
    assert.equal(a[0].userState.state, 'Ready');
    const s = await channels(srv, 'supervisor1');
    assert.equal(s[0]?.userState?.id, NOT_READY, JSON.stringify(s));
    assert.equal(s[0].userState.reason, 'Lunch', JSON.stringify(s));
  });

  test('the session\'s CSRF token still works after a restart', async () => {
    expectOk(await post(srv, st.a1, '/api/v2/me/channels/chat', { operationName: 'NotReady' }), 'POST with the old token');
    const a = await channels(srv, st.a1);
    assert.equal(a[0].userState.id, NOT_READY);
  });
});

describe('SIGTERM with work in flight', () => {
  test('exits 0 within 5 s while requests are in flight', async () => {
    const srv = await startServer();
    // a request whose body is still arriving
    const partial = await RawConn.open(srv.port);
    await partial.write(`POST /api/v2/me HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nAuthorization: ${basic('agent1')}\r\n` +
      'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"operationName":');
    // a keep-alive connection at rest
    const idle = await RawConn.open(srv.port);
    await idle.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\n\r\n`);
    await idle.readResponse(3000);
    // a few logins (password hashing) in flight
    const inflight = ['agent1', 'agent2', 'supervisor1', 'admin', 'agent1', 'agent2'].map((u) =>
      api(srv, 'GET', '/api/v2/me', { auth: u }).catch((e) => e));
    await sleep(30);
    const { code, ms } = await stopTimed(srv);
    partial.destroy();
    idle.destroy();
    const results = await Promise.all(inflight);
    assert.equal(code, 0, `exit code ${code} (${JSON.stringify(srv.exit)})\n${srv.output()}`);
    assert.ok(ms < 5000, `took ${ms} ms`);
    for (const r of results) {
      if (r instanceof Error) continue; // refused or cut off is fine
      assert.ok([200, 503].includes(r.status), `an answered in-flight request is a success or 503: ${show(r)}`);
    }
  });
});

describe('crash safety', () => {
  test('acknowledged changes survive SIGKILL', async () => {
    const srv = await startServer();
    expectOk(await api(srv, 'POST', '/api/v2/users', {
      auth: 'admin', body: { userName: 'survivor', password: 'pw-survive-1', roles: ['ROLE_AGENT'] },
    }));
    const s = await login(srv, 'agent2');
    expectOk(await post(srv, s, '/api/v2/me', { operationName: 'StartContactCenterSession', channels: ['chat'] }));
    expectOk(await post(srv, s, '/api/v2/me', { operationName: 'Ready' }));
    await srv.kill();
    await srv.start();
    expectOk(await api(srv, 'GET', '/api/v2/me', { auth: ['survivor', 'pw-survive-1'] }), 'user created before SIGKILL');
    expectOk(await api(srv, 'GET', '/api/v2/me', { cookie: s.cookie }), 'session created before SIGKILL');
    const c = await channels(srv, 'agent2');
    assert.equal(c[0]?.userState?.id, READY, `state acknowledged before SIGKILL: ${JSON.stringify(c)}`);
  });
});
