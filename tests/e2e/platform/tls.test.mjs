// TLS: `parley serve --tls-cert FILE --tls-key FILE` serves HTTPS and WSS (platform.md: the
// session cookie is Secure when served over TLS). A throw-away self-signed certificate is made
// with `openssl` in a temporary directory and trusted by this test process only:
//  - fetch (lib/http.mjs api, lib/chat.mjs Customer): requests to https://127.0.0.1:<port> get
//    an undici Agent whose `connect.ca` is that certificate (other URLs are untouched);
//  - the official CometD client's websocket (ws): `ca` + `rejectUnauthorized:true`;
//  - the official client's long-polling transport uses a private https.Agent that takes no CA,
//    so that part runs in a child node process with NODE_EXTRA_CA_CERTS.
// Certificate verification is never switched off.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Server, tempDir, cleanupAll, sleep, freePort, runCli, BIN, REPO } from '../lib/server.mjs';
import { api, show, expectOk, RawConn } from '../lib/http.mjs';
import {
  officialClient, handshake, subscribe, disconnectAll, adaptOnce, sockets, waitUntil, agent,
  chatState, assertChannelStateMessage, READY_ID, ENDPOINT,
} from '../lib/bayeux.mjs';
import { chatAgent, acceptedChat } from '../lib/chat.mjs';

const j = (x) => JSON.stringify(x);
const HEADER_TIMEOUT_S = 2;

// ---------------------------------------------------------------------------------------------
// Certificate

const certDir = tempDir('parley-tls-');
const CERT = path.join(certDir, 'cert.pem');
const KEY = path.join(certDir, 'key.pem');
const OTHER_CERT = path.join(certDir, 'other-cert.pem');
const OTHER_KEY = path.join(certDir, 'other-key.pem');

function makeCert(keyFile, certFile, cn) {
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile,
      '-days', '1', '-subj', `/CN=${cn}`, '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`this test needs the openssl command to make a self-signed certificate: ${e.message}\n${e.stderr || ''}`);
  }
}
makeCert(KEY, CERT, 'localhost');
makeCert(OTHER_KEY, OTHER_CERT, 'other');
const CA = fs.readFileSync(CERT, 'utf8');

// ---------------------------------------------------------------------------------------------
// Trust the certificate in this process: fetch to https://127.0.0.1:* and the CometD websocket.

const realFetch = globalThis.fetch;
await realFetch('data:,x'); // loads Node's bundled undici, which installs its global Agent
const UndiciAgent = globalThis[Symbol.for('undici.globalDispatcher.1')]?.constructor;
if (typeof UndiciAgent !== 'function') throw new Error('cannot find the undici Agent class behind Node\'s fetch');
const tlsDispatcher = new UndiciAgent({ connect: { ca: CA, rejectUnauthorized: true } });
globalThis.fetch = (input, init = {}) => {
  const url = typeof input === 'string' ? input : (input?.url ?? String(input));
  if (url.startsWith('https://127.0.0.1:')) return realFetch(input, { ...init, dispatcher: tlsDispatcher });
  return realFetch(input, init);
};

adaptOnce();
{
  const Base = globalThis.window.WebSocket;
  globalThis.window.WebSocket = class TrustingWebSocket extends Base {
    constructor(url, protocols, opts) {
      super(url, protocols, { ...(opts || {}), ca: CA, rejectUnauthorized: true });
    }
  };
}

// ---------------------------------------------------------------------------------------------
// A server on TLS

class TlsServer extends Server {
  constructor(o = {}) {
    super({ ...o, flags: ['--tls-cert', CERT, '--tls-key', KEY, '--header-timeout', String(HEADER_TIMEOUT_S), ...(o.flags || [])] });
  }

  get base() {
    return `https://127.0.0.1:${this.port}`;
  }

