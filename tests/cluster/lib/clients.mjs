// Clients of a Parley cluster that reach it through HAProxy the way a browser does: pinned to
// a chosen node by the PARLEYNODE stickiness cookie, sticky to the node HAProxy picked for
// them, or balanced anew on every request — recording which node answered each request
// (X-Parley-Node). The e2e helpers (tests/e2e/lib) run as they are inside a client's own async
// context (AsyncLocalStorage); fetch, and the WebSocket and XMLHttpRequest classes of
// cometd-nodejs-client, add that client's cookie to every request and note the answering node.
import { AsyncLocalStorage } from 'node:async_hooks';
import assert from 'node:assert/strict';
import { api } from '../../e2e/lib/http.mjs';
import { CometD, adaptOnce, disconnect, waitUntil } from '../../e2e/lib/bayeux.mjs';
import { chatAgent, Customer, assertEnvelope, SERVICE } from '../../e2e/lib/chat.mjs';
import { supervisor } from '../../e2e/lib/supervision.mjs';

/** HAProxy's stickiness cookie (deploy/haproxy.cfg.in). */
export const COOKIE = 'PARLEYNODE';
/** The response header naming the node a client is connected to. */
export const NODE_HEADER = 'x-parley-node';

const j = (x) => JSON.stringify(x);

// ---------------------------------------------------------------------------------------------
// The stickiness cookie

/** One client's PARLEYNODE cookie, as a browser keeps it. */
export class StickyCookie {
  constructor(node = null) {
    this.node = node;
    this.changes = 0;
  }

  get pair() {
    return this.node ? `${COOKIE}=${this.node}` : null;
  }

  /** A Cookie header value: `existing` with our cookie set (replacing any other value of it). */
  header(existing) {
    const others = String(existing || '').split(';').map((s) => s.trim())
      .filter((s) => s && !s.startsWith(`${COOKIE}=`));
    if (this.pair) others.push(this.pair);
    return others.join('; ');
  }

