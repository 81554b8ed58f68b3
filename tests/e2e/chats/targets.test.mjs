// Naming the target of a Transfer, Consult or Invite: a user URI, a user id, or (what a person
// types into a desktop) a user name.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll } from '../lib/server.mjs';
import { disconnectAll } from '../lib/bayeux.mjs';
import { startChatServer, chatAgent, acceptedChat, onlyReady, expectGwsError } from '../lib/chat.mjs';
import { api } from '../lib/http.mjs';

let srv, a1, a2;

before(async () => {
  srv = await startChatServer();
  a1 = await chatAgent(srv, 'agent1');
  a2 = await chatAgent(srv, 'agent2');
  await a1.start();
  await a2.start();
  await onlyReady([a1], [a2]);
});
after(async () => {
  await disconnectAll();
  await cleanupAll();
});

test('Consult by user name offers the chat to that user', async () => {
  const cust = await acceptedChat(srv, a1, { nickname: 'ByName' });
  const from = a2.mark();
  await a1.opOk(cust.chatId, { operationName: 'Consult', targetUri: 'agent2' });
  await a2.waitOffer(cust.chatId, { from });
  await a2.opOk(cust.chatId, { operationName: 'Reject' });
  await a1.opOk(cust.chatId, { operationName: 'Complete' });
});

test('a user URI and a user id still work; an unknown name is "no such agent"', async () => {
  const me = await api(srv, 'GET', '/api/v2/me', { auth: 'agent2' });
  const id = me.json.user.id;
  const cust = await acceptedChat(srv, a1, { nickname: 'ByUri' });
  let from = a2.mark();
  await a1.opOk(cust.chatId, { operationName: 'Consult', targetUri: `${srv.base}/api/v2/users/${id}` });
  await a2.waitOffer(cust.chatId, { from });
  await a2.opOk(cust.chatId, { operationName: 'Reject' });
  const res = await api(srv, 'POST', `/api/v2/me/chats/${cust.chatId}`, {
    auth: 'agent1', body: { operationName: 'Invite', targetUri: 'nobody-by-that-name' },
  });
  expectGwsError(res, 404, 6, 'unknown target');
  from = a2.mark();
  await a1.opOk(cust.chatId, { operationName: 'Invite', targetUri: id });
  await a2.waitOffer(cust.chatId, { from });
});