  /** Like Server.waitHealthy, over https. */
  async waitHealthy(timeoutMs = 10_000, port = this.port) {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer';
    while (Date.now() < deadline) {
      if (this.exit) {
        throw new Error(`server exited (${j(this.exit)}) before it was healthy\nargs: ${this.args().join(' ')}\n${this.output()}`);
      }
      try {
        const r = await fetch(`https://127.0.0.1:${port}/healthz`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(1000) });
        await r.arrayBuffer();
        if (r.status === 200) return;
        last = `HTTP ${r.status}`;
      } catch (e) {
        last = String(e.cause?.code || e.cause?.message || e.message);
      }
      await sleep(50);
    }
    throw new Error(`TLS server not healthy on port ${port} after ${timeoutMs} ms (last: ${last})\nargs: ${this.args().join(' ')}\n${this.output()}`);
  }
}

/** Start, tolerating the binary being rebuilt under us (like startBayeuxServer). */
async function startTlsServer(o = {}) {
  const deadline = Date.now() + 120_000;
  for (let attempt = 0; ; attempt++) {
    while (!fs.existsSync(BIN) && Date.now() < deadline) await sleep(500);
    const s = new TlsServer(o);
    try {
      return await s.start();
    } catch (e) {
      await s.kill();
      const transient = /ETXTBSY|ENOENT|binary not found/.test(String(e.message) + String(e.code));
      if (!transient || attempt >= 4 || Date.now() > deadline) throw e;
      await sleep(2000);
    }
  }
}

/** An official CometD client pointed at https://…/api/v2/notifications. */
function tlsClient(srv, o) {
  const c = officialClient(srv, o);
  const cred = o.user ? `${encodeURIComponent(o.user)}:${encodeURIComponent(o.password ?? 'password')}@` : '';
  c.configure({ url: `https://${cred}127.0.0.1:${srv.port}${ENDPOINT}` });
  return c;
}

let srv;
before(async () => { srv = await startTlsServer(); });
after(async () => {
  await disconnectAll();
  await cleanupAll();
  await tlsDispatcher.close().catch(() => {});
});

// ---------------------------------------------------------------------------------------------

describe('HTTPS basics', () => {
  test('GET /healthz over https → 200 (certificate verified against the test CA)', async () => {
    const r = await api(srv, 'GET', '/healthz');
    assert.equal(r.status, 200, show(r));
  });

  test('an untrusting client refuses the certificate (the server really presents it, verification is on)', async () => {
    await assert.rejects(
      realFetch(`https://127.0.0.1:${srv.port}/healthz`, { signal: AbortSignal.timeout(5000) }),
      (e) => /SELF_SIGNED|self[- ]signed|certificate/i.test(String(e.cause?.code || e.cause?.message || e.message)),
      'fetch without the CA must fail certificate verification');
  });

  test('Basic login over https sets JSESSIONID with Secure, HttpOnly, SameSite=Lax', async () => {
    const r = await api(srv, 'GET', '/api/v2/me', { auth: 'agent1' });
    expectOk(r, 'login over https');
    assert.ok(r.cookieLine, `a JSESSIONID cookie: ${j(r.setCookies)}`);
    const attrs = r.cookieLine.split(';').slice(1).map((s) => s.trim().toLowerCase());
    assert.ok(attrs.includes('secure'), `Secure over TLS: ${r.cookieLine}`);
    assert.ok(attrs.includes('httponly'), `HttpOnly: ${r.cookieLine}`);
    assert.ok(attrs.includes('samesite=lax'), `SameSite=Lax: ${r.cookieLine}`);
    // the cookie works over https
    expectOk(await api(srv, 'GET', '/api/v2/me', { cookie: r.cookie }), 'GET /api/v2/me with the cookie');
  });

  test('answer uri fields are https:// (GET /api/v2/me)', async () => {
    const r = await api(srv, 'GET', '/api/v2/me', { auth: 'agent2' });
    expectOk(r);
    assert.ok(r.json.user.uri.startsWith(`https://127.0.0.1:${srv.port}/`), `user.uri: ${r.json.user.uri}`);
    assert.equal(r.json.user.uri, `https://127.0.0.1:${srv.port}/api/v2/users/${r.json.user.id}`);
  });

  test('plain HTTP to the TLS port gets no HTTP answer and is closed within the header timeout', async () => {
    const limit = HEADER_TIMEOUT_S * 1000 + 1500;
    for (const [what, data] of [
      ['a whole plain request', `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\n\r\n`],
      ['half a request line', 'GET /healthz HTTP/1.1\r\n'],
      ['nothing at all', null],
    ]) {
      const c = await RawConn.open(srv.port);
      const t0 = Date.now();
      if (data) await c.write(data);
      const closed = await c.waitClosed(limit);
      const ms = Date.now() - t0;
      const head = c.buf.subarray(0, 16).toString('latin1');
      c.destroy();
      assert.ok(!head.startsWith('HTTP/'), `${what}: must not get a plain HTTP answer: ${j(head)}`);
      assert.ok(closed, `${what}: the connection must be closed within ${limit} ms (header timeout ${HEADER_TIMEOUT_S} s); still open after ${ms} ms`);
    }
    // and a plain-http fetch fails quickly instead of hanging
    const t0 = Date.now();
    await assert.rejects(realFetch(`http://127.0.0.1:${srv.port}/healthz`, { signal: AbortSignal.timeout(HEADER_TIMEOUT_S * 1000 + 3000) }),
      (e) => e.name !== 'TimeoutError' && !/aborted due to timeout/i.test(e.message), 'plain fetch must fail, not time out');
    assert.ok(Date.now() - t0 < HEADER_TIMEOUT_S * 1000 + 1500, `plain fetch failed after ${Date.now() - t0} ms`);
    assert.equal((await api(srv, 'GET', '/healthz')).status, 200, 'still serving https');
  });
});