  /** Take the cookie from Set-Cookie lines; true if it changed. */
  update(setCookies) {
    for (const line of [setCookies || []].flat()) {
      const m = new RegExp(`^\\s*${COOKIE}=([^;]*)`).exec(line);
      if (m && m[1] !== this.node) {
        this.node = m[1];
        this.changes++;
        return true;
      }
    }
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Clients

const current = new AsyncLocalStorage();
let installed = false;

/** The request headers (object or Headers) as a plain object with the client's cookie set. */
function withCookie(client, headers) {
  const h = {};
  if (headers) {
    const entries = headers instanceof Headers ? headers.entries() : Array.isArray(headers) ? headers : Object.entries(headers);
    for (const [k, v] of entries) h[k] = v;
  }
  const key = Object.keys(h).find((k) => k.toLowerCase() === 'cookie');
  const value = client.cookie.header(key ? h[key] : '');
  if (key) delete h[key];
  if (value) h.cookie = value;
  return h;
}

/** Make fetch, WebSocket and XMLHttpRequest serve the client whose context is current. */
function installTransports() {
  if (installed) return;
  installed = true;
  adaptOnce();
  const baseFetch = globalThis.fetch;
  globalThis.fetch = async function clusterFetch(input, init = {}) {
    const client = current.getStore();
    if (!client) return baseFetch(input, init);
    const res = await baseFetch(input, { ...init, headers: withCookie(client, init.headers) });
    const url = typeof input === 'string' ? input : input.url;
    client.answered(res.headers.get(NODE_HEADER), res.headers.getSetCookie(), `${init.method || 'GET'} ${new URL(url).pathname}`);
    return res;
  };
  const BaseWebSocket = globalThis.window.WebSocket;
  globalThis.window.WebSocket = class ClusterWebSocket extends BaseWebSocket {
    constructor(url, protocols, options) {
      const client = current.getStore();
      if (client) options = { ...(options || {}), headers: withCookie(client, options?.headers) };
      super(url, protocols, options);
      if (client) {
        this.once('upgrade', (res) => client.answered(res.headers[NODE_HEADER] ?? null, res.headers['set-cookie'],
          `websocket ${new URL(url).pathname}`));
      }
    }
  };
  // The long-polling transport: the cookie on every request. (cometd-nodejs-client does not
  // expose response headers, so long-polling answers are not recorded.)
  const BaseXhr = globalThis.window.XMLHttpRequest;
  globalThis.window.XMLHttpRequest = class ClusterXMLHttpRequest extends BaseXhr {
    send(data) {
      const client = current.getStore();
      if (client?.cookie.pair) this.setRequestHeader('Cookie', client.cookie.pair);
      return super.send(data);
    }
  };
}

let clientSeq = 0;

export class ClusterClient {
  constructor(cluster, { node = null, sticky = false, name } = {}) {
    installTransports();
    if (node !== null) cluster.node(node);
    this.cluster = cluster;
    this.pinned = node;
    this.sticky = sticky && node === null;
    this.cookie = new StickyCookie(node);
    this.name = name || (node ? `client@${node}` : this.sticky ? `sticky#${++clientSeq}` : `balanced#${++clientSeq}`);
    /** Every answer: {node (X-Parley-Node, null if absent), what}, in order. */
    this.answers = [];
  }

  answered(node, setCookies, what) {
    this.answers.push({ node, what });
    if (this.sticky) this.cookie.update(setCookies);
  }

  /** The nodes that answered, without repeats, in first-answer order. */
  nodes() {
    return [...new Set(this.answers.map((a) => a.node))];
  }

  /** Run fn with this client's context: its requests carry its cookie and are recorded. */
  run(fn) {
    return current.run(this, fn);
  }

  /** Make every method of obj (own and inherited) run in this client's context; returns obj. */
  bind(obj) {
    const seen = new Set();
    for (let o = obj; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
      for (const k of Object.getOwnPropertyNames(o)) {
        if (k === 'constructor' || seen.has(k)) continue;
        seen.add(k);
        const d = Object.getOwnPropertyDescriptor(o, k);
        if (typeof d.value !== 'function') continue;
        const f = d.value;
        obj[k] = (...args) => this.run(() => f.apply(obj, args));
      }
    }
    return obj;
  }

  /** api() of tests/e2e/lib/http.mjs through HAProxy with this client's cookie. */
  api(method, p, o) {
    return this.run(() => api(this.cluster.srv, method, p, o));
  }

  /** chatAgent() of tests/e2e/lib/chat.mjs (HTTP session + CometD on /v2/me/*) through this client. */
  async chatAgent(user, opts = {}) {
    const a = this.bind(await this.run(() => chatAgent(this.cluster.srv, user, opts)));
    if (a.client) this.cluster.cometds.add(a.client);
    a.via = this;
    return a;
  }

  /** supervisor() of tests/e2e/lib/supervision.mjs through this client. */
  async supervisor(user, opts = {}) {
    const s = this.bind(await this.run(() => supervisor(this.cluster.srv, user, opts)));
    if (s.client) this.cluster.cometds.add(s.client);
    s.via = this;
    return s;
  }

  /** A customer of the GMS Chat API v2 over CometD (/genesys/cometd) through this client. */
  async cometdCustomer(opts = {}) {
    const c = this.bind(new CometdCustomer(this, opts));
    await c.connect();
    return c;
  }

  /**
   * Assert that every answer so far came from `node` (default: the pinned node, or for a
   * sticky client the node of its cookie), and that there was at least one.
   */
  assertOn(node = this.pinned ?? this.cookie.node, what = '') {
    assert.ok(this.answers.length > 0, `${this.name} ${what}: no answers recorded`);
    const off = this.answers.filter((a) => a.node !== node);
    assert.deepEqual(off, [], `${this.name} ${what}: every answer must come from ${node} (${NODE_HEADER}); these did not: ${j(off.slice(0, 10))}`);
  }
}

// ---------------------------------------------------------------------------------------------
// A customer over CometD

/**
 * The GMS Chat API v2 over CometD (customer.md "CometD (push) API"): the official client on
 * /genesys/cometd, subscribed to /service/chatV2/{service}. Every pushed envelope is kept;
 * `rest` is the same customer on the REST API (tests/e2e/lib/chat.mjs Customer) once the chat
 * exists, through the same cluster client.
 */
export class CometdCustomer {
  constructor(via, { transport = 'websocket', service = SERVICE } = {}) {
    this.via = via;
    this.transport = transport;
    this.service = service;
    this.channel = `/service/chatV2/${service}`;
    this.pushes = [];
    this.byIndex = new Map();
    this.rest = null;
  }

  async connect() {
    const c = new CometD();
    if (this.transport === 'long-polling') c.unregisterTransport('websocket');
    else if (this.transport === 'websocket') c.unregisterTransport('long-polling');
    else throw new Error(`transport? ${this.transport}`);
    c.configure({ url: `${this.via.cluster.url}/genesys/cometd`, logLevel: 'warn' });
    this.client = c;
    this.via.cluster.cometds.add(c);
    const hs = await new Promise((resolve) => c.handshake(resolve));
    assert.equal(hs.successful, true, `customer handshake on /genesys/cometd: ${j(hs)}`);
    assert.equal(c.getTransport().type, this.transport);
    const sub = await new Promise((resolve) => c.subscribe(this.channel, (m) => this.onPush(m.data), resolve));
    assert.equal(sub.successful, true, `customer subscribe ${this.channel}: ${j(sub)}`);
  }

  onPush(data) {
    this.pushes.push(data);
    for (const m of data?.messages || []) {
      const old = this.byIndex.get(m.index);
      // The same index pushed twice must be the same message (checked in assertPushes()).
      if (!old) this.byIndex.set(m.index, m);
      else if (j(old) !== j(m)) this.conflicts = [...(this.conflicts || []), [old, m]];
    }
  }

  publish(data) {
    return new Promise((resolve) => this.client.publish(this.channel, data, resolve));
  }

  async publishOk(data) {
    const r = await this.publish(data);
    assert.equal(r.successful, true, `customer publish ${j(data)}: ${j(r)}`);
    return r;
  }

  get cred() {
    return { userId: this.userId, secureKey: this.secureKey, alias: this.alias };
  }

  /** requestChat; waits for the first envelope (with the chat id), which it returns. */
  async requestChat(params) {
    const from = this.pushes.length;
    await this.publishOk({ operation: 'requestChat', ...params });
    await waitUntil(() => this.pushes.slice(from).some((p) => p?.chatId), 10_000,
      () => `the first envelope after requestChat; pushes ${j(this.pushes.slice(from)).slice(0, 2000)}`);
    const first = this.pushes.slice(from).find((p) => p.chatId);
    assertEnvelope({ status: 200, json: first, text: j(first) }, 'first pushed envelope');
    Object.assign(this, { chatId: first.chatId, userId: first.userId, secureKey: first.secureKey, alias: first.alias });
    this.rest = this.via.bind(new Customer(this.via.cluster.srv, first, this.service));
    return first;
  }

  sendMessage(message, extra = {}) {
    return this.publishOk({ operation: 'sendMessage', secureKey: this.secureKey, message, ...extra });
  }

  disconnectChat() {
    return this.publishOk({ operation: 'disconnect', secureKey: this.secureKey });
  }

  /** The highest index pushed so far (0 if none). */
  maxIndex() {
    return Math.max(0, ...this.byIndex.keys());
  }

  /** Pushed messages with index > after, in index order. */
  since(after) {
    return [...this.byIndex.values()].filter((m) => m.index > after).sort((a, b) => a.index - b.index);
  }

  /** Wait until a pushed message with index > after matches pred; returns it. */
  async waitMessage(pred, what, { after = 0, timeoutMs = 10_000 } = {}) {
    let found;
    await waitUntil(() => {
      found = this.since(after).find(pred);
      return found;
    }, timeoutMs, () => `customer: ${what}; pushed since ${after}: ${j(this.since(after)).slice(0, 3000)}`);
    return found;
  }

  /** Wait for an envelope with chatEnded:true. */
  waitEnded(timeoutMs = 10_000) {
    return waitUntil(() => this.pushes.find((p) => p?.chatEnded === true), timeoutMs,
      () => `customer: chatEnded:true; last pushes ${j(this.pushes.slice(-3)).slice(0, 2000)}`);
  }

  /** requestNotifications from position 1: the whole transcript pushed again, returned. */
  async resume() {
    const from = this.pushes.length;
    await this.publishOk({ operation: 'requestNotifications', secureKey: this.secureKey, transcriptPosition: 1 });
    await waitUntil(() => this.pushes.slice(from).some((p) => p?.messages?.[0]?.index === 1), 10_000,
      () => `the transcript pushed again after requestNotifications; pushes ${j(this.pushes.slice(from)).slice(0, 2000)}`);
    return this.pushes.slice(from).find((p) => p.messages?.[0]?.index === 1).messages;
  }

  /** Every pushed envelope well-formed, and an index pushed twice always the same message. */
  assertPushes(what = '') {
    for (const p of this.pushes) assertEnvelope({ status: 200, json: p, text: j(p) }, `${what} pushed envelope`);
    assert.deepEqual(this.conflicts || [], [], `${what}: an index pushed twice with different content`);
  }
}
