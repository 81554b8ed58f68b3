// Helpers for the CometD (Bayeux 1.0) notification tests: the official CometD client set up
// for Node, a raw long-polling client (fetch), a raw websocket client (ws), agent-state
// operations, a TCP proxy that can drop connections, and small waiting utilities.
import fs from 'node:fs';
import net from 'node:net';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { CometD } from 'cometd';
import { AckExtension } from 'cometd/AckExtension.js';
import { adapt } from 'cometd-nodejs-client';
import { BIN, DEMO_PASSWORD, sleep, startServer } from './server.mjs';
import { api, login, post, expectOk, show } from './http.mjs';

export { CometD, AckExtension, WebSocket };

export const ENDPOINT = '/api/v2/notifications';
export const READY_ID = '9430250E-0A1B-421F-B372-F29E69366DED';
export const NOT_READY_ID = '900D55CC-2BB0-431F-8BF9-D3525B383BE6';

// ---------------------------------------------------------------------------------------------
// Server start that tolerates the binary being rebuilt under us.

export async function startBayeuxServer(o = {}) {
  const deadline = Date.now() + 120_000;
  for (let attempt = 0; ; attempt++) {
    while (!fs.existsSync(BIN) && Date.now() < deadline) await sleep(500);
    try {
      return await startServer(o);
    } catch (e) {
      // ETXTBSY / ENOENT while the binary is being replaced: wait and retry a few times.
      const transient = /ETXTBSY|ENOENT|binary not found|exited/.test(String(e.message) + String(e.code));
      if (!transient || attempt >= 4 || Date.now() > deadline) throw e;
      await sleep(2000);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Waiting

/** Poll cond() every 10 ms until truthy; throw with describe() after timeoutMs. */
export async function waitUntil(cond, timeoutMs, describe = () => '') {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > deadline) {
      const d = typeof describe === 'function' ? describe() : describe;
      throw new Error(`timed out after ${timeoutMs} ms waiting: ${d}`);
    }
    await sleep(10);
  }
}

// ---------------------------------------------------------------------------------------------
// Notifications

/** The chat channel's userState of a ChannelStateChangeMessageV2 Bayeux message. */
export function chatState(msg) {
  const ch = msg?.data?.channels;
  if (!Array.isArray(ch)) return undefined;
  return ch.find((c) => c.channel === 'chat')?.userState;
}

/** The NotReady reason carried by a channel-state notification ('' for Ready / no reason). */
export function reasonOf(msg) {
  const s = chatState(msg);
  return s ? (s.reason ?? (s.state === 'Ready' ? '<Ready>' : '<NotReady>')) : '<not a channel state>';
}

export function assertChannelStateMessage(msg, what = '') {
  assert.equal(msg.channel, '/v2/me/channels', `${what}: channel of ${JSON.stringify(msg)}`);
  assert.equal(msg.data?.messageType, 'ChannelStateChangeMessageV2', `${what}: ${JSON.stringify(msg)}`);
  assert.ok(Array.isArray(msg.data.channels), `${what}: channels array in ${JSON.stringify(msg)}`);
}

// ---------------------------------------------------------------------------------------------
// Agent state operations through an HTTP session (cookie + CSRF: one password check only).

export async function agent(srv, user, password = DEMO_PASSWORD) {
  const s = await login(srv, user, password);
  const op = async (path, body, what) => {
    const r = await post(srv, s, path, body);
    expectOk(r, `${user} ${what}`);
    return r;
  };
  return {
    user,
    password,
    cookie: s.cookie,
    csrf: s.csrf,
    id: s.user.id,
    start: () => op('/api/v2/me', { operationName: 'StartContactCenterSession', channels: ['chat'] }, 'StartContactCenterSession'),
    end: () => op('/api/v2/me', { operationName: 'EndContactCenterSession' }, 'EndContactCenterSession'),
    ready: () => op('/api/v2/me/channels/chat', { operationName: 'Ready' }, 'Ready'),
    notReady: (reason) => op('/api/v2/me/channels/chat', { operationName: 'NotReady', reason }, `NotReady ${reason}`),
    channels: async () => {
      const r = await api(srv, 'GET', '/api/v2/me/channels', { cookie: s.cookie });
      expectOk(r, 'GET /api/v2/me/channels');
      return r.json.channels;
    },
  };
}

/** Create users through the admin API; returns their names. */
export async function createUsers(srv, names, password = DEMO_PASSWORD) {
  const admin = await login(srv, 'admin');
  for (const userName of names) {
    const r = await post(srv, admin, '/api/v2/users', {
      userName, password, firstName: userName, lastName: 'Test', roles: ['ROLE_AGENT'],
    });
    expectOk(r, `create user ${userName}`);
  }
  return names;
}

// ---------------------------------------------------------------------------------------------
// The official CometD client

let adapted = false;
/** Recorded websockets (instances created by the CometD client), newest last. */
export const sockets = [];

/** adapt() once per process, and wrap window.WebSocket to record instances. */
export function adaptOnce() {
  if (adapted) return;
  adapted = true;
  adapt();
  const Base = globalThis.window.WebSocket;
  globalThis.window.WebSocket = class RecordedWebSocket extends Base {
    constructor(...args) {
      super(...args);
      this.loseNext = false;
      this.lost = [];
      sockets.push(this);
    }

    /** Swallow the next incoming frame that carries a /v2/me/ delivery, then terminate. */
    loseNextDelivery() {
      this.loseNext = true;
    }

    emit(event, ...args) {
      if (event === 'message' && this.loseNext && String(args[0]).includes('"/v2/me/')) {
        this.loseNext = false;
        this.lost.push(String(args[0]));
        this.terminate();
        return true;
      }
      return super.emit(event, ...args);
    }
  };
}

/**
 * A CometD client for one simulated user.
 * @param {{port:number}} srv
 * @param {object} o
 * @param {'websocket'|'long-polling'} o.transport  the only transport registered
 * @param {string} [o.user] user for URL credentials (omit for none)
 * @param {string} [o.password]
 * @param {string} [o.cookie] "JSESSIONID=..." sent by the long-polling transport
 * @param {boolean} [o.ack] register the AckExtension
 * @param {number} [o.port] port to connect to (default srv.port; e.g. a proxy)
 */
export function officialClient(srv, o) {
  adaptOnce();
  const c = new CometD();
  allClients.push(c);
  if (o.ack) c.registerExtension('ack', new AckExtension());
  if (o.transport === 'long-polling') c.unregisterTransport('websocket');
  else if (o.transport === 'websocket') c.unregisterTransport('long-polling');
  else throw new Error(`transport? ${o.transport}`);
  // cometd-nodejs-client keeps one cookie jar for the whole process; give each client its own.
  const lp = c.findTransport('long-polling');
  if (lp) {
    const jar = {};
    if (o.cookie) jar[o.cookie.split('=')[0]] = o.cookie;
    lp.context = { cookieStore: { '127.0.0.1': jar } };
  }
  const cred = o.user ? `${encodeURIComponent(o.user)}:${encodeURIComponent(o.password ?? DEMO_PASSWORD)}@` : '';
  c.configure({ url: `http://${cred}127.0.0.1:${o.port ?? srv.port}${ENDPOINT}`, logLevel: o.logLevel || 'warn' });
  return c;
}

export function handshake(c, props) {
  return new Promise((resolve) => (props ? c.handshake(props, resolve) : c.handshake(resolve)));
}

/** Subscribe; resolves {reply, sub}. */
export function subscribe(c, channel, listener) {
  return new Promise((resolve) => {
    const sub = c.subscribe(channel, listener, (reply) => resolve({ reply, sub }));
  });
}

export function publish(c, channel, data) {
  return new Promise((resolve) => c.publish(channel, data, resolve));
}

const allClients = [];

/** Disconnect every official client created by this process (call it in after()). */
export async function disconnectAll() {
  await Promise.all(allClients.splice(0).map((c) => disconnect(c)));
}

/** Disconnect without waiting long (a dead server must not hang the test). */
export async function disconnect(c) {
  if (!c || c.isDisconnected()) return;
  await Promise.race([new Promise((resolve) => c.disconnect(resolve)), sleep(2000)]);
}

// ---------------------------------------------------------------------------------------------
// Raw long-polling client

let rawIds = 0;
const nextId = () => String(++rawIds);

export class RawLongPoll {
  /**
   * @param {{base:string}} srv
   * @param {object} [o]
   * @param {string} [o.cookie]  "JSESSIONID=..."
   * @param {string} [o.authorization]  Authorization header value
   */
  constructor(srv, o = {}) {
    this.base = srv.base;
    this.cookie = o.cookie;
    this.authorization = o.authorization;
    this.clientId = null;
  }

  /** POST a body (array/object → JSON, string as is); {status, text, json, ms}. */
  async post(body, { path = '', timeoutMs = 40_000, headers = {} } = {}) {
    const h = { 'content-type': 'application/json', ...headers };
    if (this.cookie) h.cookie = this.cookie;
    if (this.authorization) h.authorization = this.authorization;
    const t0 = Date.now();
    const r = await fetch(this.base + ENDPOINT + path, {
      method: 'POST', headers: h, body: typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await r.text();
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: r.status, text, json, ms: Date.now() - t0, headers: r.headers };
  }

  /** Send messages, expect HTTP 200 and a JSON array; returns {replies, ms, res}. */
  async send(msgs, opts) {
    const res = await this.post(msgs, opts);
    assert.equal(res.status, 200, `Bayeux POST ${JSON.stringify(msgs).slice(0, 200)}: ${show(res)}`);
    assert.ok(Array.isArray(res.json), `Bayeux reply must be a JSON array: ${show(res)}`);
    return { replies: res.json, ms: res.ms, res };
  }

  async handshake({ ack = false, ext, path = '' } = {}) {
    const m = { channel: '/meta/handshake', version: '1.0', minimumVersion: '1.0', supportedConnectionTypes: ['long-polling'], id: nextId() };
    if (ack) m.ext = { ack: true };
    if (ext) m.ext = ext;
    const { replies } = await this.send([m], { path });
    const reply = replies.find((x) => x.channel === '/meta/handshake');
    assert.ok(reply, `no handshake reply in ${JSON.stringify(replies)}`);
    assert.equal(reply.id, m.id, `handshake reply must echo the id: ${JSON.stringify(reply)}`);
    if (reply.successful) this.clientId = reply.clientId;
    return reply;
  }

  async subscribe(subscription) {
    const m = { channel: '/meta/subscribe', clientId: this.clientId, subscription, id: nextId() };
    const { replies } = await this.send([m]);
    const reply = replies.find((x) => x.channel === '/meta/subscribe');
    assert.ok(reply, `no subscribe reply in ${JSON.stringify(replies)}`);
    assert.equal(reply.id, m.id, `subscribe reply must echo the id: ${JSON.stringify(reply)}`);
    return reply;
  }

  /**
   * One /meta/connect. Returns {reply (the /meta/connect reply), messages (the others, in
   * order), ms, replies}.
   */
  async connect({ ack, first = false, timeoutMs } = {}) {
    const m = { channel: '/meta/connect', clientId: this.clientId, connectionType: 'long-polling', id: nextId() };
    if (first) m.advice = { timeout: 0 };
    if (ack !== undefined) m.ext = { ack };
    const { replies, ms } = await this.send([m], { timeoutMs, path: '/connect' });
    const reply = replies.find((x) => x.channel === '/meta/connect');
    assert.ok(reply, `no connect reply in ${JSON.stringify(replies)}`);
    assert.equal(reply.id, m.id, `connect reply must echo the id: ${JSON.stringify(reply)}`);
    const messages = replies.filter((x) => !String(x.channel).startsWith('/meta/'));
    return { reply, messages, ms, replies };
  }
}

// ---------------------------------------------------------------------------------------------
// Raw websocket client

export class RawWs {
  /**
   * Open a websocket to the endpoint.
   * @param {number} port
   * @param {object} [o]
   * @param {string|string[]} [o.protocols]
   * @param {object} [o.headers]  e.g. {cookie}
   * @param {string} [o.user] URL credentials
   */
  static open(port, o = {}) {
    const cred = o.user ? `${o.user}:${o.password ?? DEMO_PASSWORD}@` : '';
    const url = `ws://${cred}127.0.0.1:${port}${ENDPOINT}`;
    return new Promise((resolve, reject) => {
      const ws = o.protocols !== undefined
        ? new WebSocket(url, o.protocols, { headers: o.headers || {} })
        : new WebSocket(url, { headers: o.headers || {} });
      const t = setTimeout(() => { ws.terminate(); reject(new Error('websocket open timed out')); }, 15_000);
      ws.once('open', () => { clearTimeout(t); resolve(new RawWs(ws)); });
      ws.once('error', (e) => { clearTimeout(t); reject(e); });
      ws.once('unexpected-response', (req, res) => {
        clearTimeout(t);
        reject(new Error(`websocket upgrade refused: HTTP ${res.statusCode}`));
      });
    });
  }

  constructor(ws) {
    this.ws = ws;
    this.clientId = null;
    this.pending = new Map(); // id -> resolve
    this.messages = []; // non-meta messages, in arrival order
    this.frames = [];
    this.closed = false;
    this.lastAck = undefined;
    this.loop = false;
    this.loopError = null;
    this.onMessage = null;
    this.connectsSent = 0;
    this.lastFrameAt = 0;
    ws.on('message', (data) => {
      let arr;
      try { arr = JSON.parse(String(data)); } catch { arr = [{ unparsable: String(data) }]; }
      if (!Array.isArray(arr)) arr = [arr];
      this.frames.push(arr);
      this.lastFrameAt = Date.now();
      // Non-meta messages first (they are delivered before the reply that carries them).
      for (const m of arr) {
        if (!String(m.channel).startsWith('/meta/')) {
          this.messages.push(m);
          if (this.onMessage) this.onMessage(m);
        }
      }
      for (const m of arr) {
        if (m.id !== undefined && this.pending.has(m.id)) {
          const f = this.pending.get(m.id);
          this.pending.delete(m.id);
          f(m);
        }
      }
    });
    ws.on('close', () => {
      this.closed = true;
      for (const f of this.pending.values()) f(null);
      this.pending.clear();
    });
    ws.on('error', () => {});
  }

  /** Send one message and resolve with the reply carrying its id (null if the socket closed). */
  request(msg, timeoutMs = 40_000) {
    msg.id = msg.id ?? nextId();
    return new Promise((resolve, reject) => {
      if (this.closed) { resolve(null); return; }
      const t = setTimeout(() => {
        this.pending.delete(msg.id);
        reject(new Error(`no reply to ${JSON.stringify(msg)} within ${timeoutMs} ms; socket: ${this.describe()}`));
      }, timeoutMs);
      this.pending.set(msg.id, (m) => { clearTimeout(t); resolve(m); });
      this.ws.send(JSON.stringify([msg]));
    });
  }

  async handshake({ ack = false, timeoutMs } = {}) {
    const m = { channel: '/meta/handshake', version: '1.0', minimumVersion: '1.0', supportedConnectionTypes: ['websocket'] };
    if (ack) m.ext = { ack: true };
    const reply = await this.request(m, timeoutMs);
    if (reply?.successful) this.clientId = reply.clientId;
    return reply;
  }

  subscribe(subscription, timeoutMs) {
    return this.request({ channel: '/meta/subscribe', clientId: this.clientId, subscription }, timeoutMs);
  }

  async connect({ ack, first = false, timeoutMs } = {}) {
    const m = { channel: '/meta/connect', clientId: this.clientId, connectionType: 'websocket' };
    if (first) m.advice = { timeout: 0 };
    if (ack !== undefined) m.ext = { ack };
    const t0 = Date.now();
    this.connectsSent++;
    const reply = await this.request(m, timeoutMs);
    return { reply, ms: Date.now() - t0 };
  }

  /** Keep one connect outstanding, like a client does, until stop() or a failure. */
  startConnectLoop() {
    this.loop = true;
    (async () => {
      let first = true;
      while (this.loop && !this.closed) {
        const { reply } = await this.connect({ first });
        first = false;
        if (!reply) break;
        if (!reply.successful) { this.loopError = reply; break; }
      }
    })().catch((e) => { this.loopError = e; });
  }

  /** A one-line state summary for failure messages. */
  describe() {
    return JSON.stringify({
      clientId: this.clientId, closed: this.closed, connectsSent: this.connectsSent,
      pending: [...this.pending.keys()], frames: this.frames.length,
      lastFrameMsAgo: this.lastFrameAt ? Date.now() - this.lastFrameAt : null,
      lastFrames: this.frames.slice(-3), loopError: this.loopError,
    });
  }

  close() {
    this.loop = false;
    try { this.ws.terminate(); } catch { /* ignore */ }
  }
}

// ---------------------------------------------------------------------------------------------
// A TCP proxy whose connections can be cut, to simulate network drops for any transport.

export class DropProxy {
  constructor(targetPort) {
    this.targetPort = targetPort;
    this.pairs = new Set();
    this.drops = 0;
    this.lost = []; // server→client chunks swallowed by loseNextDelivery()
    this.loseNext = false;
    this.server = net.createServer((client) => {
      const upstream = net.connect({ port: this.targetPort, host: '127.0.0.1' });
      const pair = { client, upstream };
      this.pairs.add(pair);
      const done = () => { client.destroy(); upstream.destroy(); this.pairs.delete(pair); };
      client.on('error', done);
      upstream.on('error', done);
      client.on('close', done);
      upstream.on('close', done);
      client.pipe(upstream);
      upstream.on('data', (chunk) => {
        if (this.loseNext && chunk.includes('"/v2/me/')) {
          // The server's delivery is lost in the network: swallow it and cut the connection.
          this.loseNext = false;
          this.lost.push(chunk.toString('utf8'));
          this.drops++;
          client.resetAndDestroy ? client.resetAndDestroy() : client.destroy();
          upstream.destroy();
          return;
        }
        client.write(chunk);
      });
    });
  }

  listen() {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => {
      this.port = this.server.address().port;
      resolve(this);
    }));
  }

  /** Swallow the next server→client chunk that carries a /v2/me/ delivery, and cut that connection. */
  loseNextDelivery() {
    this.loseNext = true;
  }

  /** Cut every open connection abruptly. */
  dropAll() {
    for (const { client, upstream } of this.pairs) {
      client.resetAndDestroy ? client.resetAndDestroy() : client.destroy();
      upstream.destroy();
    }
    this.drops++;
    this.pairs.clear();
  }

  close() {
    this.dropAll();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
