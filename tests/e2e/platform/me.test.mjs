// GET /api/v2/me, subresources, the contact-center session and the chat channel's agent state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, cleanupAll } from '../lib/server.mjs';
import {
  api, login, post, channels, expectOk, expectStatus, show, rawRequest, basic,
} from '../lib/http.mjs';

const READY = '9430250E-0A1B-421F-B372-F29E69366DED';
const NOT_READY = '900D55CC-2BB0-431F-8BF9-D3525B383BE6';

let srv;
before(async () => { srv = await startServer(); });
after(cleanupAll);

function chatEntry(list) {
  const c = list.find((x) => x.channel === 'chat');
  assert.ok(c, `no chat channel in ${JSON.stringify(list)}`);
  return c;
}

test('GET /api/v2/me answers the user object with every documented field', async () => {
  const r = await api(srv, 'GET', '/api/v2/me', { auth: 'agent1' });
  expectOk(r);
  const u = r.json.user;
  assert.ok(u && typeof u === 'object', show(r));
  assert.match(u.id, /^[0-9a-f]{32}$/, 'user id: 32 lower-case hex digits');
  assert.equal(u.userName, 'agent1');
  for (const k of ['firstName', 'lastName', 'emailAddress']) {
    assert.equal(typeof u[k], 'string', `${k} should be a string: ${show(r)}`);
  }
  assert.deepEqual(u.roles, ['ROLE_AGENT']);
  assert.equal(u.enabled, true);
  assert.equal(u.path, `/users/${u.id}`);
  assert.equal(u.uri, `${srv.base}/api/v2/users/${u.id}`, 'uri is absolute, built from the Host header');
  assert.match(r.headers.get('content-type') || '', /^application\/json/i);
  for (const k of ['features', 'channels', 'settings']) {
    assert.equal(k in u, false, `${k} must be absent without subresources: ${show(r)}`);
  }
});

test('roles of the demo users', async () => {
  const sup = await api(srv, 'GET', '/api/v2/me', { auth: 'supervisor1' });
  expectOk(sup);
  assert.deepEqual([...sup.json.user.roles].sort(), ['ROLE_AGENT', 'ROLE_SUPERVISOR']);
  const adm = await api(srv, 'GET', '/api/v2/me', { auth: 'admin' });
  expectOk(adm);
  assert.deepEqual(adm.json.user.roles, ['ROLE_ADMIN']);
});

test('?subresources=* embeds features (api-multimedia), channels and settings', async () => {
  const r = await api(srv, 'GET', '/api/v2/me?subresources=*', { auth: 'agent2' });
  expectOk(r);
  const u = r.json.user;
  assert.ok(Array.isArray(u.features), `features: ${show(r)}`);
  assert.ok(u.features.includes('api-multimedia'), `features: ${JSON.stringify(u.features)}`);
  assert.ok(Array.isArray(u.channels), `channels: ${show(r)}`);
  assert.ok('settings' in u && u.settings !== null && typeof u.settings === 'object', `settings: ${show(r)}`);
  assert.equal(u.userName, 'agent2');
});

test('?subresources=features embeds only the features', async () => {
  const r = await api(srv, 'GET', '/api/v2/me?subresources=features', { auth: 'agent2' });
  expectOk(r);
  assert.ok(r.json.user.features?.includes('api-multimedia'), show(r));
  assert.equal('settings' in r.json.user, false, show(r));
});

test('channels are empty before StartContactCenterSession; Ready/NotReady need a session', async () => {
  const s = await login(srv, 'agent1');
  assert.deepEqual(await channels(srv, s), []);
  const full = await api(srv, 'GET', '/api/v2/me/channels', { cookie: s.cookie });
  assert.deepEqual(full.json, { statusCode: 0, channels: [] });
  for (const [p, body] of [
    ['/api/v2/me', { operationName: 'Ready' }],
    ['/api/v2/me', { operationName: 'NotReady' }],
    ['/api/v2/me/channels/chat', { operationName: 'Ready' }],
    ['/api/v2/me/channels/chat', { operationName: 'NotReady', reason: 'Lunch' }],
  ]) {
    expectStatus(await post(srv, s, p, body), 409, 2, `${body.operationName} on ${p} without a session`);
  }
  assert.deepEqual(await channels(srv, s), [], 'refused requests change nothing');
});

test('StartContactCenterSession without channels → statusCode 1; unknown channel only → 2', async () => {
  const s = await login(srv, 'agent1');
  expectStatus(await post(srv, s, '/api/v2/me', { operationName: 'StartContactCenterSession' }), 400, 1, 'no channels');
  expectStatus(await post(srv, s, '/api/v2/me', { operationName: 'StartContactCenterSession', channels: ['voice'] }),
    409, 2, 'channels ["voice"]');
  assert.deepEqual(await channels(srv, s), [], 'refused requests change nothing');
});

