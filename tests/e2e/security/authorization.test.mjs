// Authorization matrix (black box): for every route of `parley routes` (static pages aside), every
// operationName of chat.md / supervision.md, the /me and channel operations, the supervision
// calls, the customer API and both CometD endpoints, and for each kind of caller, the outcome the
// contract (spec/platform.md, chat.md, supervision.md, customer.md, notifications.md) states:
// authorized (2xx / statusCode 0, or 409/2 "not valid in the current state", which an authorized
// caller may get because of the chat's state) or refused (401/20, 403/5, 404/6, customer 404/104…).
//
// Every cell is run against the real server and asserted. A refused "not found" answer must be
// indistinguishable from the answer for an id that does not exist (same HTTP status, statusCode
// and message), for agents and supervisors (GWS) and for customers (customer API).
//
// Requests are sent from rotating loopback source addresses (127.0.0.2…) so that the per-address
// brute-force guards (failed logins, failed secureKeys: 20 a minute) do not turn the refusals this
// file provokes on purpose into 429s.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { cleanupAll, DEMO_PASSWORD } from '../lib/server.mjs';
import { login, post, show } from '../lib/http.mjs';
import { disconnectAll, agent } from '../lib/bayeux.mjs';
import { startChatServer, chatAgent, acceptedChat, SERVICE, formBody } from '../lib/chat.mjs';
import { supervisor } from '../lib/supervision.mjs';

const j = (x) => JSON.stringify(x);

// ---------------------------------------------------------------------------------------------
// Callers (columns)

const CALLERS = [
  ['anon', 'no credentials'],
  ['badpw', 'agent1 with a wrong password (Basic)'],
  ['disabled', 'a disabled user (Basic, right password)'],
  ['agentP', 'agent1: handling agent, participant of the chat'],
  ['agentN', 'agent2: agent, NOT a participant'],
  ['noFeat', 'an agent whose api-multimedia feature is off'],
  ['supP', 'supervisor1: participant by supervising agent1 (Monitor)'],
  ['supN', 'sup2: supervisor, NOT a participant'],
  ['admin', 'admin (ROLE_ADMIN only)'],
  ['custP', 'the customer of the chat (right userId+secureKey)'],
  ['custO', 'the customer of ANOTHER chat (own userId+secureKey, this chatId)'],
  ['custBad', 'the customer of the chat with a wrong secureKey'],
];
const NAMES = CALLERS.map((c) => c[0]);
const GWS_USERS = ['agentP', 'agentN', 'noFeat', 'supP', 'supN', 'admin'];
const NO_GWS = ['anon', 'badpw', 'disabled', 'custP', 'custO', 'custBad'];
const CUSTOMERS = ['custP', 'custO', 'custBad'];

// Outcome labels (what classify() returns)
const OK = 'ok'; // 2xx, statusCode 0 (or 7), or raw bytes
const STATE = 'state'; // 409 / statusCode 2: authorized, not valid in the current state
const E401 = '401/20';
const E403 = '403/5';
const E404 = '404/6';
const C104 = 'c404/104';
const C102 = 'c400/102';
const BX_OK = 'bx-ok';
const BX_DENIED = 'bx:403::Access denied';
const BX_FORBIDDEN = 'bx:403::Forbidden';
const BX_REFUSED = 'bx-refused'; // any successful:false reply
const AUTHZ = [OK, STATE];

// ---------------------------------------------------------------------------------------------
// Transport: node:http from rotating loopback addresses

let addrN = 0;
const nextAddr = () => `127.0.0.${2 + (addrN++ % 250)}`;

