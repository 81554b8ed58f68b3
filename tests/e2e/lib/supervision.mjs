// Helpers for the black-box supervision tests (spec: supervision.md, source-SwitchToCoach.txt):
// supervisors as chatAgent()s with the supervision calls, the capability lists and visibilities
// of each mode, the reference page's two notifications as a model, and small view checks.
import assert from 'node:assert/strict';
import { api, login, post, show } from './http.mjs';
import { DEMO_PASSWORD } from './server.mjs';
import { chatAgent, TS_RE, ID_RE, waitUntil, sleep, expectGwsError } from './chat.mjs';

const j = (x) => JSON.stringify(x);

// ---------------------------------------------------------------------------------------------
// supervision.md "Capabilities of a supervisor", in the spec's order.

export const SUP_COMMON = ['Leave', 'SetInFocus', 'SetDisposition', 'AttachUserData', 'DeleteUserData',
  'UpdateUserData', 'Transfer', 'Invite', 'Consult'];
const SUP_SEND = ['SendToAgents', 'SendStartTypingToAgentsNotification', 'SendStopTypingToAgentsNotification',
  'SendMessage', 'SendStartTypingNotification', 'SendStopTypingNotification'];
export const SUP_CAPS = {
  Monitor: [...SUP_COMMON, 'SwitchToCoach', 'SwitchBargeIn'],
  Coach: [...SUP_COMMON, ...SUP_SEND, 'SwitchToMonitor', 'SwitchBargeIn'],
  BargeIn: [...SUP_COMMON, ...SUP_SEND, 'SwitchToMonitor', 'SwitchToCoach'],
};
/** The supervisor participant's visibility in each mode. */
export const SUP_VIS = { Monitor: 'Supervisors', Coach: 'Agents', BargeIn: 'All' };
/** Does the agent audience (handling agents) see a supervisor in this mode? The customer? */
export const AGENT_SEES = { Monitor: false, Coach: true, BargeIn: true };
export const CUSTOMER_SEES = { Monitor: false, Coach: false, BargeIn: true };
export const SWITCH_OP = { Monitor: 'SwitchToMonitor', Coach: 'SwitchToCoach', BargeIn: 'SwitchToBargeIn' };

// ---------------------------------------------------------------------------------------------
// source-SwitchToCoach.txt: the two notifications the supervisor receives, as valid JSON
// (README: ISO timestamp with the `T`, timestampSeconds an integer of milliseconds).

export const PAGE_PARTICIPANTS_UPDATED = {
  chat: {
    receivedDate: '2014-05-05T11:08:45.000-0700',
    chatType: 'Inbound',
    capabilities: [
      'Leave', 'SetInFocus', 'SetDisposition', 'AttachUserData', 'DeleteUserData', 'UpdateUserData',
      'Transfer', 'Invite', 'Consult', 'SendToAgents', 'SendStartTypingToAgentsNotification',
      'SendStopTypingToAgentsNotification', 'SendMessage', 'SendStartTypingNotification',
      'SendStopTypingNotification', 'SwitchToMonitor', 'SwitchBargeIn',
    ],
    uri: 'http://10.10.15.212:9090/api/v2/chats/0001Da9PFC93000S',
    state: 'Chatting',
    participants: [
      { nickname: 'test_agent', type: 'Agent', uri: 'http://10.10.15.212:9090/api/v2/users/90cc5439ff6848748e5e67811273f266', visibility: 'All', participantId: '00AF5367D3D0000A' },
      { nickname: 'test_supervisor', type: 'Agent', uri: 'http://10.10.15.212:9090/api/v2/users/991a4bece8dd4184a93e98ad429694f6', visibility: 'Agents', participantId: '00AF5367D3D0000B' },
      { nickname: 'test_clientL', type: 'Customer', participantId: '00AF5367D3AD0008', visibility: 'All' },
    ],
    id: '0001Da9PFC93000S',
  },
  notificationType: 'ParticipantsUpdated',
  messageType: 'ChatStateChangeMessage',
};

