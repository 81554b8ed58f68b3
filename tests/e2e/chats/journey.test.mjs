// The whole journey of one chat, checked from both sides at every step: the customer's REST
// envelopes and the agents' REST reads and /v2/me/chats push notifications.
// request → offer → accept → messages both ways → typing → user data → transfer to agent2 →
// consult agent1 → invite (conference) → complete.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll } from '../lib/server.mjs';
import { disconnectAll } from '../lib/bayeux.mjs';
import {
  startChatServer, chatAgent, Customer, assertDense, assertAgentMessage, sleep,
  CAPS_ALONE, CAPS_WITH_AGENT, CAPS_INVITED, ID_RE, TS_RE,
} from '../lib/chat.mjs';

const j = (x) => JSON.stringify(x);
let srv, a1, a2, cust, chatId;
/** Texts that only agents may ever see. */
const agentOnly = [];

before(async () => {
  srv = await startChatServer();
  a1 = await chatAgent(srv, 'agent1');
  a2 = await chatAgent(srv, 'agent2');
  await a1.start();
  await a2.start();
  await a1.ready(); // agent2 stays NotReady: the offer must go to agent1
});
after(async () => {
  await disconnectAll();
  await cleanupAll();
});

/** The customer messages with index > after (from everything answered so far). */
const custSince = (after) => [...cust.seen.values()].filter((m) => m.index > after).sort((x, y) => x.index - y.index);
const custMax = () => Math.max(0, ...cust.seen.keys());
const types = (ds) => ds.map((d) => d.notificationType);

test('1. customer requests a chat (firstName + lastName, subject, email, first text, userData)', async () => {
  cust = await Customer.request(srv, {
    firstName: 'Ann', lastName: 'Lee', subject: 'Billing', emailAddress: 'ann@example.com',
    text: 'Hello, my invoice is wrong', userData: { orderId: 'A-42' },
  });
  chatId = cust.chatId;
  assert.ok(cust.userId && cust.secureKey, 'userId and secureKey are handed out');
  const msgs = cust.first.messages;
  assert.deepEqual(msgs.slice(0, 2).map((m) => [m.index, m.type, m.from.type, m.from.participantId, m.from.nickname]),
    [[1, 'ParticipantJoined', 'Client', 1, 'Ann Lee'], [2, 'Message', 'Client', 1, 'Ann Lee']],
    `the customer's own join and first message: ${j(msgs)}`);
  assert.equal(msgs[1].text, 'Hello, my invoice is wrong');
  assert.ok(msgs.every((m) => m.from.type !== 'Agent'), 'no agent yet');
});