function raw(srv, method, path, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const h = { connection: 'close', ...headers };
    if (body !== undefined) h['content-length'] = Buffer.byteLength(body);
    const req = http.request({ host: '127.0.0.1', port: srv.port, method, path, headers: h, localAddress: nextAddr() }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        const text = buf.toString('utf8');
        let json;
        try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, text, json, body: buf });
      });
    });
    req.setTimeout(15_000, () => req.destroy(new Error(`${method} ${path}: timeout`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// ---------------------------------------------------------------------------------------------
// Fixture

let srv;
let a1; let sup; // chatAgent()s with push (offers, joins)
const S = {}; // caller name -> {cookie, csrf, user} for GWS sessions
const ids = {};
let shared; let other; // Customer objects
const files = {};
let userSeq = 0;

async function newChat(nickname) {
  const from = sup.mark();
  let cust;
  try {
    cust = await acceptedChat(srv, a1, { nickname });
  } catch (e) {
    const ch = await a1.get('/api/v2/me/channels');
    const chats = await a1.get('/api/v2/me/chats');
    throw new Error(`set-up of a fresh chat failed: ${e.message}\nagent1 channels: ${show(ch)}\nagent1 chats: ${j((chats.json?.chats || []).map((c) => [c.id, c.state, c.participants?.map((p) => p.nickname)]))}`);
  }
  await sup.waitState(cust.chatId, 'Chatting', { from });
  return cust;
}

async function cleanupChat(cust) {
  await a1.op(cust.chatId, { operationName: 'Complete' }).catch(() => {});
}

async function createUser(userName, roles = ['ROLE_AGENT'], extra = {}) {
  const r = await post(srv, S.admin, '/api/v2/users', {
    userName, password: DEMO_PASSWORD, firstName: userName, lastName: 'Test', roles, ...extra,
  });
  assert.equal(r.json?.statusCode, 0, `create ${userName}: ${show(r)}`);
  return r.json.id;
}

before(async () => {
  srv = await startChatServer({ flags: ['--login-failures-per-minute', '100000'] });
  S.admin = await login(srv, 'admin');
  ids.sup2 = await createUser('sup2', ['ROLE_AGENT', 'ROLE_SUPERVISOR']);
  ids.nofeat = await createUser('nofeat1');
  ids.tgt = await createUser('target1');
  ids.victim = await createUser('victim1');
  ids.disabled = await createUser('disabled1');
  const put = (id, body) => raw(srv, 'PUT', `/api/v2/users/${id}`, {
    headers: { cookie: S.admin.cookie, 'x-csrf-token': S.admin.csrf, 'content-type': 'application/json' }, body: j(body),
  });
  let r = await put(ids.disabled, { enabled: false });
  assert.equal(r.json?.statusCode, 0, `disable disabled1: ${show(r)}`);
  r = await put(ids.nofeat, { features: [] });
  assert.equal(r.json?.statusCode, 0, `api-multimedia off for nofeat1: ${show(r)}`);

  a1 = await chatAgent(srv, 'agent1');
  sup = await supervisor(srv, 'supervisor1'); // starts its contact-center session
  S.agentP = { cookie: a1.cookie, csrf: a1.csrf, user: 'agent1' };
  S.supP = { cookie: sup.cookie, csrf: sup.csrf, user: 'supervisor1' };
  const a2 = await agent(srv, 'agent2');
  S.agentN = { cookie: a2.cookie, csrf: a2.csrf, user: 'agent2' };
  ids.agent2 = a2.id;
  ids.agent1 = a1.id;
  const s2 = await agent(srv, 'sup2');
  await s2.start();
  S.supN = { cookie: s2.cookie, csrf: s2.csrf, user: 'sup2' };
  const nf = await login(srv, 'nofeat1');
  S.noFeat = { cookie: nf.cookie, csrf: nf.csrf, user: 'nofeat1' };
  S.admin.user = 'admin';
  const tgt = await agent(srv, 'target1');
  await tgt.start(); // logged in, NotReady: invitations/transfers to it stay pending
  ids.tgtUri = `${srv.base}/api/v2/users/${ids.tgt}`;

  await sup.superviseOk(a1, { operationName: 'Monitor' }); // joins every chat agent1 accepts
  await a1.start();
  await a1.ready();
  shared = await newChat('Shared');
  other = await newChat('Other');
  for (const k of ['F1', 'F2']) {
    const b = await shared.upload(`${k}.txt`, Buffer.from(`file ${k}`), 'text/plain');
    files[k] = b.userData['file-id'];
    assert.ok(files[k], `upload ${k}: ${j(b)}`);
  }
});

after(async () => {
  await disconnectAll();
  await cleanupAll();
});

// ---------------------------------------------------------------------------------------------
// Requests per caller

const unknownId = () => 'Zz' + Math.random().toString(36).slice(2, 10).padEnd(8, 'q') + 'Q1w2E3';

/** GWS request as `caller`; returns {res, repro}. */
async function gws(caller, method, path, body) {
  const headers = {};
  let cred = '';
  if (S[caller] && GWS_USERS.includes(caller)) {
    headers.cookie = S[caller].cookie;
    if (method !== 'GET') headers['x-csrf-token'] = S[caller].csrf;
    cred = ` -u ${S[caller].user}:${DEMO_PASSWORD}`;
  } else if (caller === 'badpw') {
    headers.authorization = 'Basic ' + Buffer.from('agent1:wrong-password').toString('base64');
    cred = ' -u agent1:wrong-password';
  } else if (caller === 'disabled') {
    headers.authorization = 'Basic ' + Buffer.from(`disabled1:${DEMO_PASSWORD}`).toString('base64');
    cred = ` -u disabled1:${DEMO_PASSWORD}`;
  }
  let data;
  if (body !== undefined) {
    data = j(body);
    headers['content-type'] = 'application/json; charset=utf-8';
  }
  const res = await raw(srv, method, path, { headers, body: data });
  const repro = `curl -s -X ${method}${cred} '${srv.base}${path}'` +
    (data ? ` -H 'Content-Type: application/json' -d '${data}'` : '');
  return { res, repro };
}

/** Customer credentials as `caller` for chat `cust`. */
function custCred(caller, cust) {
  if (caller === 'custP') return cust.cred;
  if (caller === 'custO') return other.cred;
  if (caller === 'custBad') return { ...cust.cred, secureKey: '0123456789abcdef' };
  return {};
}

/** Customer-API request: form (or multipart) POST, or GET with a query string. */
async function customer(caller, method, path, params, { multipart } = {}) {
  const headers = {};
  let cred = '';
  if (S[caller] && GWS_USERS.includes(caller)) {
    headers.cookie = S[caller].cookie;
    headers['x-csrf-token'] = S[caller].csrf;
    cred = ` -u ${S[caller].user}:${DEMO_PASSWORD}`;
  } else if (caller === 'badpw') {
    headers.authorization = 'Basic ' + Buffer.from('agent1:wrong-password').toString('base64');
    cred = ' -u agent1:wrong-password';
  } else if (caller === 'disabled') {
    headers.authorization = 'Basic ' + Buffer.from(`disabled1:${DEMO_PASSWORD}`).toString('base64');
    cred = ` -u disabled1:${DEMO_PASSWORD}`;
  }
  let body;
  let repro;
  if (method === 'GET') {
    const q = new URLSearchParams(params).toString();
    path = q ? `${path}?${q}` : path;
    repro = `curl -s${cred} '${srv.base}${path}'`;
  } else if (multipart) {
    const fd = new FormData();
    for (const [k, v] of Object.entries(params)) fd.append(k, v);
    fd.append('file', new Blob([Buffer.from('authz matrix file')], { type: 'text/plain' }), 'm.txt');
    const r = new Response(fd);
    body = Buffer.from(await r.arrayBuffer());
    headers['content-type'] = r.headers.get('content-type');
    repro = `curl -s${cred} '${srv.base}${path}' ` +
      Object.entries(params).map(([k, v]) => `-F '${k}=${v}'`).join(' ') + ' -F file=@/etc/hostname';
  } else {
    body = formBody(params);
    headers['content-type'] = 'application/x-www-form-urlencoded';
    repro = `curl -s -X POST${cred} '${srv.base}${path}' -d '${body}'`;
  }
  const res = await raw(srv, method, path, { headers, body });
  return { res, repro };
}

/** Bayeux long-polling messages as `caller` on `endpoint`; the label of the last step. */
let bxId = 0;
async function bayeux(caller, endpoint, { path = '', subscribe } = {}) {
  const headers = { 'content-type': 'application/json' };
  let cred = '';
  if (S[caller] && GWS_USERS.includes(caller)) {
    headers.cookie = S[caller].cookie;
    cred = ` -u ${S[caller].user}:${DEMO_PASSWORD}`;
  } else if (caller === 'badpw') {
    headers.authorization = 'Basic ' + Buffer.from('agent1:wrong-password').toString('base64');
    cred = ' -u agent1:wrong-password';
  } else if (caller === 'disabled') {
    headers.authorization = 'Basic ' + Buffer.from(`disabled1:${DEMO_PASSWORD}`).toString('base64');
    cred = ` -u disabled1:${DEMO_PASSWORD}`;
  }
  const hsMsg = { channel: '/meta/handshake', version: '1.0', minimumVersion: '1.0', supportedConnectionTypes: ['long-polling'], id: String(++bxId) };
  const send = async (msg, p) => {
    const res = await raw(srv, 'POST', endpoint + p, { headers, body: j([msg]) });
    const reply = Array.isArray(res.json) ? res.json.find((m) => m.channel === msg.channel) : undefined;
    return { res, reply };
  };
  const hs = await send(hsMsg, path);
  let repro = `curl -s -X POST${cred} '${srv.base}${endpoint}${path}' -H 'Content-Type: application/json' -d '${j([hsMsg])}'`;
  if (!hs.reply) return { res: hs.res, label: `http ${hs.res.status}`, repro };
  if (!hs.reply.successful || !subscribe) return { res: hs.res, label: bxLabel(hs.reply), repro };
  const subMsg = { channel: '/meta/subscribe', clientId: hs.reply.clientId, subscription: subscribe, id: String(++bxId) };
  const sub = await send(subMsg, '');
  repro += `  # then, with its clientId: -d '${j([{ ...subMsg, clientId: '<clientId>' }])}'`;
  if (!sub.reply) return { res: sub.res, label: `http ${sub.res.status}`, repro };
  return { res: sub.res, label: bxLabel(sub.reply), repro };
}
const bxLabel = (reply) => (reply.successful ? BX_OK : `bx:${reply.error}`);

function classify(res) {
  const b = res.json;
  const sc = b && typeof b === 'object' && !Array.isArray(b) ? b.statusCode : undefined;
  if (res.status >= 200 && res.status < 300 && (sc === 0 || sc === 7)) return OK;
  if (res.status === 200 && sc === undefined) return OK; // raw bytes (file download), /metrics text, openapi.json
  if (res.status === 409 && sc === 2) return STATE;
  if (b && Array.isArray(b.errors) && b.errors[0]) return `c${res.status}/${b.errors[0].code}`;
  return `${res.status}/${sc ?? '-'}`;
}

const norm = (res, id) => `${res.status} ${res.json?.statusCode} ${(res.json?.statusMessage ?? j(res.json?.errors ?? '')).split(id).join('<id>')}`;

// ---------------------------------------------------------------------------------------------
// The table

const gwsExpect = (o) => {
  const e = {};
  for (const n of NO_GWS) e[n] = [E401];
  return { ...e, ...o };
};
// Chat endpoints (reads and operations): the contract's answers per caller.
const chatExpect = (o = {}) => gwsExpect({
  agentP: AUTHZ,
  agentN: [E404], // platform.md: "a chat you do not participate in — never reveal that another user's chat exists"
  noFeat: [E403], // platform.md: every chat operation requires api-multimedia; 5 comes before 6
  supP: AUTHZ,
  supN: [E404],
  admin: [E403, E404], // AMBIGUOUS: admin has no ROLE_AGENT (→5?) but has the feature (→6): both refuse
  ...o,
});
const userExpect = (o) => gwsExpect({ agentP: [E403], agentN: [E403], noFeat: [E403], supP: [E403], supN: [E403], admin: [E403], ...o });
// AMBIGUOUS: /me state operations for an admin (no ROLE_AGENT) or an agent without api-multimedia
const meOpExpect = gwsExpect({ agentP: AUTHZ, agentN: AUTHZ, supP: AUTHZ, supN: AUTHZ, noFeat: [...AUTHZ, E403], admin: [...AUTHZ, E403] });
const custExpect = (o = {}) => {
  const e = {};
  for (const n of NAMES) e[n] = [C102, C104]; // no customer credentials at all: 102 (missing) or 104
  return { ...e, custP: [OK], custO: [C104], custBad: [C104], ...o };
};
const everyone = (labels) => Object.fromEntries(NAMES.map((n) => [n, labels]));

const ROWS = [];
const chatRow = (name, method, pathFn, body, o = {}) => ROWS.push({
  name, kind: 'gws', method, pathFn, body, chatPath: true, expect: chatExpect(o.expect), fresh: o.fresh, check: o.check,
});

// --- reads
ROWS.push({
  name: 'GET /api/v2/me/chats', kind: 'gws', method: 'GET', pathFn: () => '/api/v2/me/chats',
  expect: chatExpect({ agentN: [OK], supN: [OK], admin: [OK, E403] }),
  check: (caller, res, ctx) => {
    if (res.status !== 200) return null;
    const has = (res.json.chats || []).some((c) => c.id === ctx.chat.chatId);
    const should = caller === 'agentP' || caller === 'supP';
    return has === should ? null : `the chat ${should ? 'is missing from' : 'leaks into'} the list`;
  },
});
chatRow('GET /api/v2/me/chats/{id}', 'GET', (c) => `/api/v2/me/chats/${c}`);
chatRow('GET /api/v2/me/chats/{id}/messages', 'GET', (c) => `/api/v2/me/chats/${c}/messages`);
chatRow('GET /api/v2/chats/{id}', 'GET', (c) => `/api/v2/chats/${c}`, undefined, {
  expect: { supN: [OK] }, // chat.md: supervisors may read any chat, in the supervisor audience
});
chatRow('GET /api/v2/chats/{id}/transcript', 'GET', (c) => `/api/v2/chats/${c}/transcript?format=json`, undefined, {
  expect: { supN: [OK, E404] }, // AMBIGUOUS: "as the caller's audience sees it" — a non-participant supervisor
});

// --- every operationName (chat.md + supervision.md, plus the documented aliases)
const OPS = [
  ['Accept', {}], ['Reject', {}],
  ['SendMessage', { text: 'authz' }], ['SendToAgents', { text: 'authz' }],
  ['SendStartTypingNotification', {}], ['SendStopTypingNotification', {}],
  ['SendStartTypingToAgentsNotification', {}], ['SendStopTypingToAgentsNotification', {}],
  ['SendCustomNotice', { noticeText: 'authz' }], ['SendCustomNoticeToAgents', { noticeText: 'authz' }],
  ['SendUrl', { url: 'https://example.com/authz' }], ['SendNicknameUpdatedNotice', { noticeText: 'Nick' }],
  ['Leave', {}, true], ['Complete', {}, true], ['Transfer', 'target', true], ['Invite', 'target', true], ['Consult', 'target', true],
  ['SetInFocus', {}], ['InFocus', {}], ['SetDisposition', { disposition: 'Done' }],
  ['AttachUserData', { userData: { authz: 'x' } }], ['UpdateUserData', { userData: { authz: 'y' } }],
  ['DeleteUserData', { keys: ['authz'] }],
  ['SwitchToCoach', {}], ['SwitchToBargeIn', {}], ['SwitchBargeIn', {}], ['SwitchToMonitor', {}],
];
for (const [op, params, fresh] of OPS) {
  const body = () => ({ operationName: op, ...(params === 'target' ? { targetUri: ids.tgtUri } : params) });
  chatRow(`POST /api/v2/me/chats/{id} ${op}`, 'POST', (c) => `/api/v2/me/chats/${c}`, body, { fresh });
}

// --- users
ROWS.push({ name: 'GET /api/v2/users', kind: 'gws', method: 'GET', pathFn: () => '/api/v2/users',
  expect: userExpect({ supP: [OK], supN: [OK], admin: [OK] }) });
ROWS.push({ name: 'GET /api/v2/users?roles=ROLE_AGENT&subresources=channels,chats (floor)', kind: 'gws', method: 'GET',
  pathFn: () => '/api/v2/users?roles=ROLE_AGENT&subresources=channels,chats',
  expect: userExpect({ supP: [OK], supN: [OK], admin: [OK, E403] }) }); // AMBIGUOUS admin: "supervisors only" vs "supervisors, admins"
ROWS.push({ name: 'POST /api/v2/users', kind: 'gws', method: 'POST', pathFn: () => '/api/v2/users',
  body: () => ({ userName: `made${++userSeq}`, password: DEMO_PASSWORD, firstName: 'M', lastName: 'T', roles: ['ROLE_AGENT'] }),
  expect: userExpect({ admin: [OK] }) });
ROWS.push({ name: 'GET /api/v2/users/{id}', kind: 'gws', method: 'GET', pathFn: () => `/api/v2/users/${ids.tgt}`,
  expect: userExpect({ supP: [OK], supN: [OK], admin: [OK] }) });
ROWS.push({ name: 'PUT /api/v2/users/{id}', kind: 'gws', method: 'PUT', pathFn: () => `/api/v2/users/${ids.victim}`,
  body: () => ({ firstName: 'Renamed' }), expect: userExpect({ admin: [OK] }) });
ROWS.push({ name: 'DELETE /api/v2/users/{id}', kind: 'gws', method: 'DELETE', pathFn: (c, ctx) => `/api/v2/users/${ctx.userId}`,
  perCell: async () => ({ userId: await createUser(`del${++userSeq}`) }), expect: userExpect({ admin: [OK] }) });

// --- supervision (target: agent2, whom nobody supervises otherwise)
const supExpect = userExpect({ supP: [OK], supN: [OK] }); // supervision.md: ROLE_SUPERVISOR, else 5 (admin too)
ROWS.push({ name: 'GET /api/v2/users/{agentUserId}/channels/chat', kind: 'gws', method: 'GET',
  pathFn: () => `/api/v2/users/${ids.agent2}/channels/chat`, expect: supExpect });
for (const op of ['Monitor', 'Coach', 'BargeIn', 'CancelSupervisorMonitoring']) {
  ROWS.push({ name: `POST /api/v2/users/{agentUserId}/channels/chat ${op}`, kind: 'gws', method: 'POST',
    pathFn: () => `/api/v2/users/${ids.agent2}/channels/chat`, body: () => ({ operationName: op }), expect: supExpect });
}

// --- public
for (const p of ['/api/v2/diagnostics/version', '/api/v2/openapi.json', '/healthz', '/metrics']) {
  ROWS.push({ name: `GET ${p}`, kind: 'gws', method: 'GET', pathFn: () => p, expect: everyone([OK]) });
}

// --- customer API (shared chat unless fresh)
const cpath = (c, p) => `/genesys/2/chat/${SERVICE}/${c}${p}`;
const custRow = (name, method, p, params = {}, o = {}) => ROWS.push({
  name, kind: 'cust', method, pathFn: (c) => cpath(c, typeof p === 'function' ? p() : p), params, multipart: o.multipart,
  expect: custExpect(o.expect), fresh: o.fresh, chatPath: true,
});
custRow('POST …/{chatId}/send', 'POST', '/send', { message: 'authz' });
custRow('POST …/{chatId}/startTyping', 'POST', '/startTyping', { message: 'a' });
custRow('POST …/{chatId}/stopTyping', 'POST', '/stopTyping', {});
custRow('POST …/{chatId}/refresh', 'POST', '/refresh', { transcriptPosition: 1 });
custRow('POST …/{chatId}/updateNickname', 'POST', '/updateNickname', { nickname: 'Renamed' });
custRow('POST …/{chatId}/updateData', 'POST', '/updateData', { userData: { authz: '1' } });
custRow('POST …/{chatId}/customNotice', 'POST', '/customNotice', { message: 'authz' });
custRow('POST …/{chatId}/pushUrl', 'POST', '/pushUrl', { pushUrl: 'https://example.com' });
custRow('POST …/{chatId}/readReceipt', 'POST', '/readReceipt', { transcriptPosition: 1 });
custRow('POST …/{chatId}/file/limits', 'POST', '/file/limits', {});
custRow('POST …/{chatId}/file', 'POST', '/file', {}, { multipart: true });
custRow('POST …/{chatId}/file/{fileId}/download', 'POST', () => `/file/${files.F1}/download`, {});
custRow('GET …/{chatId}/file/{fileId}/download', 'GET', () => `/file/${files.F1}/download`, {});
custRow('POST …/{chatId}/file/{fileId}/delete', 'POST', () => `/file/${files.F2}/delete`, {});
custRow('POST …/{chatId}/disconnect', 'POST', '/disconnect', {}, { fresh: true });
ROWS.push({ name: 'POST /genesys/2/chat-ntf fileGetLimits', kind: 'cust', method: 'POST', pathFn: () => '/genesys/2/chat-ntf',
  params: { operation: 'fileGetLimits' }, withChatId: true, expect: custExpect(), chatPath: false });

// --- CometD
const bxUsers = (ok, denied = BX_DENIED) => Object.fromEntries(NAMES.map((n) => [n, [GWS_USERS.includes(n) ? ok : denied]]));
ROWS.push({ name: 'CometD POST /api/v2/notifications handshake', kind: 'bx', endpoint: '/api/v2/notifications', expect: bxUsers(BX_OK) });
ROWS.push({ name: 'CometD POST /api/v2/notifications/handshake', kind: 'bx', endpoint: '/api/v2/notifications', path: '/handshake', expect: bxUsers(BX_OK) });
ROWS.push({ name: 'CometD /api/v2/notifications subscribe /v2/me/**', kind: 'bx', endpoint: '/api/v2/notifications', subscribe: '/v2/me/**', expect: bxUsers(BX_OK) });
ROWS.push({ name: 'CometD /api/v2/notifications subscribe /v2/users/{agent1}', kind: 'bx', endpoint: '/api/v2/notifications',
  subscribe: () => `/v2/users/${ids.agent1}`, expect: bxUsers(BX_FORBIDDEN) });
ROWS.push({ name: 'CometD POST /genesys/cometd handshake', kind: 'bx', endpoint: '/genesys/cometd', expect: everyone([BX_OK]) });
ROWS.push({ name: 'CometD POST /genesys/cometd/handshake', kind: 'bx', endpoint: '/genesys/cometd', path: '/handshake', expect: everyone([BX_OK]) });
ROWS.push({ name: 'CometD /genesys/cometd subscribe /v2/me/**', kind: 'bx', endpoint: '/genesys/cometd', subscribe: '/v2/me/**', expect: everyone([BX_REFUSED]) });

// --- /me, agent state (these change agent states; they run after every chat row)
ROWS.push({ name: 'GET /api/v2/me', kind: 'gws', method: 'GET', pathFn: () => '/api/v2/me',
  expect: gwsExpect(Object.fromEntries(GWS_USERS.map((n) => [n, [OK]]))) });
ROWS.push({ name: 'GET /api/v2/me/channels', kind: 'gws', method: 'GET', pathFn: () => '/api/v2/me/channels', expect: meOpExpect });
for (const [p, op] of [['/api/v2/me', 'StartContactCenterSession'], ['/api/v2/me', 'Ready'], ['/api/v2/me', 'NotReady'],
  ['/api/v2/me/channels/chat', 'Ready'], ['/api/v2/me/channels/chat', 'NotReady']]) {
  ROWS.push({ name: `POST ${p} ${op}`, kind: 'gws', method: 'POST', pathFn: () => p,
    body: () => (op === 'StartContactCenterSession' ? { operationName: op, channels: ['chat'] } : { operationName: op }), expect: meOpExpect });
}
// request a chat: anybody (no account); runs when every agent is NotReady
ROWS.push({ name: 'POST /genesys/2/chat/{service} (request chat)', kind: 'cust', method: 'POST', pathFn: () => `/genesys/2/chat/${SERVICE}`,
  params: { nickname: 'Anyone' }, noCred: true, expect: everyone([OK]) });
// last: ends every session of the caller's user
ROWS.push({ name: 'POST /api/v2/me EndContactCenterSession', kind: 'gws', method: 'POST', pathFn: () => '/api/v2/me',
  body: () => ({ operationName: 'EndContactCenterSession' }), expect: meOpExpect });

// ---------------------------------------------------------------------------------------------
// Running

const RESULTS = new Map(); // row name -> {caller -> {label, pass, why, repro}}

const isAuthorizedExpectation = (exp) => exp.some((l) => l === OK || l === STATE || l === BX_OK);

async function runCell(row, caller, ctx) {
  const exp = row.expect[caller];
  const chatId = ctx.chat?.chatId;
  let out;
  if (row.kind === 'gws') {
    const path = row.pathFn(chatId, ctx);
    const { res, repro } = await gws(caller, row.method, path, row.body?.());
    out = { res, repro, label: classify(res) };
    if (row.chatPath && (out.label === E404 || out.label === E403)) {
      const uid = unknownId();
      const ghost = await gws(caller, row.method, row.pathFn(uid, ctx), row.body?.());
      const a = norm(res, chatId);
      const b = norm(ghost.res, uid);
      if (a !== b) out.why = `leaks existence: for this chat "${a}" but for an unknown id "${b}"`;
    }
  } else if (row.kind === 'cust') {
    let params = { ...row.params };
    if (!row.noCred) params = { ...custCred(caller, ctx.chat), ...params };
    if (row.withChatId) params.chatId = chatId;
    const path = row.pathFn(chatId, ctx);
    const { res, repro } = await customer(caller, row.method, path, params, { multipart: row.multipart });
    out = { res, repro, label: classify(res) };
    if ((caller === 'custO' || caller === 'custBad') && out.label === C104) {
      const uid = unknownId();
      const ghostPath = row.chatPath ? row.pathFn(uid, ctx) : path;
      const gp = row.withChatId ? { ...params, chatId: uid } : params;
      const ghost = await customer(caller, row.method, ghostPath, gp, { multipart: row.multipart });
      const a = norm(res, chatId);
      const b = norm(ghost.res, uid);
      if (a !== b) out.why = `leaks existence: for this chat "${a}" but for an unknown chat "${b}"`;
    }
  } else {
    const sub = typeof row.subscribe === 'function' ? row.subscribe() : row.subscribe;
    out = await bayeux(caller, row.endpoint, { path: row.path || '', subscribe: sub });
  }
  const labelOk = exp.includes(out.label) || (exp.includes(BX_REFUSED) && out.label.startsWith('bx:'));
  if (!labelOk) out.why = `expected ${exp.join(' | ')}, got ${out.label}: ${out.res ? show(out.res).slice(0, 300) : ''}`;
  else if (!out.why && row.check) out.why = row.check(caller, out.res, ctx);
  return { label: out.label, pass: !out.why, why: out.why, repro: out.repro, expected: exp };
}

async function runRow(row) {
  const cells = {};
  // Agent capacity is 3 (shared + other + one fresh chat): a destructive GWS operation gets a
  // fresh chat for each authorized participant (agentP, supP), completed right after its cell;
  // refused callers use the shared chat (they must change nothing). A destructive customer row
  // (disconnect) runs entirely on its own chat, the customer of that chat last.
  const rowChat = row.fresh && row.kind === 'cust' ? await newChat('Fresh') : null;
  const ctxFor = async () => ({ chat: rowChat || shared, ...(row.perCell ? await row.perCell() : {}) });
  const refused = NAMES.filter((n) => !isAuthorizedExpectation(row.expect[n]));
  const allowed = NAMES.filter((n) => isAuthorizedExpectation(row.expect[n]));
  await Promise.all(refused.map(async (n) => {
    cells[n] = await runCell(row, n, await ctxFor());
  }));
  const order = ['admin', 'supN', 'noFeat', 'agentN', 'supP', 'agentP', 'anon', 'badpw', 'disabled', 'custO', 'custBad', 'custP'];
  allowed.sort((x, y) => order.indexOf(x) - order.indexOf(y));
  for (const n of allowed) {
    if (row.fresh && row.kind === 'gws' && (n === 'agentP' || n === 'supP')) {
      const c = await newChat(`Fresh-${n}`);
      cells[n] = await runCell(row, n, { ...(await ctxFor()), chat: c });
      await cleanupChat(c);
    } else {
      cells[n] = await runCell(row, n, await ctxFor());
    }
  }
  if (rowChat) await cleanupChat(rowChat);
  RESULTS.set(row.name, cells);
  return cells;
}

// ---------------------------------------------------------------------------------------------
// Report

const SHORT = { anon: 'anon', badpw: 'badpw', disabled: 'disab', agentP: 'agP', agentN: 'agN', noFeat: 'noFt', supP: 'supP', supN: 'supN', admin: 'admn', custP: 'cuP', custO: 'cuO', custBad: 'cuBad' };

function matrix() {
  const w = Math.max(...ROWS.map((r) => r.name.length));
  const head = ''.padEnd(w) + ' | ' + NAMES.map((n) => SHORT[n].padEnd(5)).join(' ');
  const lines = [head, '-'.repeat(head.length)];
  for (const row of ROWS) {
    const cells = RESULTS.get(row.name);
    if (!cells) continue;
    lines.push(row.name.padEnd(w) + ' | ' + NAMES.map((n) => {
      const c = cells[n];
      if (!c) return '  ?  ';
      const allowed = c.label === OK || c.label === STATE || c.label === BX_OK;
      return `${c.pass ? '✓' : '✗'}${allowed ? 'A' : 'R'}   `.slice(0, 5);
    }).join(' '));
  }
  lines.push('(✓ as the spec says, ✗ mismatch; A = the server authorized the call, R = it refused it)');
  lines.push('callers: ' + CALLERS.map(([n, d]) => `${SHORT[n]}=${d}`).join('; '));
  return lines.join('\n');
}

function failures() {
  const out = [];
  for (const row of ROWS) {
    const cells = RESULTS.get(row.name);
    if (!cells) continue;
    for (const n of NAMES) {
      const c = cells[n];
      if (c && !c.pass) out.push(`✗ ${row.name} × ${n}: ${c.why}\n    repro: ${c.repro}`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Tests: one per row (in table order), then the whole matrix

for (const row of ROWS) {
  test(row.name, async () => {
    if (row.name === 'POST /genesys/2/chat/{service} (request chat)') {
      // nobody may be Ready while anyone's queued chats appear
      await a1.notReady('authz');
    }
    const cells = await runRow(row);
    const bad = NAMES.filter((n) => !cells[n].pass);
    assert.deepEqual(bad, [], `${row.name}:\n` + bad.map((n) => `  ${n}: ${cells[n].why}\n    repro: ${cells[n].repro}`).join('\n'));
  });
}

test('authorization matrix', () => {
  const cells = ROWS.length * NAMES.length;
  const f = failures();
  const summary = `${ROWS.length} rows × ${NAMES.length} callers = ${cells} cells, ${f.length} mismatches`;
  if (f.length) {
    assert.fail(`${summary}\n\n${matrix()}\n\n${f.join('\n')}`);
  }
  console.log(summary);
  if (process.env.AUTHZ_VERBOSE) console.log(labels());
});

/** Every cell's actual outcome (AUTHZ_VERBOSE=1). */
function labels() {
  const w = Math.max(...ROWS.map((r) => r.name.length));
  return ROWS.map((row) => row.name.padEnd(w) + ' | ' + NAMES.map((n) => {
    const c = RESULTS.get(row.name)?.[n];
    return `${n}=${c ? c.label : '?'}${c && !c.pass ? '✗' : ''}`;
  }).join(' ')).join('\n');
}
