// Every chat operation needs the api-multimedia feature (platform.md): an admin can switch it
// off per user, and that user's chat calls then get statusCode 5 (HTTP 403).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll } from '../lib/server.mjs';
import { api, show } from '../lib/http.mjs';
import { startChatServer } from '../lib/chat.mjs';

let srv;
before(async () => {
  srv = await startChatServer();
});
after(cleanupAll);

test('without api-multimedia an agent gets statusCode 5 on chat calls; with it back, 200', async () => {
  const me = await api(srv, 'GET', '/api/v2/me', { auth: 'agent2' });
  const id = me.json.user.id;
  const off = await api(srv, 'PUT', `/api/v2/users/${id}`, { auth: 'admin', body: { features: [] } });
  assert.equal(off.status, 200, show(off));
  const list = await api(srv, 'GET', '/api/v2/me/chats', { auth: 'agent2' });
  assert.equal(list.status, 403, show(list));
  assert.equal(list.json.statusCode, 5, show(list));
  const op = await api(srv, 'POST', '/api/v2/me/chats/0000000000000000', { auth: 'agent2', body: { operationName: 'Accept' } });
  assert.equal(op.json.statusCode, 5, `5 comes before 6 (unknown chat): ${show(op)}`);
  const features = await api(srv, 'GET', '/api/v2/me?subresources=features', { auth: 'agent2' });
  assert.deepEqual(features.json.user.features, [], show(features));

  const on = await api(srv, 'PUT', `/api/v2/users/${id}`, { auth: 'admin', body: { features: ['api-multimedia'] } });
  assert.equal(on.status, 200, show(on));
  const again = await api(srv, 'GET', '/api/v2/me/chats', { auth: 'agent2' });
  assert.equal(again.status, 200, show(again));
});
