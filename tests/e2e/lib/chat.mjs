// Helpers for the black-box chat tests: a customer of the GMS Chat API v2 (REST polling),
// an agent with an HTTP session (cookie + CSRF) and the official CometD client subscribed to
// /v2/me/*, and the lists and checks that chat.md / customer.md define.
import assert from 'node:assert/strict';
import { sleep } from './server.mjs';
import { api, show } from './http.mjs';
import { startBayeuxServer, agent, officialClient, handshake, disconnect, waitUntil } from './bayeux.mjs';

export { startBayeuxServer as startChatServer, waitUntil, sleep, show };

export const SERVICE = 'customer-support';

/** chat.md: an agent alone with the customer, in this order. */
export const CAPS_ALONE = [
  'Transfer', 'Leave', 'Invite', 'Consult', 'SetInFocus', 'SetDisposition',
  'AttachUserData', 'DeleteUserData', 'UpdateUserData', 'Complete', 'SendMessage',
  'SendStartTypingNotification', 'SendStopTypingNotification', 'SendUrl', 'SendCustomNotice',
  'SendNicknameUpdatedNotice',
];
/** chat.md: added, after those, when another agent participant is visible. */
export const CAPS_TO_AGENTS = [
  'SendToAgents', 'SendStartTypingToAgentsNotification', 'SendStopTypingToAgentsNotification',
  'SendCustomNoticeToAgents',
];
export const CAPS_WITH_AGENT = [...CAPS_ALONE, ...CAPS_TO_AGENTS];
/** chat.md: once the customer has left (no other agent). */
export const CAPS_CUSTOMER_GONE = ['Leave', 'Complete', 'SetDisposition', 'AttachUserData', 'DeleteUserData', 'UpdateUserData'];
export const CAPS_INVITED = ['Accept', 'Reject'];

export const ID_RE = /^[A-Za-z0-9]{16}$/;
export const TS_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}$/;

const CUSTOMER_EVENT_TYPES = new Set(['Message', 'ParticipantJoined', 'ParticipantLeft', 'TypingStarted',
  'TypingStopped', 'NicknameUpdated', 'CustomNotice', 'Notice', 'PushUrl', 'FileUploaded', 'FileDeleted',
  'IdleAlert', 'IdleClose']);
const AGENT_EVENT_TYPES = new Set(['Text', 'CustomNotice', 'NicknameUpdated', 'PushUrl', 'ParticipantJoined',
  'ParticipantLeft', 'ParticipantRejoined', 'TypingStarted', 'TypingStopped', 'Notice', 'FileUploaded', 'FileDeleted']);

const j = (x) => JSON.stringify(x);

// ---------------------------------------------------------------------------------------------
// Customer API

/** application/x-www-form-urlencoded body; {userData:{k:v}} becomes userData[k]=v. */
export function formBody(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    if (k === 'userData' && v && typeof v === 'object') {
      for (const [dk, dv] of Object.entries(v)) u.append(`userData[${dk}]`, String(dv));
    } else {
      u.append(k, String(v));
    }
  }
  return u.toString();
}

/** POST form-urlencoded to /genesys/2/chat/{service}{path}. */
export function customerPost(srv, path, params = {}, { service = SERVICE, headers = {}, body } = {}) {
  return api(srv, 'POST', `/genesys/2/chat/${service}${path}`, {
    body: body ?? formBody(params),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  });
}

/** Check the customer envelope (customer.md "The answer"); returns the body. */
export function assertEnvelope(res, what = '') {
  assert.equal(res.status, 200, `${what}: HTTP 200 expected, got ${show(res)}`);
  const b = res.json;
  assert.ok(b && typeof b === 'object', `${what}: JSON body expected, got ${show(res)}`);
  assert.equal(b.statusCode, 0, `${what}: statusCode 0: ${show(res)}`);
  for (const k of ['chatId', 'userId', 'secureKey', 'alias']) {
    assert.equal(typeof b[k], 'string', `${what}: ${k} must be a string: ${show(res)}`);
  }
  assert.equal(typeof b.chatEnded, 'boolean', `${what}: chatEnded is always present: ${show(res)}`);
  assert.ok(Number.isInteger(b.nextPosition) && b.nextPosition >= 1, `${what}: nextPosition: ${show(res)}`);
  assert.ok(Array.isArray(b.messages), `${what}: messages[]: ${show(res)}`);
  let prev = 0;
  for (const m of b.messages) {
    assert.ok(Number.isInteger(m.index) && m.index >= 1, `${what}: index of ${j(m)}`);
    assert.ok(m.index > prev, `${what}: messages in index order: ${show(res)}`);
    prev = m.index;
    assert.ok(CUSTOMER_EVENT_TYPES.has(m.type), `${what}: message type ${m.type} in ${j(m)}`);
    assert.ok(m.from && typeof m.from.nickname === 'string', `${what}: from.nickname in ${j(m)}`);
    assert.ok(Number.isInteger(m.from.participantId), `${what}: from.participantId is a small integer in ${j(m)}`);
    assert.ok(['Client', 'Agent', 'External'].includes(m.from.type), `${what}: from.type in ${j(m)}`);
    assert.equal(typeof m.utcTime, 'number', `${what}: utcTime in ${j(m)}`);
  }
  if (b.messages.length) {
    assert.equal(b.nextPosition, prev + 1, `${what}: nextPosition follows the last index: ${show(res)}`);
  }
  return b;
}