export const PAGE_NEW_MESSAGES = {
  messages: [
    {
      index: 4,
      from: { nickname: 'test_supervisor', type: 'Agent', uri: 'http://10.10.15.212:9090/api/v2/users/991a4bece8dd4184a93e98ad429694f6', visibility: 'Agents', participantId: '00AF5367D3D0000B' },
      timestamp: '2014-05-05T11:09:31.000-0700',
      visibility: 'All',
      type: 'ParticipantRejoined',
      timestampSeconds: 1399313371000,
    },
  ],
  notificationType: 'NewMessages',
  messageType: 'MessageLogUpdated',
  chatUri: 'http://10.10.15.212:9090/api/v2/chats/0001Da9PFC93000S',
};

/** The only fields Parley may add to the page's objects (README principle 1). */
export const EXTRAS = ['path', 'chatPath', 'subject', 'userData', 'offerExpiresAt'];

/**
 * Same shape as the model, field by field: every field of the model is present with the same
 * JSON type, no field beyond the model's and the documented extras, recursively (arrays: item i
 * against model item i, or against model item 0 for arrays of one model item).
 */
export function assertSameShape(actual, model, where = '$') {
  const type = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v);
  const mt = type(model);
  const at = type(actual);
  if (mt === 'integer' || mt === 'number') {
    assert.ok(at === 'integer' || (mt === 'number' && at === 'number'), `${where}: ${mt} expected, got ${j(actual)}`);
    return;
  }
  assert.equal(at, mt, `${where}: ${mt} expected (as in the page), got ${j(actual)}`);
  if (mt === 'array') {
    if (model.length && typeof model[0] === 'object') {
      if (model.length > 1) assert.equal(actual.length, model.length, `${where}: ${model.length} items as in the page, got ${j(actual)}`);
      actual.forEach((x, i) => assertSameShape(x, model[Math.min(i, model.length - 1)], `${where}[${i}]`));
    }
    return;
  }
  if (mt !== 'object') return;
  for (const k of Object.keys(model)) {
    assert.ok(k in actual, `${where}.${k}: missing (the page has it): ${j(actual)}`);
    assertSameShape(actual[k], model[k], `${where}.${k}`);
  }
  const extra = Object.keys(actual).filter((k) => !(k in model) && !EXTRAS.includes(k));
  assert.deepEqual(extra, [], `${where}: fields neither in the page nor documented extras: ${j(extra)} in ${j(actual)}`);
}

/** A timestamp / timestampSeconds pair: ISO with ms and offset, integer ms, the same instant. */
export function assertTimestamps(m, what = '') {
  assert.match(m.timestamp, TS_RE, `${what}: timestamp ${j(m.timestamp)}`);
  assert.ok(Number.isInteger(m.timestampSeconds), `${what}: timestampSeconds is an integer: ${j(m.timestampSeconds)}`);
  assert.ok(m.timestampSeconds > 1e12, `${what}: timestampSeconds counts milliseconds: ${m.timestampSeconds}`);
  assert.equal(Date.parse(m.timestamp), m.timestampSeconds, `${what}: timestamp and timestampSeconds are the same instant: ${j(m)}`);
}

// ---------------------------------------------------------------------------------------------
// Users and supervisors

/** Create supervisors (ROLE_AGENT + ROLE_SUPERVISOR) through the admin API. */
export async function createSupervisors(srv, names) {
  const admin = await login(srv, 'admin');
  for (const userName of names) {
    const r = await post(srv, admin, '/api/v2/users', {
      userName, password: DEMO_PASSWORD, firstName: userName, lastName: 'Test', roles: ['ROLE_AGENT', 'ROLE_SUPERVISOR'],
    });
    assert.equal(r.json?.statusCode, 0, `create supervisor ${userName}: ${show(r)}`);
  }
}

/**
 * A chatAgent() (HTTP session + official CometD client on /v2/me/*) with the supervision calls:
 * supervise(agent, body) raw, superviseOk(agent, body) expecting exactly {"statusCode":0},
 * supervisions(agent) = GET …/channels/chat's `supervisors`.
 */
