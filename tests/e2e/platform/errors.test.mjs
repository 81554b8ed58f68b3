// The error table, error precedence, and protocol limits (raw sockets).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, cleanupAll, sleep, TIME_SCALE } from '../lib/server.mjs';
import {
  api, basic, login, post, channels, expectOk, expectStatus, expectAccessDenied, expectHealthy,
  RawConn, rawRequest, show,
} from '../lib/http.mjs';

const NOT_READY = '900D55CC-2BB0-431F-8BF9-D3525B383BE6';

let srv;
before(async () => { srv = await startServer({ flags: ['--header-timeout', '2'] }); });
after(cleanupAll);

describe('error table', () => {
  let s; // agent1 with a contact-center session, NotReady
  before(async () => {
    s = await login(srv, 'agent1');
    expectOk(await post(srv, s, '/api/v2/me', { operationName: 'StartContactCenterSession', channels: ['chat'] }));
  });

  async function stillNotReady() {
    const c = await channels(srv, s);
    assert.equal(c[0]?.userState?.id, NOT_READY, `state must be unchanged: ${JSON.stringify(c)}`);
    assert.equal('reason' in c[0].userState, false, `state must be unchanged: ${JSON.stringify(c)}`);
  }

  test('unknown operationName → 10/400 naming the allowed operations', async () => {
    const r = await post(srv, s, '/api/v2/me', { operationName: 'Dance' });
    expectStatus(r, 400, 10);
    for (const op of ['StartContactCenterSession', 'EndContactCenterSession', 'Ready', 'NotReady']) {
      assert.ok(r.json.statusMessage.includes(op), `statusMessage should name ${op}: ${r.json.statusMessage}`);
    }
    const c = await post(srv, s, '/api/v2/me/channels/chat', { operationName: 'Dance' });
    expectStatus(c, 400, 10, 'on /me/channels/chat');
    assert.ok(c.json.statusMessage.includes('Ready') && c.json.statusMessage.includes('NotReady'), c.json.statusMessage);
  });

  test('operation names are case-sensitive', async () => {
    expectStatus(await post(srv, s, '/api/v2/me/channels/chat', { operationName: 'ready' }), 400, 10, '"ready"');
    expectStatus(await post(srv, s, '/api/v2/me', { operationName: 'READY' }), 400, 10, '"READY"');
    await stillNotReady();
  });

  test('missing operationName → 1/400', async () => {
    expectStatus(await post(srv, s, '/api/v2/me/channels/chat', { reason: 'Lunch' }), 400, 1);
    await stillNotReady();
  });

  test('malformed JSON → 10/400', async () => {
    for (const body of ['{"operationName":"Ready"', 'not json at all', '', '[]', '"Ready"', '{"operationName":"Ready"}garbage']) {
      const r = await api(srv, 'POST', '/api/v2/me/channels/chat', { cookie: s.cookie, csrf: s.csrf, body });
      // an empty body or a non-object has no operationName: 1 is acceptable there, otherwise 10
      if (body === '' || body === '[]' || body === '"Ready"') {
        assert.equal(r.status, 400, `${JSON.stringify(body)}: ${show(r)}`);
        assert.ok([1, 10].includes(r.json?.statusCode), `${JSON.stringify(body)}: ${show(r)}`);
      } else {
        expectStatus(r, 400, 10, `body ${JSON.stringify(body)}`);
      }
    }
    await stillNotReady();
  });

  test('invalid UTF-8 in a JSON body → 10/400', async () => {
    const bodies = [
      Buffer.concat([Buffer.from('{"operationName":"NotReady","reason":"'), Buffer.from([0xff, 0xfe, 0x41]), Buffer.from('"}')]),
      Buffer.concat([Buffer.from('{"operationName":"NotReady","reason":"caf'), Buffer.from([0xc3]), Buffer.from('"}')]),
      // overlong encoding of '/'
      Buffer.concat([Buffer.from('{"operationName":"NotReady","reason":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]),
      // UTF-16 surrogate encoded in UTF-8 (CESU)
      Buffer.concat([Buffer.from('{"operationName":"NotReady","reason":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]),
    ];
    for (const b of bodies) {
      const r = await api(srv, 'POST', '/api/v2/me/channels/chat', { cookie: s.cookie, csrf: s.csrf, body: b });
      expectStatus(r, 400, 10, `bytes ${b.toString('hex')}`);
    }
    await stillNotReady();
  });

  test('valid non-ASCII UTF-8 is accepted', async () => {
    expectOk(await post(srv, s, '/api/v2/me/channels/chat', { operationName: 'NotReady', reason: 'Café ☕ 午餐' }));
    const c = await channels(srv, s);
    assert.equal(c[0].userState.reason, 'Café ☕ 午餐');
    // back to plain NotReady
    expectOk(await post(srv, s, '/api/v2/me/channels/chat', { operationName: 'Ready' }));
    expectOk(await post(srv, s, '/api/v2/me/channels/chat', { operationName: 'NotReady' }));
  });

  test('wrong JSON types → 10/400', async () => {
    expectStatus(await post(srv, s, '/api/v2/me/channels/chat', { operationName: 'NotReady', reason: 5 }), 400, 10, 'reason: 5');
    expectStatus(await post(srv, s, '/api/v2/me/channels/chat', { operationName: 'NotReady', reason: { a: 1 } }), 400, 10, 'reason: {}');
    expectStatus(await post(srv, s, '/api/v2/me/channels/chat', { operationName: 42 }), 400, 10, 'operationName: 42');
    await stillNotReady();
    const a2 = await login(srv, 'agent2');
    expectStatus(await post(srv, a2, '/api/v2/me', { operationName: 'StartContactCenterSession', channels: 'chat' }),
      400, 10, 'channels: "chat"');
    expectStatus(await post(srv, a2, '/api/v2/me', { operationName: 'StartContactCenterSession', channels: [5] }),
      400, 10, 'channels: [5]');
    assert.deepEqual(await channels(srv, a2), [], 'refused requests change nothing');
  });

  test('wrong method on a known path → 405 statusCode 10 with Allow', async () => {
    for (const [m, p] of [['PUT', '/api/v2/me'], ['DELETE', '/api/v2/me'], ['DELETE', '/api/v2/me/channels'], ['PATCH', '/api/v2/users']]) {
      const r = await api(srv, m, p, { auth: 'admin', body: m === 'DELETE' ? undefined : {} });
      expectStatus(r, 405, 10, `${m} ${p}`);
      const allow = r.headers.get('allow');
      assert.ok(allow, `${m} ${p}: Allow header missing`);
      assert.ok(!allow.toUpperCase().split(/\s*,\s*/).includes(m), `${m} ${p}: Allow must not list ${m}: ${allow}`);
      assert.ok(allow.toUpperCase().includes('GET'), `${m} ${p}: Allow should list GET: ${allow}`);
    }
    const meAllow = (await api(srv, 'PUT', '/api/v2/me', { auth: 'agent1', body: {} })).headers.get('allow').toUpperCase();
    assert.ok(meAllow.includes('POST'), `Allow for /api/v2/me should list POST: ${meAllow}`);
  });

  test('unknown path under /api/v2 → 404 statusCode 6', async () => {
    for (const p of ['/api/v2/nothing-here', '/api/v2/me/nothing', '/api/v2/me/nothing/deeper']) {
      expectStatus(await api(srv, 'GET', p, { auth: 'agent1' }), 404, 6, p);
    }
    expectStatus(await api(srv, 'POST', '/api/v2/nothing-here', {
      auth: 'agent1', body: { operationName: 'Ready' },
    }), 404, 6, 'POST unknown path');
  });

  test('every API error is JSON with a statusCode', async () => {
    const r = await api(srv, 'GET', '/api/v2/nothing-here', { auth: 'agent1' });
    assert.match(r.headers.get('content-type') || '', /^application\/json/i, show(r));
  });
});

describe('error precedence', () => {
  test('not authenticated (20) beats everything', async () => {
    expectAccessDenied(await api(srv, 'POST', '/api/v2/me', { body: '{"operationName":' }), 'malformed body, no auth');
    expectAccessDenied(await api(srv, 'POST', '/api/v2/users', { body: '{' }), 'malformed body on /users, no auth');
    expectAccessDenied(await api(srv, 'POST', '/api/v2/me', { auth: ['agent1', 'nope'], body: { operationName: 'Dance' } }),
      'unknown operation, wrong password');
    expectAccessDenied(await api(srv, 'GET', '/api/v2/users/0123456789abcdef0123456789abcdef'), 'unknown id, no auth');
  });

  test('missing role (5) beats malformed body (10) and unknown id (6)', async () => {
    expectStatus(await api(srv, 'POST', '/api/v2/users', { auth: 'agent1', body: '{"userName":' }), 403, 5,
      'agent POST malformed JSON to /users');
    expectStatus(await api(srv, 'DELETE', '/api/v2/users/0123456789abcdef0123456789abcdef', { auth: 'supervisor1' }), 403, 5,
      'supervisor DELETE unknown id');
  });

  test('unknown resource (6) beats invalid body (10)', async () => {
    expectStatus(await api(srv, 'PUT', '/api/v2/users/0123456789abcdef0123456789abcdef', { auth: 'admin', body: '{"x":' }),
      404, 6, 'admin PUT malformed JSON to an unknown user');
  });

  test('unknown operation (10) beats wrong state (2); missing parameter (1) beats invalid value (10)', async () => {
    const s = await login(srv, 'supervisor1'); // no contact-center session
    expectStatus(await post(srv, s, '/api/v2/me', { operationName: 'Dance' }), 400, 10, 'unknown op without a session');
    expectStatus(await post(srv, s, '/api/v2/me', { operationName: 'StartContactCenterSession', bogus: 5 }), 400, 1,
      'missing channels (unknown fields ignored)');
  });
});

describe('limits and hostile clients', () => {
  const host = () => `Host: 127.0.0.1:${srv.port}\r\n`;

  test('request line over 8 KiB → 414', async () => {
    const r = await rawRequest(srv.port,
      `GET /api/v2/diagnostics/version?pad=${'a'.repeat(9000)} HTTP/1.1\r\n${host()}Connection: close\r\n\r\n`);
    assert.ok(r, 'expected an answer, the connection was closed without one');
    assert.equal(r.status, 414, show(r));
    assert.equal(r.json?.statusCode, 10, `body should carry statusCode 10: ${show(r)}`);
    await expectHealthy(srv, 'after a long request line');
  });

  test('a request line just under 8 KiB is served', async () => {
    const r = await rawRequest(srv.port,
      `GET /api/v2/diagnostics/version?pad=${'a'.repeat(7000)} HTTP/1.1\r\n${host()}Connection: close\r\n\r\n`);
    assert.equal(r?.status, 200, show(r));
  });

  test('headers over 16 KiB → 431', async () => {
    let pad = '';
    for (let i = 0; i < 20; i++) pad += `X-Pad-${i}: ${'b'.repeat(1000)}\r\n`;
    const r = await rawRequest(srv.port, `GET /api/v2/diagnostics/version HTTP/1.1\r\n${host()}${pad}Connection: close\r\n\r\n`);
    assert.ok(r, 'expected an answer, the connection was closed without one');
    assert.equal(r.status, 431, show(r));
    assert.equal(r.json?.statusCode, 10, `body should carry statusCode 10: ${show(r)}`);
    await expectHealthy(srv, 'after huge headers');
  });

  test('body over 64 KiB on POST /api/v2/me → 413 statusCode 10; 60 KB is fine', async () => {
    const a = await login(srv, 'agent2');
    // make sure agent2 has a session so that NotReady is valid
    await post(srv, a, '/api/v2/me', { operationName: 'StartContactCenterSession', channels: ['chat'] });
    const big = JSON.stringify({ operationName: 'NotReady', pad: 'x'.repeat(70_000) });
    const r = await rawRequest(srv.port, Buffer.from(
      `POST /api/v2/me HTTP/1.1\r\n${host()}Authorization: ${basic('agent2')}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(big)}\r\nConnection: close\r\n\r\n${big}`));
    assert.ok(r, 'expected an answer, the connection was closed without one');
    assert.equal(r.status, 413, show(r));
    assert.equal(r.json?.statusCode, 10, show(r));
    await expectHealthy(srv, 'after a big body');

    const fine = JSON.stringify({ operationName: 'NotReady', pad: 'x'.repeat(60_000) });
    expectOk(await api(srv, 'POST', '/api/v2/me', { cookie: a.cookie, csrf: a.csrf, body: fine }), '60 KB body');
  });

  test('a declared Content-Length over the limit is refused without waiting for the body', async () => {
    const c = await RawConn.open(srv.port);
    try {
      await c.write(`POST /api/v2/me HTTP/1.1\r\n${host()}Authorization: ${basic('agent2')}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 10000000\r\n\r\n{"operationName":');
      const r = await c.readResponse(4000);
      assert.ok(r, 'expected a 413 before the body arrives');
      assert.equal(r.status, 413, show(r));
    } finally {
      c.destroy();
    }
    await expectHealthy(srv, 'after a huge Content-Length');
  });

  test('a client that stalls mid-headers is dropped within the header timeout', async () => {
    const c = await RawConn.open(srv.port);
    const t0 = Date.now();
    try {
      await c.write(`GET /api/v2/diagnostics/version HTTP/1.1\r\n${host()}X-Half: `);
      const closed = await c.waitClosed(2000 + 2500);
      const ms = Date.now() - t0;
      assert.ok(closed, `connection still open after ${ms} ms with --header-timeout 2`);
      if (c.buf.length) {
        assert.match(c.buf.toString('latin1'), /^HTTP\/1\.[01] (408|400)/, `answer to a stalled client: ${c.buf.toString('latin1').slice(0, 200)}`);
      }
    } finally {
      c.destroy();
    }
    await expectHealthy(srv, 'after a stalled client');
  });

  test('a client that connects and sends nothing is dropped too', async () => {
    const c = await RawConn.open(srv.port);
    try {
      assert.ok(await c.waitClosed(2000 + 2500), 'silent connection still open');
    } finally {
      c.destroy();
    }
  });

  test('many stalled clients do not block others', async () => {
    const conns = await Promise.all(Array.from({ length: 50 }, () => RawConn.open(srv.port)));
    try {
      for (const c of conns) await c.write('GET /healthz HTTP/1.1\r\n');
      const t0 = Date.now();
      await expectHealthy(srv, 'with 50 stalled connections');
      const v = await api(srv, 'GET', '/api/v2/diagnostics/version');
      assert.equal(v.status, 200);
      assert.ok(Date.now() - t0 < 1500 * TIME_SCALE, 'answered promptly');
    } finally {
      for (const c of conns) c.destroy();
    }
  });

  test('keep-alive: two requests on one connection are both answered', async () => {
    const c = await RawConn.open(srv.port);
    try {
      await c.write(`GET /healthz HTTP/1.1\r\n${host()}\r\n`);
      const r1 = await c.readResponse(3000);
      assert.equal(r1?.status, 200, `first: ${show(r1)}`);
      assert.equal(c.closed, false, 'connection closed after the first keep-alive response');
      await c.write(`GET /api/v2/diagnostics/version HTTP/1.1\r\n${host()}\r\n`);
      const r2 = await c.readResponse(3000);
      assert.equal(r2?.status, 200, `second: ${show(r2)}`);
      assert.equal(r2.json?.statusCode, 0, show(r2));
      await c.write(`GET /api/v2/me HTTP/1.1\r\n${host()}Authorization: ${basic('agent1')}\r\nConnection: close\r\n\r\n`);
      const r3 = await c.readResponse(5000);
      assert.equal(r3?.status, 200, `third: ${show(r3)}`);
      assert.ok(await c.waitClosed(2000), 'Connection: close is honoured');
    } finally {
      c.destroy();
    }
  });

  test('pipelined requests are answered in order', async () => {
    const c = await RawConn.open(srv.port);
    try {
      await c.write(`GET /healthz HTTP/1.1\r\n${host()}\r\nGET /api/v2/diagnostics/version HTTP/1.1\r\n${host()}\r\n`);
      const r1 = await c.readResponse(3000);
      const r2 = await c.readResponse(3000);
      assert.equal(r1?.status, 200, show(r1));
      assert.equal(r2?.status, 200, show(r2));
      assert.equal(r2.json?.statusCode, 0, 'second answer is the version');
    } finally {
      c.destroy();
    }
  });

  test('garbage instead of HTTP gets 400 or a closed connection, and the server lives on', async () => {
    const c = await RawConn.open(srv.port);
    try {
      await c.write('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 this is not http\r\n\r\n');
      const r = await c.readResponse(3000).catch(() => null);
      if (r) assert.equal(r.status, 400, show(r));
    } finally {
      c.destroy();
    }
    await expectHealthy(srv, 'after garbage');
  });
});

describe('configured limits (--idle-timeout 1 --max-body 1024)', () => {
  let idle;
  before(async () => { idle = await startServer({ flags: ['--idle-timeout', '1', '--max-body', '1024'] }); });

  test('--max-body lowers the body limit', async () => {
    const small = { operationName: 'StartContactCenterSession', channels: ['chat'], pad: 'x'.repeat(500) };
    expectOk(await api(idle, 'POST', '/api/v2/me', { auth: 'agent1', body: small }), '~560-byte body');
    const big = { operationName: 'NotReady', pad: 'x'.repeat(2000) };
    expectStatus(await api(idle, 'POST', '/api/v2/me', { auth: 'agent1', body: big }), 413, 10, '~2 KB body');
  });

  test('an idle keep-alive connection is closed after the idle timeout', async () => {
    const c = await RawConn.open(idle.port);
    try {
      await c.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${idle.port}\r\n\r\n`);
      const r = await c.readResponse(3000);
      assert.equal(r?.status, 200, show(r));
      await sleep(200);
      assert.equal(c.closed, false, 'closed too early');
      assert.ok(await c.waitClosed(1000 + 2500), 'idle connection not closed');
    } finally {
      c.destroy();
    }
  });
});