/** A customer of one chat (REST polling API). */
export class Customer {
  constructor(srv, body, service = SERVICE) {
    this.srv = srv;
    this.service = service;
    this.chatId = body.chatId;
    this.userId = body.userId;
    this.secureKey = body.secureKey;
    this.alias = body.alias;
    /** every message answered to this customer, by index */
    this.seen = new Map();
    this.ended = false;
    this.record(body);
  }

  /** Request a chat; params as the form takes them (userData as an object). */
  static async request(srv, params, { service = SERVICE } = {}) {
    const res = await customerPost(srv, '', params, { service });
    const b = assertEnvelope(res, `request chat ${j(params)}`);
    assert.match(b.chatId, ID_RE, `chatId: ${show(res)}`);
    assert.equal(b.chatEnded, false, `a new chat is not ended: ${show(res)}`);
    const c = new Customer(srv, b, service);
    c.first = b;
    return c;
  }

  get cred() {
    return { userId: this.userId, secureKey: this.secureKey, alias: this.alias };
  }

  record(b) {
    for (const m of b.messages || []) {
      const old = this.seen.get(m.index);
      if (old) {
        assert.deepEqual(m, old, `customer index ${m.index} answered twice with different content`);
      }
      this.seen.set(m.index, m);
    }
    if (b.chatEnded) this.ended = true;
  }

  /** Raw call (no checks). */
  raw(path, params = {}, opts) {
    return customerPost(this.srv, `/${this.chatId}${path}`, { ...this.cred, ...params }, { service: this.service, ...opts });
  }

  /** Call and check the envelope; returns the body. */
  async call(path, params = {}, what = path) {
    const res = await this.raw(path, params);
    const b = assertEnvelope(res, `customer ${what}`);
    assert.equal(b.chatId, this.chatId, `${what}: chatId echoed`);
    assert.equal(b.userId, this.userId, `${what}: userId echoed`);
    this.record(b);
    return b;
  }

  send(message, extra = {}) { return this.call('/send', { message, ...extra }, `send ${message}`); }
  startTyping(message) { return this.call('/startTyping', { message }, 'startTyping'); }
  stopTyping(message) { return this.call('/stopTyping', { message }, 'stopTyping'); }
  refresh(transcriptPosition) { return this.call('/refresh', { transcriptPosition }, `refresh ${transcriptPosition ?? ''}`); }
  disconnect() { return this.call('/disconnect', {}, 'disconnect'); }
  updateNickname(nickname) { return this.call('/updateNickname', { nickname }, 'updateNickname'); }
  updateData(userData) { return this.call('/updateData', { userData }, 'updateData'); }
  customNotice(message) { return this.call('/customNotice', { message }, 'customNotice'); }
  pushUrl(pushUrl) { return this.call('/pushUrl', { pushUrl }, 'pushUrl'); }
  readReceipt(transcriptPosition) { return this.call('/readReceipt', { transcriptPosition }, 'readReceipt'); }
  fileLimits() { return this.call('/file/limits', {}, 'file/limits'); }

  /** Multipart upload; returns the raw response (check it yourself). */
  async uploadRaw(name, bytes, type, description) {
    const fd = new FormData();
    for (const [k, v] of Object.entries(this.cred)) fd.append(k, v);
    if (description !== undefined) fd.append('userData[file-description]', description);
    fd.append('file', new Blob([bytes], { type }), name);
    const r = await fetch(`${this.srv.base}/genesys/2/chat/${this.service}/${this.chatId}/file`, {
      method: 'POST', body: fd, headers: { connection: 'close' }, signal: AbortSignal.timeout(20_000),
    });
    const text = await r.text();
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: r.status, headers: r.headers, text, json };
  }

  async upload(name, bytes, type, description) {
    const res = await this.uploadRaw(name, bytes, type, description);
    const b = assertEnvelope(res, `upload ${name}`);
    this.record(b);
    return b;
  }

  /** Download: raw bytes. */
  async download(fileId, cred = this.cred) {
    const r = await fetch(`${this.srv.base}/genesys/2/chat/${this.service}/${this.chatId}/file/${fileId}/download`, {
      method: 'POST', body: formBody(cred),
      headers: { 'content-type': 'application/x-www-form-urlencoded', connection: 'close' },
      signal: AbortSignal.timeout(20_000),
    });
    const body = Buffer.from(await r.arrayBuffer());
    let json;
    try { json = JSON.parse(body.toString('utf8')); } catch { json = undefined; }
    return { status: r.status, headers: r.headers, body, json, text: body.toString('utf8') };
  }

  deleteFile(fileId) { return this.call(`/file/${fileId}/delete`, {}, `file ${fileId} delete`); }

  /** The whole transcript as the customer sees it (refresh from position 1). */
  async transcript() {
    const b = await this.refresh(1);
    return b.messages;
  }
}

