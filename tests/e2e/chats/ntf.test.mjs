// File operations for CometD customers on POST /genesys/2/chat-ntf (customer.md), and the
// limit on failed secureKey attempts per address (429, statusCode 1, Retry-After).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll } from '../lib/server.mjs';
import { api, show } from '../lib/http.mjs';
import { startChatServer, Customer, customerPost } from '../lib/chat.mjs';

let srv;
before(async () => {
  srv = await startChatServer();
});
after(cleanupAll);

function ntf(form) {
  return fetch(`${srv.base}/genesys/2/chat-ntf`, { method: 'POST', body: form });
}

test('chat-ntf: limits, upload, download and delete by secureKey', async () => {
  const cust = await Customer.request(srv, { nickname: 'Nora' });
  const limits = await ntf(new URLSearchParams({ operation: 'fileGetLimits', secureKey: cust.secureKey, chatId: cust.chatId }));
  const lb = await limits.json();
  assert.equal(limits.status, 200, JSON.stringify(lb));
  assert.equal(lb.statusCode, 0);
  assert.equal(lb.userData['upload-max-files'], '3', JSON.stringify(lb));
  assert.ok(lb.messages.some((m) => m.type === 'Notice' && m.text === 'file-client-cfg-get'), JSON.stringify(lb));
  // The misspelled alias the widgets send works too.
  const alias = await ntf(new URLSearchParams({ operation: 'fileGetsLimits', secureKey: cust.secureKey }));
  assert.equal((await alias.json()).statusCode, 0);

  const form = new FormData();
  form.append('operation', 'fileUpload');
  form.append('secureKey', cust.secureKey);
  form.append('chatId', cust.chatId);
  form.append('file', new Blob([Buffer.from('hello file')], { type: 'text/plain' }), 'note.txt');
  const up = await ntf(form);
  const ub = await up.json();
  assert.equal(up.status, 200, JSON.stringify(ub));
  const fileId = ub.userData['file-id'];
  assert.ok(fileId, JSON.stringify(ub));
  assert.ok(ub.messages.some((m) => m.type === 'FileUploaded' && m.userData['file-id'] === fileId), JSON.stringify(ub));

  const down = await ntf(new URLSearchParams({ operation: 'fileDownload', secureKey: cust.secureKey, fileId }));
  assert.equal(down.status, 200);
  assert.equal(await down.text(), 'hello file');

  const del = await ntf(new URLSearchParams({ operation: 'fileDelete', secureKey: cust.secureKey, fileId }));
  const db = await del.json();
  assert.equal(db.statusCode, 0, JSON.stringify(db));
  assert.ok(db.messages.some((m) => m.type === 'FileDeleted'), JSON.stringify(db));

  const wrong = await ntf(new URLSearchParams({ operation: 'fileGetLimits', secureKey: 'nope' }));
  assert.equal(wrong.status, 404);
  assert.equal((await wrong.json()).errors[0].code, 104);
  const missing = await ntf(new URLSearchParams({ secureKey: cust.secureKey }));
  assert.equal(missing.status, 400);
  assert.equal((await missing.json()).errors[0].code, 102);
});

test('too many wrong secureKeys from one address → 429 statusCode 1 with Retry-After', async () => {
  const cust = await Customer.request(srv, { nickname: 'Probe' });
  let res;
  for (let i = 0; i < 20; i++) {
    res = await customerPost(srv, `/${cust.chatId}/refresh`, { userId: cust.userId, secureKey: `wrong${i}` });
    assert.equal(res.status, 404, show(res));
  }
  res = await customerPost(srv, `/${cust.chatId}/refresh`, { userId: cust.userId, secureKey: 'wrong-again' });
  assert.equal(res.status, 429, show(res));
  assert.equal(res.json.statusCode, 1, show(res));
  assert.ok(Number(res.headers.get('retry-after')) > 0, show(res));
  // Agents' API and health are not affected.
  const health = await api(srv, 'GET', '/healthz');
  assert.equal(health.status, 200);
});
