// Routing: waiting in the queue, offers to the longest-idle Ready agent, Reject → re-offer to
// the other agent, NotReady withdraws an offer, Transfer to an agent who rejects (Error with
// referenceId), Transfer to the queue, Leave by the last agent ends the chat.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll } from '../lib/server.mjs';
import { disconnectAll } from '../lib/bayeux.mjs';
import {
  startChatServer, chatAgent, Customer, sleep, waitUntil, CAPS_ALONE, CAPS_INVITED,
} from '../lib/chat.mjs';

const j = (x) => JSON.stringify(x);
let srv, a1, a2;

before(async () => {
  srv = await startChatServer();
  a1 = await chatAgent(srv, 'agent1');
  a2 = await chatAgent(srv, 'agent2');
  await a1.start();
  await a2.start();
});
after(async () => {
  await disconnectAll();
  await cleanupAll();
});

const offersOf = (a, chatId, from) => a.about(chatId, from).filter((d) => d.chat?.state === 'Invited');

/** The offer was withdrawn for this agent: StatusChange Completed with no participants. */
async function expectWithdrawn(a, chatId, from, why) {
  const d = await a.waitState(chatId, 'Completed', { from });
  assert.deepEqual(d.chat.participants, [], `${why}: the withdrawn offer has no participants: ${j(d)}`);
  assert.deepEqual(d.chat.capabilities, [], `${why}: ${j(d)}`);
  assert.ok(!(await a.chats()).some((c) => c.id === chatId), `${why}: no longer in ${a.user}'s open chats`);
}

async function setReady(first, second) {
  await a1.notReady('setup');
  await a2.notReady('setup');
  await first.ready();
  await sleep(60);
  if (second) await second.ready();
}

test('no Ready agent: the chat waits (queue-position Notice); Ready → offer; NotReady withdraws it; the next Ready agent gets it; Leave ends it', async () => {
  await a1.notReady('setup');
  await a2.notReady('setup');
  const f1 = a1.mark();
  const f2 = a2.mark();
  const cust = await Customer.request(srv, { nickname: 'Queued' });
  const notice = cust.first.messages.find((m) => m.type === 'Notice');
  assert.ok(notice && /1/.test(notice.text ?? ''), `a Notice with the queue position: ${j(cust.first)}`);
  await sleep(300);
  assert.deepEqual([...a1.about(cust.chatId, f1), ...a2.about(cust.chatId, f2)], [], 'nobody is offered a chat while NotReady');

  await a1.ready();
  await a1.waitOffer(cust.chatId, { from: f1 });
  await a2.ready(); // the chat is already offered to agent1
  await sleep(200);
  assert.deepEqual(a2.about(cust.chatId, f2), [], 'an offered chat is offered to one agent only');

  await a1.notReady('Lunch');
  await expectWithdrawn(a1, cust.chatId, f1, 'NotReady');
  await a2.waitOffer(cust.chatId, { from: f2 });
  await a2.opOk(cust.chatId, { operationName: 'Accept' });
  await a2.waitState(cust.chatId, 'Chatting', { from: f2 });
  let r = await cust.refresh();
  assert.deepEqual(r.messages.filter((m) => m.from.type === 'Agent').map((m) => [m.type, m.from.nickname]),
    [['ParticipantJoined', 'agent2']], `only the accepting agent is seen: ${j(r)}`);

  const g = a2.mark();
  await a2.opOk(cust.chatId, { operationName: 'Leave' });
  await a2.waitState(cust.chatId, 'Completed', { from: g });
  assert.deepEqual(a2.about(cust.chatId, g).filter((d) => d.notificationType === 'StatusChange').map((d) => d.chat.state),
    ['LeftChat', 'Completed'], j(a2.about(cust.chatId, g)));
  r = await cust.refresh();
  assert.equal(r.chatEnded, true, `the last agent left: the chat ends for the customer: ${j(r)}`);
  assert.deepEqual(r.messages.map((m) => [m.type, m.from.nickname]), [['ParticipantLeft', 'agent2']], j(r));
  assert.equal(r.messages[0].eventAttributes?.GCTI_SYSTEM?.['quit-reason-code'], undefined,
    `leaving by oneself carries no quit-reason-code: ${j(r.messages[0])}`);
});

