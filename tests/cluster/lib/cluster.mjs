// Harness for black-box tests of a Parley cluster: start and stop a throw-away cluster with
// scripts/cluster.sh (PostgreSQL, NATS, N `parley serve` nodes, HAProxy in front), kill and
// restart single nodes, find the node that holds the desk, and make clients that reach the
// cluster through HAProxy the way a browser does — pinned to a chosen node by the PARLEYNODE
// stickiness cookie, sticky to the node HAProxy picked for them, or balanced anew on every
// request — while recording which node answered each of their requests (X-Parley-Node).
//
// The e2e helpers (tests/e2e/lib) are used as they are: a client runs them inside its own
// async context (AsyncLocalStorage), and the three transports they use — fetch for REST, the
// WebSocket and XMLHttpRequest classes of cometd-nodejs-client for CometD — add the client's
// cookie to every request and note the answering node. So a chatAgent() or supervisor() made
// through a client, and every call on it, goes to that client's node.
import { spawnSync } from 'node:child_process';
import { AsyncLocalStorage } from 'node:async_hooks';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { REPO, BIN, sleep, runProcess } from '../../e2e/lib/server.mjs';
import { api } from '../../e2e/lib/http.mjs';
import { CometD, adaptOnce, disconnect, waitUntil } from '../../e2e/lib/bayeux.mjs';
import { chatAgent, Customer, assertEnvelope, SERVICE } from '../../e2e/lib/chat.mjs';
import { supervisor } from '../../e2e/lib/supervision.mjs';

export const SCRIPT = path.join(REPO, 'scripts', 'cluster.sh');
/** HAProxy's stickiness cookie (deploy/haproxy.cfg.in). */
export const COOKIE = 'PARLEYNODE';
/** The response header naming the node a client is connected to. */
export const NODE_HEADER = 'x-parley-node';

const j = (x) => JSON.stringify(x);

// ---------------------------------------------------------------------------------------------
// Ports: scripts/cluster.sh uses BASE_PORT (HAProxy), BASE_PORT+I (node I), BASE_PORT+50
// (PostgreSQL) and BASE_PORT+51 (NATS).

const clusterPorts = (base, nodes) => [base, ...Array.from({ length: nodes }, (_, i) => base + 1 + i), base + 50, base + 51];

function portFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A BASE_PORT in 20000–40000 whose cluster ports were all free a moment ago. */
export async function freeBasePort(nodes) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + 100 * Math.floor(Math.random() * 200);
    let free = true;
    for (const p of clusterPorts(base, nodes)) {
      if (!(await portFree(p))) { free = false; break; }
    }
    if (free) return base;
  }
  throw new Error('no free port range for a cluster in 20000-40000');
}

// ---------------------------------------------------------------------------------------------
// The script

/** The environment for the script and its nodes: ours without PARLEY_* option variables. */
function scriptEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PARLEY_')) env[k] = v;
  return { ...env, ...extra };
}

/** Run scripts/cluster.sh; resolves {code, stdout, stderr} (never rejects on a non-zero exit). */
async function runScript(args, env = {}, timeoutMs = 120_000) {
  const r = await runProcess('bash', [SCRIPT, ...args], { env: scriptEnv(env), timeoutMs });
  return { code: r.code ?? r.signal, stdout: r.stdout, stderr: r.stderr };
}

function parseEnvFile(file) {
  const env = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return env;
}

const running = new Set();

/** Stop every cluster still running when this process exits (a failed or interrupted run). */
function stopAllSync() {
  for (const c of running) {
    spawnSync('bash', [SCRIPT, 'stop', c.dir], { env: scriptEnv({}), stdio: 'ignore', timeout: 60_000 });
    if (!c.keep) fs.rmSync(c.dir, { recursive: true, force: true });
  }
  running.clear();
}
process.on('exit', stopAllSync);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    stopAllSync();
    process.kill(process.pid, sig);
  });
}

// ---------------------------------------------------------------------------------------------
// The cluster

/**
 * Start a cluster of `nodes` nodes in a fresh temporary directory on a free port range.
 * @param {object} [o]
 * @param {number} [o.nodes] default 3
 * @param {string[]} [o.args] extra `parley serve` flags for every node (PARLEY_ARGS)
 * @param {string} [o.bin] the server binary (default $PARLEY_BIN or build/parley)
 * @param {string} [o.dir] the directory (default: a new one under the system's temp directory)
 * @param {boolean} [o.keep] keep the directory after stop() (default: $PARLEY_E2E_KEEP)
 */
export async function startCluster(o = {}) {
  const nodes = o.nodes ?? 3;
  const bin = path.resolve(o.bin || BIN);
  const deadline = Date.now() + 120_000;
  while (!fs.existsSync(bin) && Date.now() < deadline) await sleep(500); // being rebuilt
  for (let attempt = 1; ; attempt++) {
    const dir = o.dir || fs.mkdtempSync(path.join(os.tmpdir(), 'parley-cluster-'));
    const base = await freeBasePort(nodes);
    const env = { PARLEY_BIN: bin, BASE_PORT: String(base), PARLEY_ARGS: (o.args || []).join(' ') };
    const r = await runScript(['start', dir, String(nodes)], env);
    if (r.code === 0) {
      const c = new Cluster(dir, parseEnvFile(path.join(dir, 'cluster.env')), { keep: o.keep ?? !!process.env.PARLEY_E2E_KEEP });
      running.add(c);
      await c.waitReady();
      return c;
    }
    // Another process may have taken a port between our check and the script's.
    const portTaken = /already in use|address in use|EADDRINUSE/i.test(r.stderr);
    if (!o.dir) fs.rmSync(dir, { recursive: true, force: true });
    if (!portTaken || attempt >= 3) {
      throw new Error(`scripts/cluster.sh start failed (exit ${r.code}, BASE_PORT ${base})\n${r.stderr.slice(-6000)}`);
    }
  }
}