test('agent state walk: Start → NotReady, Ready, NotReady(Lunch), /me Ready, /me NotReady, End', async () => {
  const s = await login(srv, 'agent1');
  expectOk(await post(srv, s, '/api/v2/me', { operationName: 'StartContactCenterSession', channels: ['chat'] }));
  let list = await channels(srv, s);
  assert.equal(list.length, 1, JSON.stringify(list));
  let c = chatEntry(list);
  assert.equal(c.userState.id, NOT_READY);
  assert.equal(c.userState.state, 'NotReady');
  assert.equal('reason' in c.userState, false, 'no reason unless one was given');

  expectOk(await post(srv, s, '/api/v2/me/channels/chat', { operationName: 'Ready' }));
  const r = await api(srv, 'GET', '/api/v2/me/channels', { cookie: s.cookie });
  assert.deepEqual(r.json, {
    statusCode: 0,
    channels: [{ channel: 'chat', userState: { id: READY, state: 'Ready', displayName: 'Ready' } }],
  }, show(r));

  expectOk(await post(srv, s, '/api/v2/me/channels/chat', { operationName: 'NotReady', reason: 'Lunch' }));
  c = chatEntry(await channels(srv, s));
  assert.equal(c.userState.id, NOT_READY);
  assert.equal(c.userState.state, 'NotReady');
  assert.equal(c.userState.reason, 'Lunch');

  expectOk(await post(srv, s, '/api/v2/me', { operationName: 'Ready' }));
  c = chatEntry(await channels(srv, s));
  assert.equal(c.userState.id, READY);
  assert.equal('reason' in c.userState, false, `Ready carries no reason: ${JSON.stringify(c)}`);

  expectOk(await post(srv, s, '/api/v2/me', { operationName: 'NotReady' }));
  c = chatEntry(await channels(srv, s));
  assert.equal(c.userState.id, NOT_READY);
  assert.equal(c.userState.state, 'NotReady');

  // the embedded channels agree with /me/channels
  const me = await api(srv, 'GET', '/api/v2/me?subresources=*', { cookie: s.cookie });
  expectOk(me);
  assert.equal(chatEntry(me.json.user.channels).userState.id, NOT_READY, show(me));

  expectOk(await post(srv, s, '/api/v2/me', { operationName: 'EndContactCenterSession' }));
  assert.deepEqual(await channels(srv, 'agent1'), [], 'logged out of every channel');
});

test('StartContactCenterSession with chat and voice → statusCode 7 with per-channel results', async () => {
  const r = await api(srv, 'POST', '/api/v2/me', {
    auth: 'agent2', body: { operationName: 'StartContactCenterSession', channels: ['chat', 'voice'] },
  });
  expectStatus(r, 200, 7, 'chat+voice');
  assert.ok(Array.isArray(r.json.channels), `channels results: ${show(r)}`);
  const byName = Object.fromEntries(r.json.channels.map((x) => [x.channel, x]));
  assert.equal(byName.chat?.statusCode, 0, show(r));
  assert.equal(byName.voice?.statusCode, 2, show(r));
  const c = chatEntry(await channels(srv, 'agent2'));
  assert.equal(c.userState.id, NOT_READY, 'the chat channel is logged in');
});

test('each agent has their own state', async () => {
  const a = await login(srv, 'supervisor1');
  expectOk(await post(srv, a, '/api/v2/me', { operationName: 'StartContactCenterSession', channels: ['chat'] }));
  expectOk(await post(srv, a, '/api/v2/me', { operationName: 'Ready' }));
  assert.equal(chatEntry(await channels(srv, a)).userState.id, READY);
  // agent2 was left NotReady by the previous test
  assert.equal(chatEntry(await channels(srv, 'agent2')).userState.id, NOT_READY);
});

test('uri is built from the request\'s Host header', async () => {
  const r = await rawRequest(srv.port, `GET /api/v2/me HTTP/1.1\r\nHost: chat.example.org:8443\r\n` +
    `Authorization: ${basic('agent1')}\r\nConnection: close\r\n\r\n`);
  assert.equal(r?.status, 200, show(r));
  const u = r.json.user;
  assert.equal(u.uri, `http://chat.example.org:8443/api/v2/users/${u.id}`);
});

test('--public-base-url overrides the Host header in uri fields', async () => {
  const pub = await startServer({ flags: ['--public-base-url', 'https://parley.example.com'] });
  const r = await api(pub, 'GET', '/api/v2/me', { auth: 'agent1' });
  expectOk(r);
  assert.equal(r.json.user.uri, `https://parley.example.com/api/v2/users/${r.json.user.id}`);
  assert.equal(r.json.user.path, `/users/${r.json.user.id}`);
});
