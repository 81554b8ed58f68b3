// Error answers of the agent chat API (statusCode/HTTP, their precedence, and "changes
// nothing") and of the customer API (error codes 101/102/103/104, 415).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll } from '../lib/server.mjs';
import { api } from '../lib/http.mjs';
import { disconnectAll } from '../lib/bayeux.mjs';
import {
  startChatServer, chatAgent, Customer, customerPost, expectCustomerError, expectGwsError,
  assertEnvelope, formBody, show,
} from '../lib/chat.mjs';

const j = (x) => JSON.stringify(x);
let srv, a1, a2, cust, id;
const UNKNOWN = 'ZZZZzzzz00001111';

before(async () => {
  srv = await startChatServer();
  a1 = await chatAgent(srv, 'agent1', { push: false });
  a2 = await chatAgent(srv, 'agent2', { push: false });
  await a1.start();
  await a2.start();
  await a1.ready();
  // No CometD here: poll the list until the offer shows.
  cust = await Customer.request(srv, { nickname: 'Err', text: 'first' });
  id = cust.chatId;
  for (let i = 0; i < 100 && !(await a1.chats()).some((c) => c.id === id); i++) await new Promise((r) => setTimeout(r, 20));
  const r = await a1.opOk(id, { operationName: 'Accept' });
  assert.equal(r.statusCode, 0);
});
after(async () => {
  await disconnectAll();
  await cleanupAll();
});

const sameNotFound = (res, ref, what) => {
  expectGwsError(res, 404, 6, what);
  assert.equal(res.json.statusMessage.replaceAll(id, UNKNOWN), ref.json.statusMessage,
    `${what}: the same answer as for a chat that does not exist: ${show(res)} vs ${show(ref)}`);
};

test('unknown chat → 6/404 on every read and on operations', async () => {
  for (const p of [`/api/v2/me/chats/${UNKNOWN}`, `/api/v2/me/chats/${UNKNOWN}/messages`, `/api/v2/chats/${UNKNOWN}`,
    `/api/v2/chats/${UNKNOWN}/transcript?format=json`]) {
    expectGwsError(await a1.get(p), 404, 6, `GET ${p}`);
  }
  expectGwsError(await a1.op(UNKNOWN, { operationName: 'SendMessage', text: 'x' }), 404, 6, 'POST on an unknown chat');
  // 6 wins over unknown operation (10) and missing parameters (1).
  expectGwsError(await a1.op(UNKNOWN, { operationName: 'NoSuchThing' }), 404, 6, 'unknown chat and unknown op');
  expectGwsError(await a1.op(UNKNOWN, { operationName: 'SendMessage' }), 404, 6, 'unknown chat and missing text');
});

test("someone else's chat → 6/404, exactly like an unknown chat, and nothing changes", async () => {
  const before = await a1.messages(id);
  const paths = [['/api/v2/me/chats/', ''], ['/api/v2/me/chats/', '/messages'], ['/api/v2/chats/', ''], ['/api/v2/chats/', '/transcript?format=text']];
  for (const [pre, post] of paths) {
    const ref = await a2.get(`${pre}${UNKNOWN}${post}`);
    sameNotFound(await a2.get(`${pre}${id}${post}`), ref, `agent2 GET ${pre}{id}${post}`);
  }
  const ref = await a2.op(UNKNOWN, { operationName: 'SendMessage', text: 'intrusion' });
  for (const body of [
    { operationName: 'SendMessage', text: 'intrusion' },
    { operationName: 'Accept' },
    { operationName: 'Complete' },
    { operationName: 'NoSuchThing' },
  ]) {
    sameNotFound(await a2.op(id, body), ref, `agent2 ${body.operationName} on agent1's chat`);
  }
  assert.ok(!(await a2.chats('*')).some((c) => c.id === id), "agent1's chat is not in agent2's list");
  assert.deepEqual(await a1.messages(id), before, 'nothing was appended');
  const t = await cust.transcript();
  assert.ok(!j(t).includes('intrusion'));
});