test('2. agent1 (the only Ready agent) is offered the chat: push + GET, Accept/Reject, offerExpiresAt, customer data', async () => {
  const off = await a1.waitOffer(chatId);
  const c = off.chat;
  assert.equal(off.messageType, 'ChatStateChangeMessage');
  assert.deepEqual(c.capabilities, CAPS_INVITED, j(c));
  assert.match(c.offerExpiresAt, TS_RE, j(c));
  const exp = Date.parse(c.offerExpiresAt.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
  assert.ok(exp > Date.now() + 20_000 && exp < Date.now() + 40_000, `offer expires in ~30 s: ${c.offerExpiresAt}`);
  assert.equal(c.id, chatId);
  assert.equal(c.uri, `${srv.base}/api/v2/chats/${chatId}`);
  assert.equal(c.path, `/chats/${chatId}`);
  assert.equal(c.chatType, 'Inbound');
  assert.match(c.receivedDate, TS_RE);
  assert.equal(c.subject, 'Billing');
  assert.equal(c.userData?.orderId, 'A-42', `customer userData in the offer: ${j(c)}`);
  assert.equal(c.userData?.EmailAddress, 'ann@example.com', j(c.userData));
  const custP = c.participants.find((p) => p.type === 'Customer');
  assert.equal(custP?.nickname, 'Ann Lee', j(c.participants));
  assert.match(custP.participantId, ID_RE);

  const listed = (await a1.chats()).find((x) => x.id === chatId);
  assert.equal(listed?.state, 'Invited', 'GET /me/chats lists the offer');
  assert.deepEqual(listed.capabilities, CAPS_INVITED);
  const preview = await a1.messages(chatId);
  assert.ok(preview.some((m) => m.type === 'Text' && m.text === 'Hello, my invoice is wrong'), `preview: ${j(preview)}`);
  assert.deepEqual(a2.about(chatId), [], 'agent2 (NotReady) is offered nothing');
  const r = await cust.refresh();
  assert.ok(r.messages.every((m) => m.from.type !== 'Agent'), `an offer is invisible to the customer: ${j(r.messages)}`);
});

test('3. Accept with a nickname: StatusChange, ParticipantsUpdated, NewMessages(whole log ending with own join); customer sees the join', async () => {
  const from = a1.mark();
  const ok = await a1.opOk(chatId, { operationName: 'Accept', nickname: 'Alice' });
  assert.deepEqual(ok, { statusCode: 0 });
  await a1.waitPush((d) => d.messageType === 'MessageLogUpdated' && d.chatPath === `/chats/${chatId}`, 'NewMessages after Accept', { from });
  await sleep(150);
  const got = a1.about(chatId, from);
  assert.deepEqual(types(got), ['StatusChange', 'ParticipantsUpdated', 'NewMessages'], j(got));
  assert.equal(got[0].chat.state, 'Chatting');
  for (const d of got.slice(0, 2)) assert.deepEqual(d.chat.capabilities, CAPS_ALONE, `alone with the customer: ${j(d)}`);
  const parts = got[1].chat.participants;
  assert.deepEqual(parts.map((p) => [p.type, p.nickname, p.visibility]), [['Agent', 'Alice', 'All'], ['Customer', 'Ann Lee', 'All']], j(parts));
  assert.equal(parts[0].uri, a1.uri, 'an agent participant carries the user uri');
  assert.equal(parts[0].path, `/users/${a1.id}`);
  const log = got[2];
  assert.equal(log.chatUri, `${srv.base}/api/v2/chats/${chatId}`);
  assert.equal(log.chatPath, `/chats/${chatId}`);
  assertDense(log.messages, 'whole log on Accept');
  log.messages.forEach((m) => assertAgentMessage(m, 'log on Accept'));
  const last = log.messages.at(-1);
  assert.deepEqual([last.type, last.from.nickname, last.from.type], ['ParticipantJoined', 'Alice', 'Agent'], j(last));
  assert.ok(log.messages.some((m) => m.type === 'Text' && m.text === 'Hello, my invoice is wrong'), j(log.messages));
  assert.ok(!log.messages.some((m) => m.type === 'Notice'), `queue-position notices are for the customer only: ${j(log.messages)}`);
  assert.deepEqual(await a1.messages(chatId), log.messages, 'GET messages = the pushed log');
  const chat = await a1.chat(chatId);
  assert.equal(chat.state, 'Chatting');
  assert.deepEqual(chat.capabilities, CAPS_ALONE);

  const before = custMax();
  await cust.refresh();
  const joined = custSince(before).filter((m) => m.type === 'ParticipantJoined');
  assert.deepEqual(joined.map((m) => m.from), [{ nickname: 'Alice', participantId: 2, type: 'Agent' }], j(custSince(before)));
});

test('4. messages both ways: agent → customer, customer → agent (messageType), and a send answers pending replies', async () => {
  let from = a1.mark();
  await a1.opOk(chatId, { operationName: 'SendMessage', text: 'How may I help you?' });
  const own = await a1.waitMessage(chatId, (m) => m.type === 'Text' && m.text === 'How may I help you?', 'own message comes back', { from });
  assertAgentMessage(own, 'own SendMessage');
  assert.equal(own.visibility, 'All');
  assert.equal(own.from.nickname, 'Alice');
  const r = await cust.refresh();
  const got = r.messages.filter((m) => m.type === 'Message');
  assert.deepEqual(got.map((m) => [m.text, m.from.type, m.from.participantId]), [['How may I help you?', 'Agent', 2]], j(r));

  from = a1.mark();
  const s = await cust.send('Invoice 17 is wrong', { messageType: 'question' });
  const mine = s.messages.find((m) => m.type === 'Message' && m.text === 'Invoice 17 is wrong');
  assert.ok(mine, `the customer sees their own message in the answer: ${j(s)}`);
  assert.equal(mine.from.type, 'Client');
  assert.equal(mine.messageType, 'question', 'messageType echoed to the customer');
  const m = await a1.waitMessage(chatId, (x) => x.type === 'Text' && x.text === 'Invoice 17 is wrong', 'customer message', { from });
  assert.equal(m.messageType, 'question', `messageType echoed on the event: ${j(m)}`);
  assert.equal(m.from.type, 'Customer');
  assert.equal(m.visibility, 'All');

  // A client that only sends still sees replies.
  await a1.opOk(chatId, { operationName: 'SendMessage', text: 'Let me check.' });
  const s2 = await cust.send('Thanks');
  assert.deepEqual(s2.messages.filter((x) => x.type === 'Message').map((x) => x.text), ['Let me check.', 'Thanks'], j(s2));
  const all = await a1.messages(chatId);
  assertDense(all, 'agent log');
  assert.deepEqual(all.filter((x) => x.type === 'Text').map((x) => x.text),
    ['Hello, my invoice is wrong', 'How may I help you?', 'Invoice 17 is wrong', 'Let me check.', 'Thanks']);
});

test('5. typing: the customer\'s preview text reaches the agent; the agent\'s typing text never reaches the customer', async () => {
  let from = a1.mark();
  await cust.startTyping('Also the addr');
  const t = await a1.waitMessage(chatId, (m) => m.type === 'TypingStarted' && m.from.type === 'Customer', 'customer typing', { from });
  assert.equal(t.text, 'Also the addr', `the preview is shown to agents: ${j(t)}`);
  await cust.stopTyping();
  await a1.waitMessage(chatId, (m) => m.type === 'TypingStopped' && m.from.type === 'Customer', 'customer stopped typing', { from });

  from = a1.mark();
  const before = custMax();
  await a1.opOk(chatId, { operationName: 'SendStartTypingNotification', text: 'DRAFT we will refund you' });
  await a1.opOk(chatId, { operationName: 'SendStopTypingNotification' });
  await a1.waitMessage(chatId, (m) => m.type === 'TypingStopped' && m.from.nickname === 'Alice', 'own typing stop', { from });
  await cust.refresh();
  const seen = custSince(before);
  assert.deepEqual(seen.map((m) => [m.type, m.from.type]), [['TypingStarted', 'Agent'], ['TypingStopped', 'Agent']], j(seen));
  assert.ok(!j(seen).includes('DRAFT'), `an agent's typing never carries text to the customer: ${j(seen)}`);
});

test('6. user data: customer updateData, Attach/Update/Delete/SetDisposition → PropertiesUpdated with the whole data', async () => {
  let from = a1.mark();
  await cust.updateData({ plan: 'gold' });
  let p = await a1.waitPush((d) => d.notificationType === 'PropertiesUpdated' && d.chat?.userData?.plan === 'gold', 'customer updateData', { from });
  assert.equal(p.chat.userData.orderId, 'A-42', `the whole user data: ${j(p.chat.userData)}`);

  from = a1.mark();
  await a1.opOk(chatId, { operationName: 'AttachUserData', userData: { note: 'vip', score: 5 }, referenceId: 501 });
  p = await a1.waitPush((d) => d.notificationType === 'PropertiesUpdated', 'AttachUserData', { from });
  assert.equal(p.referenceId, 501, `referenceId echoed: ${j(p)}`);
  assert.equal(p.chat.userData.note, 'vip');
  assert.equal(String(p.chat.userData.score), '5');
  assert.equal(p.chat.userData.plan, 'gold');

  from = a1.mark();
  await a1.opOk(chatId, { operationName: 'UpdateUserData', userData: { note: 'vvip' } });
  p = await a1.waitPush((d) => d.notificationType === 'PropertiesUpdated', 'UpdateUserData', { from });
  assert.equal(p.chat.userData.note, 'vvip');

  from = a1.mark();
  await a1.opOk(chatId, { operationName: 'DeleteUserData', keys: ['note', 'score'] });
  p = await a1.waitPush((d) => d.notificationType === 'PropertiesUpdated', 'DeleteUserData', { from });
  assert.equal('note' in p.chat.userData, false, j(p.chat.userData));
  assert.equal('score' in p.chat.userData, false, j(p.chat.userData));
  assert.equal(p.chat.userData.plan, 'gold');

  from = a1.mark();
  await a1.opOk(chatId, { operationName: 'SetDisposition', disposition: 'Refund' });
  p = await a1.waitPush((d) => d.notificationType === 'PropertiesUpdated', 'SetDisposition', { from });
  assert.equal(p.chat.userData.DispositionCode, 'Refund');
  from = a1.mark();
  await a1.opOk(chatId, { operationName: 'SetDisposition', disposition: 'ok', dispositionKey: 'Outcome' });
  p = await a1.waitPush((d) => d.notificationType === 'PropertiesUpdated', 'SetDisposition with a key', { from });
  assert.equal(p.chat.userData.Outcome, 'ok');
  assert.deepEqual((await a1.chat(chatId)).userData, p.chat.userData, 'GET shows the same user data');
  await a1.opOk(chatId, { operationName: 'SetInFocus' });

  await cust.refresh();
  assert.ok(!j([...cust.seen.values()]).match(/vvip|Refund|Outcome/), 'agent user data is not shown to the customer');
});

test('7. transfer to agent2: agent2 is offered, agent1 keeps the chat until agent2 accepts, then leaves', async () => {
  await a2.ready();
  const from1 = a1.mark();
  const from2 = a2.mark();
  const a1Log = await a1.messages(chatId);
  await a1.opOk(chatId, { operationName: 'Transfer', targetUri: a2.uri, referenceId: 701 });
  const off = await a2.waitOffer(chatId, { from: from2 });
  assert.deepEqual(off.chat.capabilities, CAPS_INVITED);
  assert.equal((await a1.chat(chatId)).state, 'Chatting', 'the caller keeps the chat while the target is invited');
  const before = custMax();

  await a2.opOk(chatId, { operationName: 'Accept' });
  await a1.waitState(chatId, 'Completed', { from: from1 });
  const states = a1.about(chatId, from1).filter((d) => d.notificationType === 'StatusChange').map((d) => d.chat.state);
  assert.deepEqual(states, ['LeftChat', 'Completed'], `the transferring agent leaves: ${j(a1.about(chatId, from1))}`);
  const completed = a1.about(chatId, from1).find((d) => d.chat?.state === 'Completed');
  assert.deepEqual(completed.chat.capabilities, [], 'Completed: no capabilities');
  assert.ok(!(await a1.chats()).some((c) => c.id === chatId), 'no longer among agent1\'s open chats');
  assert.equal((await a1.chats('Completed')).find((c) => c.id === chatId)?.state, 'Completed', '?state=Completed lists it');

  await a2.waitState(chatId, 'Chatting', { from: from2 });
  const log2 = await a2.waitPush((d) => d.messageType === 'MessageLogUpdated' && d.chatPath === `/chats/${chatId}`, 'agent2 gets the log', { from: from2 });
  assertDense(log2.messages, 'agent2 whole log');
  assert.deepEqual(log2.messages.slice(0, a1Log.length), a1Log, 'the same history, with the same indexes, as agent1 had');
  // The log ends with agent2's own join (default nickname: the user name), possibly followed by
  // agent1's leave, which the same Accept causes.
  const tail = log2.messages.slice(a1Log.length).map((m) => [m.type, m.from.nickname]);
  assert.deepEqual(tail[0], ['ParticipantJoined', 'agent2'], j(log2.messages.slice(a1Log.length)));
  assert.ok(tail.length === 1 || (tail.length === 2 && j(tail[1]) === j(['ParticipantLeft', 'Alice'])), j(tail));
  const chat2 = await a2.chat(chatId);
  assert.deepEqual(chat2.capabilities, CAPS_ALONE);
  assert.deepEqual(chat2.participants.map((p) => p.nickname), ['agent2', 'Ann Lee'], j(chat2.participants));
  assert.equal(chat2.userData.plan, 'gold', 'user data travels with the chat');

  await cust.refresh();
  const seen = custSince(before).filter((m) => m.type.startsWith('Participant'));
  assert.deepEqual(seen.map((m) => [m.type, m.from.nickname, m.from.participantId]).sort(),
    [['ParticipantJoined', 'agent2', 3], ['ParticipantLeft', 'Alice', 2]], j(custSince(before)));
});

test('8. consult agent1: the consultant is invisible to the customer, and so are agent-only messages', async () => {
  const from1 = a1.mark();
  const from2 = a2.mark();
  const before = custMax();
  const ans = await a2.opOk(chatId, { operationName: 'Consult', targetUri: a1.uri });
  assert.ok(Number.isInteger(ans.referenceId), `Consult answers a referenceId: ${j(ans)}`);
  const off = await a1.waitOffer(chatId, { from: from1 });
  assert.equal(off.referenceId, ans.referenceId, 'the offer carries the request\'s referenceId');
  await a1.opOk(chatId, { operationName: 'Accept' });
  await a1.waitState(chatId, 'Chatting', { from: from1 });
  const pu = await a2.waitPush((d) => d.notificationType === 'ParticipantsUpdated' && d.chat?.participants?.length === 3, 'agent2 sees the consultant', { from: from2 });
  assert.deepEqual(pu.chat.capabilities, CAPS_WITH_AGENT, 'with a consultant: + the ToAgents operations');
  const consultant = pu.chat.participants.find((p) => p.nickname === 'agent1');
  assert.equal(consultant?.visibility, 'Agents', j(pu.chat.participants));
  const c1 = await a1.chat(chatId);
  assert.ok(c1.capabilities.includes('SendToAgents'), `the consultant may talk to agents: ${j(c1.capabilities)}`);

  await a1.opOk(chatId, { operationName: 'SendMessage', text: 'CONSULTANT: refund approved' });
  await a2.opOk(chatId, { operationName: 'SendToAgents', text: 'AGENTS: thanks' });
  await a2.opOk(chatId, { operationName: 'SendCustomNoticeToAgents', noticeText: 'AGENTS: notice' });
  agentOnly.push('CONSULTANT: refund approved', 'AGENTS: thanks', 'AGENTS: notice');
  const m = await a2.waitMessage(chatId, (x) => x.text === 'CONSULTANT: refund approved', 'consultant message', { from: from2 });
  assert.equal(m.visibility, 'Agents', `a consultant's SendMessage is narrowed to Agents: ${j(m)}`);
  await a1.waitMessage(chatId, (x) => x.text === 'AGENTS: thanks', 'SendToAgents reaches the consultant', { from: from1 });
  const n = await a1.waitMessage(chatId, (x) => x.type === 'CustomNotice', 'notice to agents', { from: from1 });
  assert.equal(n.noticeText, 'AGENTS: notice');
  assert.equal(n.visibility, 'Agents');

  await cust.refresh();
  const seen = custSince(before);
  assert.deepEqual(seen, [], `the customer sees nothing of a consultation: ${j(seen)}`);
});

test('9. invite the consultant: visible at once (no new offer), the customer sees them join and talk', async () => {
  const from1 = a1.mark();
  const from2 = a2.mark();
  const before = custMax();
  const ans = await a2.opOk(chatId, { operationName: 'Invite', targetUri: a1.uri });
  assert.ok(Number.isInteger(ans.referenceId), `Invite answers a referenceId: ${j(ans)}`);
  await a2.waitPush((d) => d.notificationType === 'ParticipantsUpdated' &&
    d.chat?.participants?.find((p) => p.nickname === 'agent1')?.visibility === 'All', 'agent1 visible to all', { from: from2 });
  await sleep(200);
  assert.ok(!a1.about(chatId, from1).some((d) => d.chat?.state === 'Invited'), 'no new offer to a consultant already in the chat');
  await a1.opOk(chatId, { operationName: 'SendMessage', text: 'Hello Ann, I approved it' });
  await cust.refresh();
  const seen = custSince(before);
  const join = seen.find((m) => m.type === 'ParticipantJoined' && m.from.nickname === 'agent1');
  assert.ok(join, `the customer sees the promoted consultant join: ${j(seen)}`);
  assert.ok(![1, 3].includes(join.from.participantId), `a new participant number: ${j(join)}`);
  const msg = seen.find((m) => m.type === 'Message' && m.text === 'Hello Ann, I approved it');
  assert.equal(msg?.from.participantId, join.from.participantId, j(seen));
  assert.ok(!j(seen).includes('CONSULTANT') && !j(seen).includes('AGENTS:'), 'earlier agent-only items stay hidden');
});

test('10. Complete: every agent Completed, the customer gets chatEnded; transcripts respect the audience', async () => {
  const from1 = a1.mark();
  const from2 = a2.mark();
  await a2.opOk(chatId, { operationName: 'Complete' });
  await a1.waitState(chatId, 'Completed', { from: from1 });
  await a2.waitState(chatId, 'Completed', { from: from2 });
  for (const a of [a1, a2]) {
    assert.ok(!(await a.chats()).some((c) => c.id === chatId), `${a.user}: not open any more`);
    const c = (await a.chats('*')).find((x) => x.id === chatId);
    assert.equal(c?.state, 'Completed', `${a.user}: ?state=* lists it`);
    assert.deepEqual(c.capabilities, []);
  }
  const r = await cust.refresh();
  assert.equal(r.chatEnded, true, `the customer learns that the chat ended: ${j(r)}`);

  const t = await cust.transcript();
  assertDense(t, 'customer transcript');
  for (const s of agentOnly) assert.ok(!j(t).includes(s), `customer transcript must not contain ${s}`);
  for (const [i, m] of cust.seen) assert.deepEqual(t[i - 1], m, `transcript item ${i} = what was answered before`);
  assert.ok(t.some((m) => m.text === 'Hello Ann, I approved it'));

  const log = await a2.messages(chatId);
  assertDense(log, 'agent log');
  for (const s of agentOnly) assert.ok(j(log).includes(s), `the agents' log contains ${s}`);
  // Customer-audience items of the agents' log are exactly the customer's (minus customer-only notices).
  const custTexts = t.filter((m) => m.type === 'Message').map((m) => m.text);
  const pubLog = log.filter((m) => m.type === 'Text' && m.visibility === 'All');
  assert.deepEqual(pubLog.map((m) => m.text), custTexts);
  assert.deepEqual(t.filter((m) => m.type === 'Message').map((m) => m.utcTime), pubLog.map((m) => m.timestampSeconds),
    'the same item has the same time on both sides (epoch ms)');

  const tj = await a2.get(`/api/v2/chats/${chatId}/transcript?format=json`);
  assert.equal(tj.status, 200, tj.text);
  assert.deepEqual(tj.json.messages, log, 'json transcript = the agent audience log');
  const tt = await a2.get(`/api/v2/chats/${chatId}/transcript?format=text`);
  assert.equal(tt.status, 200, tt.text);
  assert.match(tt.headers.get('content-type'), /^text\/plain/);
  for (const s of ['Hello, my invoice is wrong', 'Invoice 17 is wrong', 'CONSULTANT: refund approved']) {
    assert.ok(tt.text.includes(s), `text transcript contains ${s}: ${tt.text}`);
  }
  const g = await a2.get(`/api/v2/chats/${chatId}`);
  assert.equal(g.status, 200, g.text);
  assert.equal(g.json.chat.id, chatId);
});