export async function supervisor(srv, user, { transport = 'websocket', start = true } = {}) {
  const s = await chatAgent(srv, user, { transport });
  if (start) await s.start();
  const url = (who) => `/api/v2/users/${typeof who === 'string' ? who : who.id}/channels/chat`;
  s.supervise = (who, body) => api(srv, 'POST', url(who), { cookie: s.cookie, csrf: s.csrf, body });
  s.superviseOk = async (who, body) => {
    const r = await s.supervise(who, body);
    assert.equal(r.status, 200, `${user} ${j(body)} on ${who.user || who}: ${show(r)}`);
    assert.deepEqual(r.json, { statusCode: 0 }, `${user} ${j(body)}: the answer is exactly {"statusCode":0}: ${show(r)}`);
    return r.json;
  };
  s.listRaw = (who) => api(srv, 'GET', url(who), { cookie: s.cookie });
  s.supervisions = async (who) => {
    const r = await s.listRaw(who);
    assert.equal(r.status, 200, `${user} GET ${url(who)}: ${show(r)}`);
    assert.equal(r.json?.statusCode, 0, show(r));
    assert.ok(Array.isArray(r.json.supervisors), `supervisors[]: ${show(r)}`);
    return r.json.supervisors;
  };
  return s;
}

// ---------------------------------------------------------------------------------------------
// Views

export const isNew = (d) => d.messageType === 'MessageLogUpdated' && d.notificationType === 'NewMessages';
export const isPU = (d) => d.messageType === 'ChatStateChangeMessage' && d.notificationType === 'ParticipantsUpdated';
export const isSC = (d) => d.messageType === 'ChatStateChangeMessage' && d.notificationType === 'StatusChange';

/** Short description of a notification list for messages. */
export const kinds = (list) => list.map((d) => d.notificationType + (d.chat?.state && isSC(d) ? `:${d.chat.state}` : '') +
  (isNew(d) ? `[${d.messages.map((m) => `${m.index}:${m.type}:${m.from?.nickname}`).join(',')}]` : ''));

/**
 * Wait until the viewer got `count` NewMessages about the chat after `from`, then a little more
 * (so that stray extra notifications would show), and return every notification about the chat.
 */
export async function settle(viewer, chatId, from, { count = 1, quietMs = 250, timeoutMs = 5000 } = {}) {
  if (count > 0) {
    await waitUntil(() => viewer.about(chatId, from).filter(isNew).length >= count, timeoutMs,
      () => `${viewer.user}: ${count} NewMessages about ${chatId}; got ${j(kinds(viewer.about(chatId, from)))}`);
  }
  await sleep(quietMs);
  return viewer.about(chatId, from);
}

/** Wait until the supervisor has joined the chat: StatusChange Chatting and the log. */
export async function waitJoined(sup, chatId, from, timeoutMs = 5000) {
  await sup.waitState(chatId, 'Chatting', { from, timeoutMs });
  await waitUntil(() => sup.about(chatId, from).some(isNew), timeoutMs,
    () => `${sup.user}: the log of ${chatId} after joining; got ${j(kinds(sup.about(chatId, from)))}`);
  return sup.about(chatId, from);
}

/** Assert that nothing about the chat reached the viewer since `from` (after a short wait). */
export async function assertNothing(viewer, chatId, from, what, quietMs = 300) {
  if (quietMs) await sleep(quietMs);
  const got = viewer.about(chatId, from);
  assert.deepEqual(kinds(got), [], `${what}: ${viewer.user} must receive nothing about ${chatId}; got ${j(got).slice(0, 2000)}`);
}

/** Customer: the events answered since the last call (refresh without a position). */
export async function customerNews(cust) {
  const b = await cust.refresh();
  return b.messages;
}

/** A participant by nickname in a chat object. */
export const part = (chat, nickname) => chat?.participants?.find((p) => p.nickname === nickname);

/** The participants of a chat object as [nickname, visibility] pairs, in order. */
export const plist = (chat) => (chat?.participants || []).map((p) => [p.nickname, p.visibility]);

export { j, ID_RE, TS_RE, expectGwsError, waitUntil, sleep };