/** Messages must be indexed 1..n without gaps. */
export function assertDense(messages, what) {
  const idx = messages.map((m) => m.index);
  assert.deepEqual(idx, idx.map((_, i) => i + 1), `${what}: indexes must be dense 1..n: ${j(idx)}`);
}

/** Expect a customer-API error. */
export function expectCustomerError(res, http, code, what = '') {
  assert.equal(res.status, http, `${what}: HTTP ${http} expected, got ${show(res)}`);
  assert.ok(res.json && typeof res.json === 'object', `${what}: JSON body expected: ${show(res)}`);
  assert.equal(res.json.statusCode, http === 503 || http === 429 ? 1 : 2, `${what}: statusCode: ${show(res)}`);
  assert.ok(Array.isArray(res.json.errors) && res.json.errors.length >= 1, `${what}: errors[]: ${show(res)}`);
  assert.equal(res.json.errors[0].code, code, `${what}: error code ${code}: ${show(res)}`);
  assert.equal(typeof res.json.errors[0].message, 'string', `${what}: error message: ${show(res)}`);
  return res.json;
}

// ---------------------------------------------------------------------------------------------
// Agents

/**
 * An agent with an HTTP session and (unless push:false) the official CometD client subscribed
 * to /v2/me/* (re-subscribed after every successful handshake, so it survives restarts).
 * `got` collects the data of every /v2/me/chats delivery, in arrival order. `makeClient`
 * replaces the official client's factory (the TLS tests pass one configured for wss).
 */