test('longest-idle Ready agent first; Reject → withdrawn (Completed, no participants) and re-offered to the other agent only', async () => {
  await setReady(a2, a1); // agent2 has been Ready longer
  const f1 = a1.mark();
  const f2 = a2.mark();
  const cust = await Customer.request(srv, { nickname: 'Rejected' });
  const off = await a2.waitOffer(cust.chatId, { from: f2 });
  assert.deepEqual(off.chat.capabilities, CAPS_INVITED);
  assert.deepEqual(a1.about(cust.chatId, f1), [], 'agent1 (Ready for less time) is not offered first');

  const ans = await a2.opOk(cust.chatId, { operationName: 'Reject' });
  assert.deepEqual(ans, { statusCode: 0 });
  await expectWithdrawn(a2, cust.chatId, f2, 'Reject');
  await a1.waitOffer(cust.chatId, { from: f1 });
  await a1.opOk(cust.chatId, { operationName: 'Accept' });
  await a1.waitState(cust.chatId, 'Chatting', { from: f1 });
  assert.equal(offersOf(a2, cust.chatId, f2).length, 1, 'the rejecting agent is not offered the chat again');
  const r = await cust.refresh();
  assert.deepEqual(r.messages.filter((m) => m.from.type === 'Agent').map((m) => [m.type, m.from.nickname]),
    [['ParticipantJoined', 'agent1']], `the customer sees neither offer nor rejection: ${j(r)}`);
  await a1.opOk(cust.chatId, { operationName: 'Complete', text: 'Goodbye from agent1', messageType: 'closing' });
  const end = await cust.refresh();
  assert.equal(end.chatEnded, true);
  const bye = end.messages.find((m) => m.type === 'Message');
  assert.equal(bye?.text, 'Goodbye from agent1', `Complete with a last message: ${j(end)}`);
  assert.equal(bye.from.nickname, 'agent1');
  const log = await a1.messages(cust.chatId);
  assert.equal(log.find((m) => m.type === 'Text' && m.text === 'Goodbye from agent1')?.messageType, 'closing', j(log));
});

let held; // {cust} handled by agent1
test('longest-idle the other way round: agent1 Ready first gets the next chat', async () => {
  await setReady(a1, a2);
  const f1 = a1.mark();
  const f2 = a2.mark();
  const cust = await Customer.request(srv, { nickname: 'Second' });
  await a1.waitOffer(cust.chatId, { from: f1 });
  assert.deepEqual(a2.about(cust.chatId, f2), []);
  await a1.opOk(cust.chatId, { operationName: 'Accept' });
  await a1.waitState(cust.chatId, 'Chatting', { from: f1 });
  held = cust;
});

test('Transfer to an agent who rejects: the caller gets Error with the referenceId and keeps the chat', async () => {
  const cust = held;
  await cust.refresh();
  const before = Math.max(...cust.seen.keys());
  const f1 = a1.mark();
  const f2 = a2.mark();
  await a1.opOk(cust.chatId, { operationName: 'Transfer', targetUri: a2.uri, referenceId: 4242 });
  await a2.waitOffer(cust.chatId, { from: f2 });
  await a2.opOk(cust.chatId, { operationName: 'Reject' });
  await expectWithdrawn(a2, cust.chatId, f2, 'transfer rejected');
  const err = await a1.waitPush((d) => d.notificationType === 'Error' && d.chat?.id === cust.chatId, 'Error after the rejected transfer', { from: f1 });
  assert.equal(err.messageType, 'ChatStateChangeMessage');
  assert.equal(err.referenceId, 4242, `the Error carries the request's referenceId: ${j(err)}`);
  assert.equal(typeof err.errorMessage, 'string', j(err));
  const c = await a1.chat(cust.chatId);
  assert.equal(c.state, 'Chatting', 'the caller keeps the chat');
  assert.deepEqual(c.capabilities, CAPS_ALONE);
  assert.ok(!a1.about(cust.chatId, f1).some((d) => d.notificationType === 'StatusChange'), 'no state change for the caller');
  await cust.refresh();
  assert.deepEqual([...cust.seen.values()].filter((m) => m.index > before), [], 'the customer sees nothing of it');
  await a1.opOk(cust.chatId, { operationName: 'SendMessage', text: 'still here' });
  assert.ok((await cust.refresh()).messages.some((m) => m.text === 'still here'));
});

test('Transfer to the queue: the caller leaves at once, the customer stays and sees it; a Ready agent gets the chat', async () => {
  const cust = held;
  await a1.notReady('after transfer'); // so the queue cannot hand the chat back to agent1
  await a2.ready();
  const before = Math.max(...cust.seen.keys());
  const f1 = a1.mark();
  const f2 = a2.mark();
  await a1.opOk(cust.chatId, { operationName: 'Transfer', queueName: 'customer-support' });
  await a1.waitState(cust.chatId, 'Completed', { from: f1 });
  assert.deepEqual(a1.about(cust.chatId, f1).filter((d) => d.notificationType === 'StatusChange').map((d) => d.chat.state),
    ['LeftChat', 'Completed']);
  const r = await cust.refresh();
  assert.equal(r.chatEnded, false, `the customer stays while the chat waits: ${j(r)}`);
  assert.ok(r.messages.some((m) => m.type === 'ParticipantLeft' && m.from.nickname === 'agent1'), `sees agent1 leave: ${j(r)}`);
  // agent2 rejected a *transfer* of this chat earlier; from the queue it is offered like any chat.
  await a2.waitOffer(cust.chatId, { from: f2 });
  await a2.opOk(cust.chatId, { operationName: 'Accept' });
  await a2.waitState(cust.chatId, 'Chatting', { from: f2 });
  await cust.refresh();
  const seen = [...cust.seen.values()].filter((m) => m.index > before && m.from.type === 'Agent');
  assert.deepEqual(seen.map((m) => [m.type, m.from.nickname]),
    [['ParticipantLeft', 'agent1'], ['ParticipantJoined', 'agent2']], j(seen));
  const log = await a2.messages(cust.chatId);
  assert.ok(log.some((m) => m.text === 'still here'), 'the new agent gets the history');
  await a2.opOk(cust.chatId, { operationName: 'Complete' });
  assert.equal((await cust.refresh()).chatEnded, true);
});