test('unknown operationName → 10 naming the allowed ones; case matters; not in capabilities → 2; missing text → 1; bad values → 10', async () => {
  const before = await a1.messages(id);
  let r = expectGwsError(await a1.op(id, { operationName: 'DanceParty' }), 400, 10, 'unknown operationName');
  assert.match(r.statusMessage, /SendMessage/, `the message names the allowed operations: ${r.statusMessage}`);
  expectGwsError(await a1.op(id, { operationName: 'sendmessage', text: 'x' }), 400, 10, 'operation names are case-sensitive');
  r = (await a1.op(id, {})).json;
  assert.ok([1, 10].includes(r?.statusCode), `no operationName: missing (1) or invalid (10): ${j(r)}`);
  // Known operations outside the caller's capabilities (precedence: 2 before 1).
  expectGwsError(await a1.op(id, { operationName: 'SwitchToCoach' }), 409, 2, 'a supervisor operation');
  expectGwsError(await a1.op(id, { operationName: 'Reject' }), 409, 2, 'Reject a chat already accepted');
  expectGwsError(await a1.op(id, { operationName: 'SendToAgents' }), 409, 2, 'SendToAgents alone, without text: 2 wins over 1');
  // Missing parameters.
  r = expectGwsError(await a1.op(id, { operationName: 'SendMessage' }), 400, 1, 'SendMessage without text');
  expectGwsError(await a1.op(id, { operationName: 'SendUrl' }), 400, 1, 'SendUrl without url');
  expectGwsError(await a1.op(id, { operationName: 'SendCustomNotice' }), 400, 1, 'SendCustomNotice without noticeText');
  expectGwsError(await a1.op(id, { operationName: 'SetDisposition' }), 400, 1, 'SetDisposition without disposition');
  expectGwsError(await a1.op(id, { operationName: 'DeleteUserData' }), 400, 1, 'DeleteUserData without keys');
  expectGwsError(await a1.op(id, { operationName: 'Transfer' }), 400, 1, 'Transfer without a target');
  // Invalid values.
  for (const url of ['javascript:alert(1)', 'ftp://example.com/x', 'not a url', 'file:///etc/passwd']) {
    expectGwsError(await a1.op(id, { operationName: 'SendUrl', url }), 400, 10, `SendUrl ${url}`);
  }
  expectGwsError(await a1.op(id, { operationName: 'SendMessage', text: 42 }), 400, 10, 'text of the wrong type');
  expectGwsError(await a1.op(id, { operationName: 'SendMessage', text: 'x'.repeat(16 * 1024 + 1) }), 400, 10, 'text over 16 KiB');
  expectGwsError(await a1.op(id, { operationName: 'AttachUserData', userData: 'k=v' }), 400, 10, 'userData not an object');
  expectGwsError(await a1.op(id, { operationName: 'DeleteUserData', keys: 'k' }), 400, 10, 'keys not an array');
  expectGwsError(await a1.op(id, { operationName: 'Transfer', queueName: 'customer-support', targetUri: a2.uri }), 400, 10,
    'Transfer with both a queue and a user');
  expectGwsError(await a1.op(id, { operationName: 'Transfer', targetUri: `${srv.base}/api/v2/users/00000000000000000000000000000000` }),
    404, 6, 'Transfer to an unknown user');
  expectGwsError(await a1.op(id, { operationName: 'SendMessage', text: 'x', referenceId: 'abc' }), 400, 10, 'referenceId not an integer');
  expectGwsError(await a1.get(`/api/v2/chats/${id}/transcript?format=pdf`), 400, 10, 'transcript format=pdf');
  const bad = await api(srv, 'POST', `/api/v2/me/chats/${id}`, {
    cookie: a1.cookie, csrf: a1.csrf,
    body: Buffer.concat([Buffer.from('{"operationName":"SendMessage","text":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
  });
  expectGwsError(bad, 400, 10, 'invalid UTF-8');
  const mal = await api(srv, 'POST', `/api/v2/me/chats/${id}`, { cookie: a1.cookie, csrf: a1.csrf, body: '{"operationName":' });
  expectGwsError(mal, 400, 10, 'malformed JSON');
  assert.deepEqual(await a1.messages(id), before, 'no failed operation changed the log');
  const c = await a1.chat(id);
  assert.equal(c.state, 'Chatting');
  // And good ones still work: a text of exactly 16 KiB, an https URL.
  await a1.opOk(id, { operationName: 'SendMessage', text: 'y'.repeat(16 * 1024) });
  await a1.opOk(id, { operationName: 'SendUrl', url: 'https://example.com/help?x=1' });
  const t = await cust.refresh();
  const pu = t.messages.find((m) => m.type === 'PushUrl');
  assert.ok(pu && j(pu).includes('https://example.com/help?x=1'), `the customer gets the PushUrl: ${j(t)}`);
});

test('no credentials → 20/401 on chat reads and operations', async () => {
  const r = await api(srv, 'GET', `/api/v2/me/chats/${id}`);
  expectGwsError(r, 401, 20, 'GET without credentials');
  const p = await api(srv, 'POST', `/api/v2/me/chats/${id}`, { body: { operationName: 'SendMessage', text: 'x' } });
  expectGwsError(p, 401, 20, 'POST without credentials');
});

test('customer: wrong secureKey → 404 code 104, the same answer as an unknown chat; nothing happens', async () => {
  const unknown = await customerPost(srv, `/${UNKNOWN}/send`, { userId: cust.userId, secureKey: cust.secureKey, alias: cust.alias, message: 'x' });
  const refU = expectCustomerError(unknown, 404, 104, 'unknown chat');
  for (const [what, cred] of [
    ['wrong secureKey', { ...cust.cred, secureKey: 'AAAAAAAAAAAAAAAA' }],
    ['wrong userId', { ...cust.cred, userId: 'AAAAAAAAAAAAAAAA' }],
  ]) {
    const res = await customerPost(srv, `/${id}/send`, { ...cred, message: 'INTRUDER' });
    const b = expectCustomerError(res, 404, 104, what);
    assert.deepEqual(b, refU, `${what}: indistinguishable from an unknown chat: ${show(res)} vs ${show(unknown)}`);
  }
  const ref2 = expectCustomerError(await customerPost(srv, `/${UNKNOWN}/refresh`, { ...cust.cred, secureKey: 'AAAAAAAAAAAAAAAA' }), 404, 104, 'refresh unknown');
  const res2 = await customerPost(srv, `/${id}/refresh`, { ...cust.cred, secureKey: 'AAAAAAAAAAAAAAAA' });
  assert.deepEqual(expectCustomerError(res2, 404, 104, 'refresh with a wrong key'), ref2);
  const t = await cust.transcript();
  assert.ok(!j(t).includes('INTRUDER'));
  assert.ok(!j(await a1.messages(id)).includes('INTRUDER'));
});

test('customer: missing nickname → 400/102; missing message → 102; unknown service → 404/101; wrong Content-Type → 415/103', async () => {
  let b = expectCustomerError(await customerPost(srv, '', { subject: 'no name' }), 400, 102, 'no nickname');
  assert.match(b.errors[0].message, /nickname/i, `the message names the parameter: ${j(b)}`);
  expectCustomerError(await customerPost(srv, '', { nickname: '' }), 400, 102, 'empty nickname');
  b = expectCustomerError(await cust.raw('/send', {}), 400, 102, 'send without message');
  assert.match(b.errors[0].message, /message/i, j(b));
  expectCustomerError(await cust.raw('/updateNickname', {}), 400, 102, 'updateNickname without nickname');
  expectCustomerError(await cust.raw('/pushUrl', {}), 400, 102, 'pushUrl without pushUrl');
  expectCustomerError(await customerPost(srv, '', { nickname: 'x'.repeat(65) }), 400, 103, 'nickname over 64 characters');

  b = expectCustomerError(await customerPost(srv, '', { nickname: 'Lost' }, { service: 'no-such-service' }), 404, 101, 'unknown service');
  assert.equal(b.errors[0].message, 'Unknown chat service');
  expectCustomerError(await customerPost(srv, `/${id}/refresh`, cust.cred, { service: 'no-such-service' }), 404, 101, 'unknown service, per chat');

  const res1 = await customerPost(srv, '', {}, { headers: { 'content-type': 'image/png' }, body: 'nickname=Png' });
  expectCustomerError(res1, 415, 103, 'image/png');
  const res2 = await customerPost(srv, `/${id}/send`, {}, { headers: { 'content-type': 'application/xml' }, body: '<message>x</message>' });
  expectCustomerError(res2, 415, 103, 'application/xml on send');
  // JSON is accepted.
  const js = await api(srv, 'POST', '/genesys/2/chat/customer-support', { body: { nickname: 'Jason', text: 'json works' } });
  const jb = assertEnvelope(js, 'JSON request chat');
  assert.ok(jb.messages.some((m) => m.type === 'Message' && m.text === 'json works'), j(jb));
});

test('customer: text/plain is not one of the accepted body types → 415/103', async () => {
  // customer.md: form-urlencoded, multipart for file upload, JSON also accepted; a wrong
  // Content-Type is 415 with code 103.
  const res = await customerPost(srv, '', {}, { headers: { 'content-type': 'text/plain' }, body: 'nickname=Plain' });
  expectCustomerError(res, 415, 103, 'text/plain');
});

test('customer: transcriptPosition must be an integer ≥ 1 (103); past the end → no messages', async () => {
  for (const pos of ['0', '-1', 'abc', '1.5', '']) {
    const r = await cust.raw('/refresh', { transcriptPosition: pos });
    if (pos === '') {
      // an empty value is a missing value: the default applies, or it is refused as invalid
      assert.ok(r.status === 200 || (r.status === 400 && r.json?.errors?.[0]?.code === 103), `empty position: ${show(r)}`);
      continue;
    }
    expectCustomerError(r, 400, 103, `transcriptPosition=${pos}`);
  }
  expectCustomerError(await cust.raw('/readReceipt', { transcriptPosition: 'x' }), 400, 103, 'readReceipt x');
  const t = await cust.transcript();
  const past = await cust.refresh(t.length + 50);
  assert.deepEqual(past.messages, [], j(past));
  assert.equal(past.chatEnded, false);
  const body = formBody({ ...cust.cred, message: Buffer.from([0xff, 0xfe]).toString('latin1') });
  const bad = await customerPost(srv, `/${id}/send`, {}, { body: body.replace(/message=[^&]*/, 'message=%FF%FE') });
  expectCustomerError(bad, 400, 103, 'invalid UTF-8 in a message');
});