export async function chatAgent(srv, user, { push = true, transport = 'websocket', makeClient = officialClient } = {}) {
  const a = await agent(srv, user);
  a.srv = srv;
  a.got = [];
  a.all = [];
  a.subscribes = [];
  a.uri = `${srv.base}/api/v2/users/${a.id}`;
  if (push) {
    const c = makeClient(srv, { transport, user });
    a.client = c;
    c.addListener('/meta/handshake', (m) => {
      if (m.successful) {
        c.subscribe('/v2/me/*', (msg) => {
          a.all.push(msg);
          if (msg.channel === '/v2/me/chats') a.got.push(msg.data);
        }, (r) => a.subscribes.push(r));
      }
    });
    const hs = await handshake(c);
    assert.equal(hs.successful, true, `${user} handshake: ${j(hs)}`);
    await waitUntil(() => a.subscribes.length >= 1, 5000, () => `${user} subscribe`);
    assert.equal(a.subscribes[0].successful, true, `${user} subscribe: ${j(a.subscribes[0])}`);
  }

  const auth = () => ({ cookie: a.cookie, csrf: a.csrf });
  /** POST /api/v2/me/chats/{id}: the raw response. */
  a.op = (chatId, body) => api(srv, 'POST', `/api/v2/me/chats/${chatId}`, { ...auth(), body });
  /** The same, expecting {statusCode:0}. */
  a.opOk = async (chatId, body, what = body.operationName) => {
    const r = await a.op(chatId, body);
    assert.equal(r.status, 200, `${user} ${what}: ${show(r)}`);
    assert.equal(r.json?.statusCode, 0, `${user} ${what}: ${show(r)}`);
    return r.json;
  };
  a.get = (path) => api(srv, 'GET', path, { cookie: a.cookie });
  const getOk = async (path, what) => {
    const r = await a.get(path);
    assert.equal(r.status, 200, `${user} GET ${path}: ${show(r)}`);
    assert.equal(r.json?.statusCode, 0, `${user} GET ${path}: ${show(r)}`);
    return r.json;
  };
  a.chats = async (state) => (await getOk(`/api/v2/me/chats${state ? `?state=${encodeURIComponent(state)}` : ''}`)).chats;
  a.chat = async (id) => (await getOk(`/api/v2/me/chats/${id}`)).chat;
  a.messages = async (id, fromIndex) =>
    (await getOk(`/api/v2/me/chats/${id}/messages${fromIndex ? `?fromIndex=${fromIndex}` : ''}`)).messages;

  /** The position in `got` now (to wait only for later notifications). */
  a.mark = () => a.got.length;
  /** Wait for a notification matching pred among got[from..]; returns its data. */
  a.waitPush = async (pred, what, { from = 0, timeoutMs = 5000 } = {}) => {
    let found;
    await waitUntil(() => {
      found = a.got.slice(from).find(pred);
      return found;
    }, timeoutMs, () => `${user}: ${what}; got ${j(a.got.slice(from)).slice(0, 3000)}`);
    return found;
  };
  /** Wait for the chat's StatusChange with this state. */
  a.waitState = (chatId, state, opts) => a.waitPush(
    (d) => d.messageType === 'ChatStateChangeMessage' && d.notificationType === 'StatusChange' &&
      d.chat?.id === chatId && d.chat?.state === state,
    `StatusChange ${state} of ${chatId}`, opts);
  /** Wait for an offer (any chat, or this one). */
  a.waitOffer = (chatId, opts) => a.waitPush(
    (d) => d.messageType === 'ChatStateChangeMessage' && d.notificationType === 'StatusChange' &&
      d.chat?.state === 'Invited' && (!chatId || d.chat.id === chatId),
    `offer${chatId ? ` of ${chatId}` : ''}`, opts);
  /** All pushed log messages of a chat (from NewMessages), in arrival order. */
  a.pushed = (chatId, from = 0) => a.got.slice(from)
    .filter((d) => d.messageType === 'MessageLogUpdated' && (d.chatPath === `/chats/${chatId}` || d.chat?.id === chatId))
    .flatMap((d) => d.messages || []);
  /** Wait until a pushed log message of the chat matches pred; returns it. */
  a.waitMessage = async (chatId, pred, what, { from = 0, timeoutMs = 5000 } = {}) => {
    let found;
    await waitUntil(() => {
      found = a.pushed(chatId, from).find(pred);
      return found;
    }, timeoutMs, () => `${user}: message ${what} in ${chatId}; pushed ${j(a.pushed(chatId, from)).slice(0, 3000)}`);
    return found;
  };
  /** Notifications about one chat since `from`. */
  a.about = (chatId, from = 0) => a.got.slice(from).filter((d) => d.chat?.id === chatId || d.chatPath === `/chats/${chatId}`);
  a.close = () => (a.client ? disconnect(a.client) : undefined);
  return a;
}

/** Make exactly these agents Ready (in this order, a little apart) and the others NotReady. */
export async function onlyReady(readyAgents, others = []) {
  for (const o of others) await o.notReady('busy');
  for (const a of readyAgents) {
    await a.ready();
    await sleep(20);
  }
}

/**
 * Request a chat and have `who` accept it (it must be the one offered). Returns the customer.
 */
export async function acceptedChat(srv, who, params = { nickname: 'Cust' }, { nickname } = {}) {
  const from = who.mark();
  const cust = await Customer.request(srv, params);
  await who.waitOffer(cust.chatId, { from });
  await who.opOk(cust.chatId, nickname ? { operationName: 'Accept', nickname } : { operationName: 'Accept' });
  await who.waitState(cust.chatId, 'Chatting', { from });
  return cust;
}

/** GWS error with statusCode and HTTP status (and a statusMessage). */
export function expectGwsError(res, http, statusCode, what = '') {
  assert.equal(res.status, http, `${what}: HTTP ${http} expected, got ${show(res)}`);
  assert.equal(res.json?.statusCode, statusCode, `${what}: statusCode ${statusCode} expected, got ${show(res)}`);
  assert.equal(typeof res.json.statusMessage, 'string', `${what}: statusMessage: ${show(res)}`);
  return res.json;
}

/** Check an agent-side message object's common fields. */
export function assertAgentMessage(m, what = '') {
  assert.ok(Number.isInteger(m.index) && m.index >= 1, `${what}: index in ${j(m)}`);
  assert.ok(AGENT_EVENT_TYPES.has(m.type), `${what}: type in ${j(m)}`);
  assert.ok(['All', 'Agents', 'Supervisors'].includes(m.visibility), `${what}: visibility in ${j(m)}`);
  assert.ok(m.from && typeof m.from.nickname === 'string' && typeof m.from.participantId === 'string', `${what}: from in ${j(m)}`);
  assert.match(m.timestamp, TS_RE, `${what}: timestamp in ${j(m)}`);
  assert.ok(Number.isInteger(m.timestampSeconds), `${what}: timestampSeconds in ${j(m)}`);
}
