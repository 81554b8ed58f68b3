// The customer API beyond messages: refresh positions, updateNickname, customNotice, pushUrl,
// readReceipt, the agent's URL / notice / nickname reaching the customer, disconnect and calls
// after the end, CORS for widgets.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll } from '../lib/server.mjs';
import { api } from '../lib/http.mjs';
import { disconnectAll } from '../lib/bayeux.mjs';
import {
  startChatServer, chatAgent, acceptedChat, expectCustomerError, assertDense, sleep,
} from '../lib/chat.mjs';

const j = (x) => JSON.stringify(x);
let srv, a1, cust, id;

before(async () => {
  srv = await startChatServer();
  a1 = await chatAgent(srv, 'agent1');
  await a1.start();
  await a1.ready();
  cust = await acceptedChat(srv, a1, { nickname: 'Vera', text: 'one' }, { nickname: 'Alice' });
  id = cust.chatId;
});
after(async () => {
  await disconnectAll();
  await cleanupAll();
});

test('refresh: without a position answers what is new; with one answers from there; either way the position moves to the end', async () => {
  await cust.refresh();
  await a1.opOk(id, { operationName: 'SendMessage', text: 'two' });
  let r = await cust.refresh();
  assert.deepEqual(r.messages.map((m) => m.text), ['two'], `only what is new: ${j(r)}`);
  const end = r.nextPosition;
  r = await cust.refresh();
  assert.deepEqual(r.messages, [], 'nothing new');
  assert.equal(r.nextPosition, end, 'nextPosition stays at the end');
  r = await cust.refresh(1);
  assert.equal(r.messages[0].index, 1);
  assertDense(r.messages, 'refresh from 1');
  assert.equal(r.nextPosition, end);
  r = await cust.refresh(2);
  assert.equal(r.messages[0].index, 2, j(r));
  assert.equal(r.messages.at(-1).index, end - 1);
  r = await cust.refresh(end);
  assert.deepEqual(r.messages, [], 'a position at the end answers nothing');
  assert.equal(r.nextPosition, end);
  const s = await cust.send('three');
  assert.deepEqual(s.messages.map((m) => [m.index, m.text]), [[end, 'three']], `after an explicit refresh the position is the end: ${j(s)}`);
  const rr = await cust.readReceipt(2);
  assert.equal(rr.chatEnded, false);
});

test('updateNickname, customNotice, pushUrl from the customer reach the agent', async () => {
  const from = a1.mark();
  await cust.updateNickname('Vera B');
  const nu = await a1.waitMessage(id, (m) => m.type === 'NicknameUpdated', 'NicknameUpdated', { from });
  assert.equal(nu.noticeText, 'Vera B', j(nu));
  assert.equal(nu.from.type, 'Customer');
  await cust.customNotice('customer notice');
  const cn = await a1.waitMessage(id, (m) => m.type === 'CustomNotice', 'CustomNotice', { from });
  assert.equal(cn.noticeText, 'customer notice', j(cn));
  await cust.pushUrl('https://example.com/page?q=1');
  const pu = await a1.waitMessage(id, (m) => m.type === 'PushUrl', 'PushUrl', { from });
  assert.equal(pu.url, 'https://example.com/page?q=1', j(pu));
  const c = await a1.chat(id);
  assert.equal(c.participants.find((p) => p.type === 'Customer')?.nickname, 'Vera B', j(c.participants));
  const s = await cust.send('as Vera B');
  const m = s.messages.find((x) => x.text === 'as Vera B');
  assert.deepEqual(m.from, { nickname: 'Vera B', participantId: 1, type: 'Client' });
});

