// Errors of the supervision URL (supervision.md; platform.md "Errors" and README's precedence):
// an agent without ROLE_SUPERVISOR → 5/403; an unknown or non-agent target → 6/404; a supervisor
// without a contact-center session → 2/409; bad values → 10/400; a failed call changes nothing.
// Supervision ends with the supervisor's contact-center session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll } from '../lib/server.mjs';
import { disconnectAll } from '../lib/bayeux.mjs';
import { api, login } from '../lib/http.mjs';
import { startChatServer, chatAgent, expectGwsError } from '../lib/chat.mjs';
import { supervisor, j } from '../lib/supervision.mjs';

let srv, a1, a2, sup, adminId;
const UNKNOWN = '0123456789abcdef0123456789abcdef';
const url = (id) => `/api/v2/users/${id}/channels/chat`;

before(async () => {
  srv = await startChatServer();
  a1 = await chatAgent(srv, 'agent1', { push: false });
  a2 = await chatAgent(srv, 'agent2', { push: false });
  sup = await supervisor(srv, 'supervisor1', { start: false });
  await a1.start();
  adminId = (await login(srv, 'admin')).user.id;
});
after(async () => {
  await disconnectAll();
  await cleanupAll();
});

const asAgent1 = (method, path, body) => api(srv, method, path, { cookie: a1.cookie, csrf: a1.csrf, body });

test('an agent (no ROLE_SUPERVISOR) may not supervise, list supervisions or read the floor: 5 / HTTP 403', async () => {
  for (const operationName of ['Monitor', 'Coach', 'BargeIn', 'CancelSupervisorMonitoring']) {
    expectGwsError(await asAgent1('POST', url(a2.id), { operationName }), 403, 5, `agent1 ${operationName} agent2`);
  }
  expectGwsError(await asAgent1('POST', url(UNKNOWN), { operationName: 'Monitor' }), 403, 5,
    'a missing role wins over an unknown resource');
  expectGwsError(await asAgent1('GET', url(a2.id)), 403, 5, 'agent1 GET supervisions');
  expectGwsError(await asAgent1('GET', '/api/v2/users?roles=ROLE_AGENT&subresources=channels,chats'), 403, 5, 'agent1 floor view');
  const r = await api(srv, 'POST', url(a1.id), { body: { operationName: 'Monitor' } });
  expectGwsError(r, 401, 20, 'no credentials');
});

test('a supervisor without a contact-center session: 2 / HTTP 409, nothing started', async () => {
  for (const operationName of ['Monitor', 'Coach', 'BargeIn']) {
    expectGwsError(await sup.supervise(a1, { operationName }), 409, 2, `${operationName} before StartContactCenterSession`);
  }
  expectGwsError(await sup.supervise(a1, { operationName: 'Monitor', supervisorMonitoringMode: 'NextChat', includeCurrentChats: true }),
    409, 2, 'with parameters');
  assert.deepEqual(await sup.supervisions(a1), [], 'nothing was started');
});

test('unknown or non-agent target: 6 / HTTP 404; bad values: 10 / HTTP 400; nothing changes', async () => {
  await sup.start();
  expectGwsError(await sup.supervise(UNKNOWN, { operationName: 'Monitor' }), 404, 6, 'unknown user id');
  expectGwsError(await sup.listRaw(UNKNOWN), 404, 6, 'GET of an unknown user id');
  expectGwsError(await sup.supervise(adminId, { operationName: 'Monitor' }), 404, 6, 'the admin is not an agent');
  expectGwsError(await sup.supervise(a1, { operationName: 'Watch' }), 400, 10, 'unknown operationName');
  expectGwsError(await sup.supervise(a1, { operationName: 'monitor' }), 400, 10, 'operation names are case-sensitive');
  expectGwsError(await sup.supervise(a1, { operationName: 'Monitor', supervisorMonitoringMode: 'Sometimes' }), 400, 10, 'bad supervisorMonitoringMode');
  expectGwsError(await sup.supervise(a1, { operationName: 'Monitor', includeCurrentChats: 'yes' }), 400, 10, 'includeCurrentChats of the wrong type');
  expectGwsError(await sup.supervise(a1, { operationName: 'Monitor', nickname: 'n'.repeat(65) }), 400, 10, 'nickname over 64 characters');
  assert.deepEqual(await sup.supervisions(a1), [], 'no failed call started anything');
  await sup.superviseOk(a1, { operationName: 'Coach', supervisorMonitoringMode: 'NextChat' });
  assert.deepEqual(await sup.supervisions(a1), [{ userId: sup.id, nickname: 'supervisor1', mode: 'Coach', supervisorMonitoringMode: 'NextChat' }]);
});

test('supervision ends when the supervisor ends the contact-center session', async () => {
  await sup.superviseOk(a2, { operationName: 'Monitor' });
  await sup.end();
  const again = await supervisor(srv, 'supervisor1', { start: false });
  const l1 = await again.supervisions(a1);
  const l2 = await again.supervisions(a2);
  assert.deepEqual([l1, l2], [[], []], `no supervision is left: ${j([l1, l2])}`);
});