export class Cluster {
  constructor(dir, env, { keep = false } = {}) {
    this.dir = dir;
    this.env = env;
    this.keep = keep;
    this.url = env.CLUSTER_URL;
    this.port = Number(new URL(this.url).port);
    /** What the e2e helpers take as a server: everything goes through HAProxy. */
    this.srv = { base: this.url, port: this.port };
    /** node1 … nodeN, with their own URLs (straight to the node, not through HAProxy). */
    this.nodes = Array.from({ length: Number(env.NODES) }, (_, i) => {
      const url = env[`NODE${i + 1}_URL`];
      return { index: i + 1, name: `node${i + 1}`, url, base: url, port: Number(new URL(url).port) };
    });
    this.cometds = new Set();
  }

  /** A node by index (1-based) or name ("node2"). */
  node(which) {
    const n = typeof which === 'number' ? this.nodes[which - 1] : this.nodes.find((x) => x.name === which);
    if (!n) throw new Error(`no node ${which} in a cluster of ${this.nodes.length}`);
    return n;
  }

  /** GET /healthz of one node: {status, json} or {error}. */
  async health(which) {
    try {
      const r = await fetch(`${this.node(which).url}/healthz`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(2000) });
      const text = await r.text();
      let json;
      try { json = JSON.parse(text); } catch { json = undefined; }
      return { status: r.status, json };
    } catch (e) {
      return { error: String(e.cause?.code || e.message) };
    }
  }

  /** Does this build's /healthz say which node holds the desk ("role":"owner"|"edge")? */
  async reportsRoles() {
    for (const n of this.nodes) {
      const h = await this.health(n.index);
      if (h.json && typeof h.json.role === 'string') return true;
    }
    return false;
  }

  /** The name of the node whose /healthz says "role":"owner" (null if none does now). */
  async owner() {
    const hs = await Promise.all(this.nodes.map((n) => this.health(n.index)));
    const owners = this.nodes.filter((n, i) => hs[i].json?.role === 'owner');
    return owners.length === 1 ? owners[0].name : null;
  }

  /**
   * Wait until every node (or only those given) answers /healthz with 200 and, where /healthz
   * reports roles, one node holds the desk.
   */
  async waitReady(timeoutMs = 60_000, which = this.nodes.map((n) => n.index)) {
    let last = '';
    await waitUntil(async () => {
      const hs = await Promise.all(this.nodes.map((n) => this.health(n.index)));
      last = j(hs.map((h, i) => [this.nodes[i].name, h.status ?? h.error, h.json?.role]));
      if (!which.every((i) => hs[this.node(i).index - 1].status === 200)) return false;
      if (!hs.some((h) => typeof h.json?.role === 'string')) return true;
      return hs.filter((h) => h.json?.role === 'owner').length === 1;
    }, timeoutMs, () => `cluster ready (every node healthy, one owner); last: ${last}\n${this.logs()}`);
  }

  async script(...args) {
    const r = await runScript(args.map(String));
    if (r.code !== 0) throw new Error(`scripts/cluster.sh ${args.join(' ')}: exit ${r.code}\n${r.stderr.slice(-4000)}`);
    return r;
  }

  /** SIGKILL node I (index or name); returns once it is gone. */
  async killNode(which) {
    await this.script('kill-node', this.dir, this.node(which).index);
  }

  /** Start node I again (index or name); returns once its /healthz answers 200. */
  async startNode(which) {
    await this.script('start-node', this.dir, this.node(which).index);
  }

  /** `scripts/cluster.sh status DIR`: {code (0: all up), text}. */
  async status() {
    const r = await runScript(['status', this.dir]);
    return { code: r.code, text: r.stdout };
  }

  /** The last lines of each node's log (for failure messages). */
  logs(lines = 25) {
    let out = '';
    for (const n of this.nodes) {
      try {
        const all = fs.readFileSync(path.join(this.dir, `${n.name}.log`), 'utf8').trimEnd().split('\n');
        out += `--- ${n.name}.log ---\n${all.slice(-lines).join('\n')}\n`;
      } catch { /* no log yet */ }
    }
    return out;
  }

  /**
   * A client of the cluster, reaching it through HAProxy:
   * - `{node: 'node2'}`: pinned — sends PARLEYNODE=node2 on every request;
   * - `{sticky: true}`: like a browser — keeps the PARLEYNODE cookie HAProxy sets;
   * - `{}`: like curl — no cookie, every request balanced anew by HAProxy.
   */
  client(o = {}) {
    return new ClusterClient(this, o);
  }

  /** Disconnect the CometD clients made through this cluster's clients, stop, remove the directory. */
  async stop() {
    await Promise.all([...this.cometds].map((c) => disconnect(c)));
    this.cometds.clear();
    if (!running.has(this)) return;
    running.delete(this);
    const r = await runScript(['stop', this.dir]);
    if (!this.keep) fs.rmSync(this.dir, { recursive: true, force: true });
    if (r.code !== 0) throw new Error(`scripts/cluster.sh stop: exit ${r.code}\n${r.stderr.slice(-2000)}`);
  }
}

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