test("the agent's SendUrl, SendCustomNotice, SendNicknameUpdatedNotice reach the customer", async () => {
  await cust.refresh();
  const before = Math.max(...cust.seen.keys());
  await a1.opOk(id, { operationName: 'SendUrl', url: 'http://example.org/kb/17' });
  await a1.opOk(id, { operationName: 'SendCustomNotice', noticeText: 'agent notice' });
  const from = a1.mark();
  await a1.opOk(id, { operationName: 'SendNicknameUpdatedNotice', noticeText: 'Alice B' });
  await a1.opOk(id, { operationName: 'SendMessage', text: 'renamed', messageType: 'greeting' });
  await cust.refresh();
  const seen = [...cust.seen.values()].filter((m) => m.index > before);
  assert.deepEqual(seen.map((m) => m.type), ['PushUrl', 'CustomNotice', 'NicknameUpdated', 'Message'], j(seen));
  assert.ok(j(seen[0]).includes('http://example.org/kb/17'), j(seen[0]));
  assert.equal(seen[1].text, 'agent notice');
  assert.ok(j(seen[2]).includes('Alice B'), j(seen[2]));
  assert.deepEqual(seen[3].from, { nickname: 'Alice B', participantId: 2, type: 'Agent' }, 'the same participant number, new nickname');
  assert.equal(seen[3].messageType, 'greeting', `the agent's messageType reaches the customer: ${j(seen[3])}`);
  const pu = await a1.waitPush((d) => d.notificationType === 'ParticipantsUpdated' &&
    d.chat?.participants?.some((p) => p.nickname === 'Alice B'), 'the agent\'s own participant renamed', { from });
  assert.ok(pu);
  assert.equal((await a1.chat(id)).participants[0].nickname, 'Alice B');
});

test('customer limits: a message over 16 KiB → 103; nothing appended', async () => {
  const n = (await a1.messages(id)).length;
  expectCustomerError(await cust.raw('/send', { message: 'x'.repeat(16 * 1024 + 1) }), 400, 103, 'message over 16 KiB');
  assert.equal((await a1.messages(id)).length, n);
});

test('CORS for /genesys/*: any origin, without credentials', async () => {
  const pre = await api(srv, 'OPTIONS', '/genesys/2/chat/customer-support', {
    headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
  });
  assert.ok(pre.status === 200 || pre.status === 204, `preflight: HTTP ${pre.status}`);
  const allow = pre.headers.get('access-control-allow-origin');
  assert.ok(allow === '*' || allow === 'https://shop.example', `allow-origin: ${allow}`);
  assert.notEqual(pre.headers.get('access-control-allow-credentials'), 'true', 'without credentials');
  const r = await cust.raw('/refresh', {}, { headers: { origin: 'https://shop.example' } });
  assert.equal(r.status, 200);
  const allow2 = r.headers.get('access-control-allow-origin');
  assert.ok(allow2 === '*' || allow2 === 'https://shop.example', `allow-origin on the answer: ${allow2}`);
});

test('disconnect: chatEnded, the agent sees the customer leave; later calls answer chatEnded and change nothing', async () => {
  const from = a1.mark();
  const r = await cust.disconnect();
  assert.equal(r.chatEnded, true, j(r));
  const left = await a1.waitMessage(id, (m) => m.type === 'ParticipantLeft' && m.from.type === 'Customer', 'customer left', { from });
  assert.equal(left.from.nickname, 'Vera B');
  const r2 = await cust.refresh();
  assert.equal(r2.chatEnded, true, `still ended: ${j(r2)}`);
  const n = (await a1.messages(id)).length;
  const s = await cust.raw('/send', { message: 'after the end' });
  assert.equal(s.status, 200, s.text);
  assert.equal(s.json.statusCode, 0);
  assert.equal(s.json.chatEnded, true, s.text);
  await sleep(100);
  const log = await a1.messages(id);
  assert.equal(log.length, n, `a send after the end appends nothing: ${j(log.slice(n))}`);
  assert.deepEqual((await a1.chat(id)).capabilities, ['Leave', 'Complete', 'SetDisposition', 'AttachUserData', 'DeleteUserData', 'UpdateUserData']);
  await a1.opOk(id, { operationName: 'Leave' });
  await a1.waitState(id, 'Completed', { from });
  const t = await cust.transcript();
  assertDense(t, 'final transcript');
  assert.ok(!t.some((m) => m.text === 'after the end'), j(t.slice(-3)));
});