describe('CometD over TLS (official client)', () => {
  test('websocket over wss: handshake, subscribe /v2/me/**, ChannelStateChangeMessageV2 when the agent goes Ready', async () => {
    const a = await agent(srv, 'agent1');
    await a.start();
    const got = [];
    const c = tlsClient(srv, { transport: 'websocket', user: 'agent1' });
    const hs = await handshake(c);
    assert.equal(hs.successful, true, `handshake over wss: ${j(hs)}`);
    assert.equal(c.getTransport()?.type, 'websocket', 'negotiated transport');
    const ws = sockets.at(-1);
    const wsUrl = ws ? new URL(String(ws.url)) : null;
    assert.ok(wsUrl && wsUrl.protocol === 'wss:' && wsUrl.host === `127.0.0.1:${srv.port}` && wsUrl.pathname === ENDPOINT,
      `the websocket URL is wss://: ${ws?.url}`);
    const { reply } = await subscribe(c, '/v2/me/**', (m) => got.push(m));
    assert.equal(reply.successful, true, `subscribe /v2/me/**: ${j(reply)}`);
    await a.ready();
    const msg = await waitUntil(() => got.find((m) => m.channel === '/v2/me/channels' && chatState(m)?.state === 'Ready'), 5000,
      () => `ChannelStateChangeMessageV2 Ready over wss; got ${j(got)}`);
    assertChannelStateMessage(msg, 'over wss');
    assert.equal(chatState(msg).id, READY_ID, j(msg));
    await a.notReady('Lunch');
    await waitUntil(() => got.find((m) => chatState(m)?.reason === 'Lunch'), 5000, () => `NotReady over wss; got ${j(got)}`);
    await new Promise((resolve) => c.disconnect(resolve));
  });

  test('long-polling over https (child process trusting the CA via NODE_EXTRA_CA_CERTS)', async () => {
    const a = await agent(srv, 'agent2');
    await a.start();
    const bayeux = pathToFileURL(path.join(REPO, 'tests', 'e2e', 'lib', 'bayeux.mjs')).href;
    const script = `
      import { officialClient, handshake, subscribe } from ${j(bayeux)};
      const out = (x) => process.stdout.write(JSON.stringify(x) + '\\n');
      const port = ${srv.port};
      const c = officialClient({ port }, { transport: 'long-polling', user: 'agent2' });
      c.configure({ url: 'https://agent2:password@127.0.0.1:' + port + ${j(ENDPOINT)} });
      const hs = await handshake(c);
      out({ kind: 'handshake', reply: hs, transport: c.getTransport()?.type, url: c.getURL() });
      if (!hs.successful) process.exit(2);
      const { reply } = await subscribe(c, '/v2/me/**', (m) => out({ kind: 'message', message: m }));
      out({ kind: 'subscribe', reply });
      process.stdin.on('end', () => c.disconnect(() => process.exit(0)));
      process.stdin.resume();
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: CERT },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const lines = [];
    let stderr = '';
    let buf = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const l = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try { lines.push(JSON.parse(l)); } catch { lines.push({ kind: 'garbage', text: l }); }
      }
    });
    child.stderr.on('data', (d) => { stderr += d; });
    let exited = null;
    child.on('exit', (code, signal) => { exited = { code, signal }; });
    const describeChild = () => `child lines: ${j(lines).slice(0, 3000)}\nchild stderr: ${stderr.slice(-2000)}\nexit: ${j(exited)}`;
    try {
      const hs = await waitUntil(() => lines.find((l) => l.kind === 'handshake') || (exited && { exited }), 15_000, describeChild);
      assert.equal(hs.reply?.successful, true, `long-polling handshake over https: ${describeChild()}`);
      assert.equal(hs.transport, 'long-polling', describeChild());
      assert.ok(hs.url.startsWith('https://'), describeChild());
      const sub = await waitUntil(() => lines.find((l) => l.kind === 'subscribe') || (exited && { exited }), 15_000, describeChild);
      assert.equal(sub.reply?.successful, true, `subscribe over https long-polling: ${describeChild()}`);
      await a.ready();
      const m = await waitUntil(() => lines.find((l) => l.kind === 'message' && l.message.channel === '/v2/me/channels' &&
        chatState(l.message)?.state === 'Ready'), 10_000, () => `Ready notification over https long-polling; ${describeChild()}`);
      assertChannelStateMessage(m.message, 'over https long-polling');
      assert.equal(chatState(m.message).id, READY_ID);
    } finally {
      child.stdin.end();
      await Promise.race([new Promise((r) => (exited ? r() : child.once('exit', r))), sleep(3000)]);
      if (!exited) child.kill('SIGKILL');
      await a.notReady('done').catch(() => {});
    }
  });
});

describe('a customer chat over https, end to end', () => {
  test('request chat, agent accepts (push over wss), messages both ways, uri fields are https://', async () => {
    // The agent's push client goes over wss.
    const a = await chatAgent(srv, 'supervisor1', { transport: 'websocket', makeClient: tlsClient });
    assert.equal(a.subscribes[0].successful, true, j(a.subscribes[0]));
    // only supervisor1 is Ready (the other tests leave agent1/agent2 NotReady)
    for (const u of ['agent1', 'agent2']) {
      const o = await agent(srv, u);
      await o.start();
      await o.notReady('busy');
    }
    await a.start();
    await a.ready();

    const base = `https://127.0.0.1:${srv.port}`;
    const from = a.mark();
    const cust = await acceptedChat(srv, a, { nickname: 'Tess', subject: 'TLS' }, { nickname: 'Sam' });
    const chatId = cust.chatId;
    const offer = await a.waitOffer(chatId, { from });
    assert.equal(offer.chat.uri, `${base}/api/v2/chats/${chatId}`, `notification chat.uri: ${j(offer.chat)}`);
    const log = await a.waitPush((d) => d.messageType === 'MessageLogUpdated' && d.chatPath === `/chats/${chatId}`, 'NewMessages after Accept', { from });
    assert.equal(log.chatUri, `${base}/api/v2/chats/${chatId}`, `notification chatUri: ${j(log)}`);
    const parts = (await a.chat(chatId)).participants;
    const me = parts.find((p) => p.type === 'Agent');
    assert.equal(me?.uri, `${base}/api/v2/users/${a.id}`, `participant uri: ${j(parts)}`);
    const uris = JSON.stringify(a.about(chatId, from)).match(/"(chatUri|uri)":"[^"]*"/g) || [];
    assert.ok(uris.length > 0, 'notifications carry uri fields');
    for (const u of uris) assert.match(u, /":"https:\/\//, `every uri in a notification is https://: ${u}`);

    // agent → customer
    let mark = a.mark();
    await a.opOk(chatId, { operationName: 'SendMessage', text: 'hello over TLS' });
    await a.waitMessage(chatId, (m) => m.type === 'Text' && m.text === 'hello over TLS', 'own message pushed over wss', { from: mark });
    const r = await cust.refresh();
    assert.ok(r.messages.some((m) => m.type === 'Message' && m.text === 'hello over TLS' && m.from.type === 'Agent'),
      `the customer gets the agent's message over https: ${j(r.messages)}`);
    // customer → agent
    mark = a.mark();
    await cust.send('answer over TLS');
    const pushed = await a.waitMessage(chatId, (m) => m.type === 'Text' && m.text === 'answer over TLS', 'customer message pushed over wss', { from: mark });
    assert.equal(pushed.from.type, 'Customer', j(pushed));
    const msgs = await a.messages(chatId);
    assert.ok(msgs.some((m) => m.text === 'answer over TLS'), `GET messages over https: ${j(msgs)}`);
    assert.ok(msgs.some((m) => m.text === 'hello over TLS'), j(msgs));
    await a.opOk(chatId, { operationName: 'Complete' });
    const done = await cust.refresh();
    assert.ok(done.messages.some((m) => m.type === 'ParticipantLeft' && m.from.type === 'Agent'), `the customer sees the agent leave: ${j(done)}`);
  });
});

// ---------------------------------------------------------------------------------------------

describe('bad TLS configuration fails at start-up, at once, with a clear message', () => {
  async function serveBad(flags) {
    const port = await freePort();
    const dir = tempDir();
    const t0 = Date.now();
    const r = await runCli(['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dir, '--demo', ...flags], { timeoutMs: 15_000 });
    r.ms = Date.now() - t0;
    r.port = port;
    const what = `parley serve ${flags.join(' ')}`;
    assert.equal(r.signal, null, `${what}: must exit by itself, not hang (killed after 15 s): ${j(r)}`);
    assert.notEqual(r.code, 0, `${what}: must exit non-zero: ${j(r)}`);
    assert.ok(r.ms < 5000, `${what}: must fail at once (took ${r.ms} ms)`);
    assert.ok(r.stderr.trim().length > 0, `${what}: must say why on stderr: ${j(r)}`);
    // nothing listens on the port
    const listening = await new Promise((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1' }, () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    assert.equal(listening, false, `${what}: nothing may listen after a failed start`);
    return r;
  }

  test('--tls-cert without --tls-key', async () => {
    const r = await serveBad(['--tls-cert', CERT]);
    assert.match(r.stderr, /key/i, `the message names the missing key: ${r.stderr}`);
  });

  test('--tls-key without --tls-cert', async () => {
    const r = await serveBad(['--tls-key', KEY]);
    assert.match(r.stderr, /cert/i, `the message names the missing certificate: ${r.stderr}`);
  });

  test('a key that does not match the certificate', async () => {
    const r = await serveBad(['--tls-cert', CERT, '--tls-key', OTHER_KEY]);
    assert.match(r.stderr, /key/i, r.stderr);
    assert.match(r.stderr, /match/i, `the message says the key does not match: ${r.stderr}`);
  });

  test('a missing certificate file', async () => {
    const missing = path.join(certDir, 'no-such-cert.pem');
    const r = await serveBad(['--tls-cert', missing, '--tls-key', KEY]);
    assert.ok(r.stderr.includes(missing), `the message names the file: ${r.stderr}`);
  });

  test('a missing key file', async () => {
    const missing = path.join(certDir, 'no-such-key.pem');
    const r = await serveBad(['--tls-cert', CERT, '--tls-key', missing]);
    assert.ok(r.stderr.includes(missing), `the message names the file: ${r.stderr}`);
  });

  test('files that are not PEM of the right kind (key and certificate swapped)', async () => {
    const r = await serveBad(['--tls-cert', KEY, '--tls-key', CERT]);
    assert.match(r.stderr, /cert|key|PEM/i, r.stderr);
  });
});
