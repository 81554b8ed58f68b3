// Finished chats stay readable after a restart: the history list (?state=Completed), the
// chat, its messages and its transcript come back from the store.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll } from '../lib/server.mjs';
import { api } from '../lib/http.mjs';
import { disconnectAll } from '../lib/bayeux.mjs';
import { startChatServer, chatAgent, Customer } from '../lib/chat.mjs';

let srv;
before(async () => {
  srv = await startChatServer();
});
after(async () => {
  await disconnectAll();
  await cleanupAll();
});

test('a completed chat is in the history after a restart, with its log', async () => {
  const a1 = await chatAgent(srv, 'agent1', { push: false });
  await a1.start();
  await a1.ready();
  const cust = await Customer.request(srv, { nickname: 'Hilda', text: 'first words' });
  await a1.opOk(cust.chatId, { operationName: 'Accept' });
  await a1.opOk(cust.chatId, { operationName: 'SendMessage', text: 'answer before the restart' });
  await a1.opOk(cust.chatId, { operationName: 'SendToAgents', text: 'note' }).catch(() => {});
  await a1.opOk(cust.chatId, { operationName: 'Complete' });
  const before = await a1.messages(cust.chatId);

  await srv.restart();
  const basic = { auth: ['agent1', 'password'] };
  const list = await api(srv, 'GET', '/api/v2/me/chats?state=Completed', basic);
  assert.equal(list.status, 200, JSON.stringify(list.json));
  const found = list.json.chats.find((c) => c.id === cust.chatId);
  assert.ok(found, `the finished chat is listed: ${JSON.stringify(list.json)}`);
  assert.equal(found.state, 'Completed');
  assert.deepEqual(found.capabilities, []);

  const one = await api(srv, 'GET', `/api/v2/me/chats/${cust.chatId}`, basic);
  assert.equal(one.json.chat.id, cust.chatId, JSON.stringify(one.json));
  const msgs = await api(srv, 'GET', `/api/v2/me/chats/${cust.chatId}/messages`, basic);
  assert.deepEqual(msgs.json.messages, before, 'the same log, the same indexes');
  const text = await api(srv, 'GET', `/api/v2/chats/${cust.chatId}/transcript?format=text`, basic);
  assert.match(text.text, /answer before the restart/);
  // Still nobody else's business.
  const other = await api(srv, 'GET', `/api/v2/me/chats/${cust.chatId}`, { auth: ['agent2', 'password'] });
  assert.equal(other.status, 404);
});
