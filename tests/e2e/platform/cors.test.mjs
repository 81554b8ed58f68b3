// CORS with --cors-origins.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, cleanupAll } from '../lib/server.mjs';
import { api, login, expectOk, show } from '../lib/http.mjs';

const A = 'http://a.example';
const B = 'http://b.example';
const EVIL = 'http://evil.example';

let srv;
before(async () => { srv = await startServer({ flags: ['--cors-origins', `${A},${B}`] }); });
after(cleanupAll);

function list(h) {
  return (h || '').split(',').map((x) => x.trim().toLowerCase()).filter(Boolean);
}

function preflight(origin, method = 'POST', reqHeaders = 'content-type,x-csrf-token') {
  return api(srv, 'OPTIONS', '/api/v2/me', {
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': reqHeaders },
  });
}

test('preflight from an allowed origin: 2xx, origin echoed, credentials, the documented headers', async () => {
  const r = await preflight(A);
  assert.ok(r.status >= 200 && r.status < 300, `preflight needs no credentials and gets 2xx: ${show(r)}`);
  assert.equal(r.headers.get('access-control-allow-origin'), A);
  assert.equal(r.headers.get('access-control-allow-credentials'), 'true');
  const allowed = list(r.headers.get('access-control-allow-headers'));
  for (const h of ['x-requested-with', 'content-type', 'accept', 'origin', 'authorization', 'x-csrf-token', 'contactcenterid']) {
    assert.ok(allowed.includes(h), `Access-Control-Allow-Headers should include ${h}: ${r.headers.get('access-control-allow-headers')}`);
  }
});

test('preflight for PUT and DELETE lists those methods', async () => {
  for (const m of ['PUT', 'DELETE']) {
    const r = await api(srv, 'OPTIONS', '/api/v2/users/0123456789abcdef0123456789abcdef', {
      headers: { origin: B, 'access-control-request-method': m, 'access-control-request-headers': 'x-csrf-token' },
    });
    assert.ok(r.status >= 200 && r.status < 300, show(r));
    assert.equal(r.headers.get('access-control-allow-origin'), B);
    const methods = list(r.headers.get('access-control-allow-methods')).map((x) => x.toUpperCase());
    assert.ok(methods.includes(m) || methods.includes('*'), `Allow-Methods should include ${m}: ${methods}`);
  }
});

test('an actual request from an allowed origin exposes the CSRF headers', async () => {
  const r = await api(srv, 'GET', '/api/v2/me', { auth: 'agent1', headers: { origin: A } });
  expectOk(r);
  assert.equal(r.headers.get('access-control-allow-origin'), A);
  assert.equal(r.headers.get('access-control-allow-credentials'), 'true');
  const exposed = list(r.headers.get('access-control-expose-headers'));
  assert.ok(exposed.includes('x-csrf-header'), `expose X-CSRF-HEADER: ${r.headers.get('access-control-expose-headers')}`);
  assert.ok(exposed.includes('x-csrf-token'), `expose X-CSRF-TOKEN: ${r.headers.get('access-control-expose-headers')}`);
});

test('the second configured origin is allowed too', async () => {
  const r = await api(srv, 'GET', '/api/v2/diagnostics/version', { headers: { origin: B } });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('access-control-allow-origin'), B);
});

test('errors from an allowed origin still carry CORS headers (the page can read them)', async () => {
  const r = await api(srv, 'GET', '/api/v2/me', { headers: { origin: A } });
  assert.equal(r.status, 401, show(r));
  assert.equal(r.headers.get('access-control-allow-origin'), A);
});

test('another origin gets no Access-Control-Allow-Origin', async () => {
  const p = await preflight(EVIL);
  assert.equal(p.headers.get('access-control-allow-origin'), null, `preflight from ${EVIL}: ${show(p)}`);
  assert.equal(p.headers.get('access-control-allow-credentials'), null);
  const g = await api(srv, 'GET', '/api/v2/me', { auth: 'agent1', headers: { origin: EVIL } });
  assert.equal(g.headers.get('access-control-allow-origin'), null, `GET from ${EVIL}`);
  for (const o of ['http://a.example.evil.example', 'https://a.example', 'http://a.example:8080', 'null']) {
    const x = await preflight(o);
    assert.equal(x.headers.get('access-control-allow-origin'), null, `preflight from ${o} must not be allowed`);
  }
});

test('a cookie-authenticated cross-origin POST from an allowed origin still needs the CSRF token', async () => {
  const s = await login(srv, 'agent2');
  const r = await api(srv, 'POST', '/api/v2/me', {
    cookie: s.cookie, headers: { origin: A }, body: { operationName: 'StartContactCenterSession', channels: ['chat'] },
  });
  assert.equal(r.status, 403, show(r));
  assert.equal(r.json?.statusCode, 3);
  const ok = await api(srv, 'POST', '/api/v2/me', {
    cookie: s.cookie, csrf: s.csrf, headers: { origin: A }, body: { operationName: 'StartContactCenterSession', channels: ['chat'] },
  });
  expectOk(ok);
  assert.equal(ok.headers.get('access-control-allow-origin'), A);
});