test('GET /me/chats?state=Completed: finished chats, most recent first, paged with offset/limit', async () => {
  const done = await a1.chats('Completed');
  assert.ok(done.length >= 2, `agent1 finished at least two chats here: ${j(done.map((c) => c.id))}`);
  assert.equal(done[0].id, held.chatId, 'the most recent first');
  assert.ok(done.every((c) => c.state === 'Completed'), j(done.map((c) => c.state)));
  const dates = done.map((c) => c.receivedDate);
  assert.deepEqual(dates, [...dates].sort().reverse(), `most recent first: ${j(dates)}`);
  const p1 = await a1.get('/api/v2/me/chats?state=Completed&limit=1');
  assert.deepEqual(p1.json?.chats?.map((c) => c.id), [done[0].id], p1.text);
  const p2 = await a1.get('/api/v2/me/chats?state=Completed&offset=1&limit=1');
  assert.deepEqual(p2.json?.chats?.map((c) => c.id), [done[1].id], p2.text);
  assert.deepEqual((await a1.chats()).filter((c) => c.state === 'Completed'), [], 'the default list has no finished chats');
});

test('capacity (default 3, a pending offer counts): a full agent gets no offer; queue positions are announced as they change', async () => {
  await setReady(a1);
  const f1 = a1.mark();
  const custs = [];
  for (let i = 0; i < 2; i++) {
    const c = await Customer.request(srv, { nickname: `Cap${i}` });
    await a1.waitOffer(c.chatId, { from: f1 });
    await a1.opOk(c.chatId, { operationName: 'Accept' });
    custs.push(c);
  }
  const pending = await Customer.request(srv, { nickname: 'Cap2' }); // offered, not accepted: a third unit
  await a1.waitOffer(pending.chatId, { from: f1 });
  const fourth = await Customer.request(srv, { nickname: 'Cap3' });
  const fifth = await Customer.request(srv, { nickname: 'Cap4' });
  // (Whether a chat that is offered but not accepted still counts in the queue is left open.)
  const pos = (msgs) => Number(/(\d+)/.exec(msgs.filter((m) => m.type === 'Notice').at(-1)?.text ?? '')?.[1]);
  const p4 = pos(fourth.first.messages);
  const p5 = pos(fifth.first.messages);
  assert.ok(p4 >= 1, `a queue-position Notice: ${j(fourth.first.messages)}`);
  assert.equal(p5, p4 + 1, `the next waiting chat is one position further: ${j(fifth.first.messages)}`);
  await sleep(300);
  assert.deepEqual(offersOf(a1, fourth.chatId, f1), [], 'agent1 is full (2 chats + 1 pending offer)');

  await a1.opOk(pending.chatId, { operationName: 'Accept' });
  await a1.opOk(custs[0].chatId, { operationName: 'Complete' }); // frees one unit
  await a1.waitOffer(fourth.chatId, { from: f1 });
  assert.deepEqual(offersOf(a1, fifth.chatId, f1), [], 'one free unit, one offer');
  await a1.opOk(fourth.chatId, { operationName: 'Accept' });
  await waitUntil(async () => {
    const r = await fifth.refresh();
    return r.messages.some((m) => m.type === 'Notice');
  }, 3000, () => `a new queue-position Notice for the fifth customer: ${j([...fifth.seen.values()])}`);
  assert.ok(pos([...fifth.seen.values()]) < p5, `the fifth chat moved up: ${j([...fifth.seen.values()])}`);

  const f2 = a2.mark();
  await a2.ready();
  await a2.waitOffer(fifth.chatId, { from: f2 });
  await a2.opOk(fifth.chatId, { operationName: 'Accept' });
  for (const c of [custs[1], pending, fourth]) await a1.opOk(c.chatId, { operationName: 'Complete' });
  await a2.opOk(fifth.chatId, { operationName: 'Complete' });
});
