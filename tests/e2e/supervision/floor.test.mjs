// The floor view (supervision.md "The floor view"): GET /api/v2/users?roles=ROLE_AGENT&
// subresources=channels,chats shows every agent with its channels (as /api/v2/me/channels) and
// its live chats: id, uri, state, receivedDate, the customer's nickname and the supervisors
// (userId, nickname, mode), kept current across switches and gone once the chat is completed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll } from '../lib/server.mjs';
import { disconnectAll } from '../lib/bayeux.mjs';
import { api } from '../lib/http.mjs';
import { startChatServer, chatAgent, acceptedChat, ID_RE, TS_RE } from '../lib/chat.mjs';
import { supervisor, waitJoined, j } from '../lib/supervision.mjs';

let srv, a1, a2, sup;
const FLOOR = '/api/v2/users?roles=ROLE_AGENT&subresources=channels,chats';

before(async () => {
  srv = await startChatServer();
  a1 = await chatAgent(srv, 'agent1');
  a2 = await chatAgent(srv, 'agent2', { push: false });
  sup = await supervisor(srv, 'supervisor1');
  await a1.start();
  await a1.ready();
});
after(async () => {
  await disconnectAll();
  await cleanupAll();
});

async function floor() {
  const r = await api(srv, 'GET', FLOOR, { cookie: sup.cookie });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json?.statusCode, 0, r.text);
  assert.ok(Array.isArray(r.json.users), r.text);
  return r.json.users;
}
const entry = (users, a) => users.find((u) => u.id === a.id);
const pickSup = (s) => ({ userId: s.userId, nickname: s.nickname, mode: s.mode });

test('agents only, each with channels (as /me/channels) and no chats yet', async () => {
  const users = await floor();
  const names = users.map((u) => u.userName).sort();
  assert.ok(names.includes('agent1') && names.includes('agent2') && names.includes('supervisor1'), j(names));
  assert.ok(!names.includes('admin'), `roles=ROLE_AGENT leaves out the admin: ${j(names)}`);
  for (const u of users) {
    assert.ok(u.roles.includes('ROLE_AGENT'), j(u));
    assert.ok(Array.isArray(u.channels) && Array.isArray(u.chats), `channels and chats on every entry: ${j(u)}`);
  }
  const e1 = entry(users, a1);
  assert.deepEqual(e1.channels, await a1.channels(), 'agent1 channels as GET /api/v2/me/channels');
  assert.equal(e1.channels[0]?.userState?.state, 'Ready', j(e1.channels));
  assert.deepEqual(e1.chats, []);
  assert.deepEqual(entry(users, a2).channels, await a2.channels(), 'agent2 (not logged in) as its own /me/channels');
});

test('a live supervised chat: id, uri, state, receivedDate, customer nickname, supervisors; the mode follows switches', async () => {
  await sup.superviseOk(a1, { operationName: 'Monitor', nickname: 'Eye' });
  const fs = sup.mark();
  const cust = await acceptedChat(srv, a1, { nickname: 'Floor Customer' });
  const id = cust.chatId;
  await waitJoined(sup, id, fs);
  const ac = await a1.chat(id);
  let e1 = entry(await floor(), a1);
  assert.equal(e1.chats.length, 1, j(e1));
  const c = e1.chats[0];
  assert.equal(c.id, id);
  assert.match(c.id, ID_RE);
  assert.equal(c.uri, `${srv.base}/api/v2/chats/${id}`);
  assert.equal(c.state, 'Chatting');
  assert.match(c.receivedDate, TS_RE);
  assert.equal(c.receivedDate, ac.receivedDate, "the chat's receivedDate");
  assert.equal(c.nickname, 'Floor Customer', "the customer's nickname");
  assert.deepEqual(c.supervisors.map(pickSup), [{ userId: sup.id, nickname: 'Eye', mode: 'Monitor' }], j(c.supervisors));
  assert.deepEqual(e1.channels, await a1.channels());

  await sup.opOk(id, { operationName: 'SwitchToBargeIn' });
  e1 = entry(await floor(), a1);
  assert.deepEqual(e1.chats[0].supervisors.map(pickSup), [{ userId: sup.id, nickname: 'Eye', mode: 'BargeIn' }], 'the mode follows the switch');

  // A second chat without a supervisor, after Cancel.
  await sup.superviseOk(a1, { operationName: 'CancelSupervisorMonitoring' });
  const c2 = await acceptedChat(srv, a1, { nickname: 'Lone' });
  e1 = entry(await floor(), a1);
  const byId = Object.fromEntries(e1.chats.map((x) => [x.id, x]));
  assert.deepEqual(Object.keys(byId).sort(), [id, c2.chatId].sort(), j(e1.chats));
  assert.deepEqual(byId[c2.chatId].supervisors, [], 'no supervisor on the second chat');
  assert.equal(byId[c2.chatId].nickname, 'Lone');
  // A console follows the floor entry's uri: supervisors may read any chat (chat.md).
  const rc = await api(srv, 'GET', new URL(byId[c2.chatId].uri).pathname, { cookie: sup.cookie });
  assert.equal(rc.json?.statusCode, 0, `GET of the floor entry's uri: ${rc.text}`);
  assert.equal(rc.json.chat.id, c2.chatId);
  assert.deepEqual(rc.json.chat.participants.map((p) => p.nickname), ['agent1', 'Lone'], rc.text);

  await a1.opOk(id, { operationName: 'Complete' });
  await a1.opOk(c2.chatId, { operationName: 'Complete' });
  await a1.notReady('Lunch');
  e1 = entry(await floor(), a1);
  assert.deepEqual(e1.chats, [], 'completed chats are not live');
  assert.deepEqual(e1.channels, await a1.channels());
  assert.equal(e1.channels[0].userState.state, 'NotReady');
  assert.deepEqual(entry(await floor(), sup).chats, [], 'a Revoked supervised chat is not a live chat of the supervisor');
});
