#!/usr/bin/env node
// Crash-safety test of Parley: "statusCode 0 means durable".
//
// Starts `parley serve --demo` on a temporary data directory (durability "disk", the default),
// runs simulated customers (customer REST API), agents and supervisors (GWS REST API) against
// it, SIGKILLs the server at random moments (0.3–2 s apart) and restarts it on the same data
// directory and port while the clients keep going. Every client records each operation it sent
// and its outcome: "ack" (statusCode 0), "failed" (a definite error answer: must have changed
// nothing) or "unknown" (connection refused / reset / timeout: applied at most once). After the
// load, one more SIGKILL + restart, then the records are checked against what the server answers.
//
// With --cluster N the same load runs against a cluster instead (scripts/cluster.sh: N nodes
// sharing PostgreSQL and NATS behind HAProxy). Every simulated client goes through HAProxy and
// keeps the PARLEYNODE cookie it is given, like a browser; each kill SIGKILLs one node (the
// desk holder about half of the time) and starts it again after a pause, so the clients of that
// node are balanced onto the others and carry on. Agents and supervisors also hold a CometD
// connection (/v2/me/*) through HAProxy, which must come back by a re-handshake. After the load
// every node is killed and started again; the checks are the same.
//
//   node tests/crash/crash_test.mjs [--kills 20] [--seconds 40] [--seed N]
//        [--customers 20] [--agents 5] [--supervisors 2] [--cluster N] [--verbose]
//
// Exit 0: no violation (summary printed). Exit 1: violations (details, the seed, and the kept
// data directory and evidence file printed). Exit 2: the harness itself failed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(here, '..', '..');

// ---------------------------------------------------------------------------------------------
// Options

function parseArgs(argv) {
  const o = { kills: 20, seconds: 40, seed: undefined, customers: 20, agents: 5, supervisors: 2, cluster: 0, verbose: false, strict: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--kills') o.kills = Number(next());
    else if (a === '--seconds') o.seconds = Number(next());
    else if (a === '--seed') o.seed = Number(next());
    else if (a === '--customers') o.customers = Number(next());
    else if (a === '--agents') o.agents = Number(next());
    else if (a === '--supervisors') o.supervisors = Number(next());
    else if (a === '--cluster') o.cluster = Number(next());
    else if (a === '--verbose') o.verbose = true;
    else if (a === '--strict') o.strict = true;
    else if (a === '--self-test') o.selfTest = true;
    else if (a === '--help' || a === '-h') {
      console.log('usage: node tests/crash/crash_test.mjs [--kills N] [--seconds S] [--seed N] [--customers N] [--agents N] [--supervisors N] [--cluster NODES] [--verbose]');
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  for (const k of ['kills', 'seconds', 'customers', 'agents', 'supervisors', 'cluster']) {
    if (!Number.isInteger(o[k]) || o[k] < 0) throw new Error(`--${k} must be a non-negative integer`);
  }
  if (o.agents < 2) throw new Error('--agents must be at least 2 (agent1, agent2)');
  if (o.supervisors < 1) throw new Error('--supervisors must be at least 1 (supervisor1)');
  if (o.cluster === 1) throw new Error('--cluster needs at least 2 nodes (the others serve while one is down)');
  if (o.seed === undefined) o.seed = Math.floor(Math.random() * 2 ** 31);
  if (!Number.isInteger(o.seed)) throw new Error('--seed must be an integer');
  return o;
}

const opt = parseArgs(process.argv.slice(2));
const T0 = Date.now();
const now = () => Date.now() - T0;
const log = (...a) => console.log(`[${(now() / 1000).toFixed(1).padStart(6)}s]`, ...a);
const vlog = (...a) => { if (opt.verbose) log(...a); };
console.log(`crash_test: seed=${opt.seed} kills=${opt.kills} seconds=${opt.seconds} customers=${opt.customers} ` +
  `agents=${opt.agents} supervisors=${opt.supervisors}${opt.cluster ? ` cluster=${opt.cluster}` : ''}`);

// Seeded PRNG (mulberry32). Decisions are reproducible for a seed; timing is not (real
// concurrency and kill moments against a real process), so a seed reproduces the workload
// shape and kill schedule, not the exact interleaving.
function mulberry32(a) {
  return () => {
    a |= 0; a = (a + 0x6D2B79F5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const seedRng = mulberry32(opt.seed);
const newRng = () => mulberry32(Math.floor(seedRng() * 2 ** 31));

// ---------------------------------------------------------------------------------------------
// The binary: copy it once so a rebuild of build/parley during the run cannot disturb us.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `parley-crash-${opt.seed}-`));
{
  const src = process.env.PARLEY_BIN || path.join(REPO, 'build', 'parley');
  const dst = path.join(workDir, 'parley');
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      fs.copyFileSync(src, dst);
      fs.chmodSync(dst, 0o755);
      break;
    } catch (e) {
      if (Date.now() > deadline) {
        console.error(`cannot copy the server binary ${src}: ${e.message}`);
        process.exit(2);
      }
      await sleep(1000); // being rebuilt: retry
    }
  }
  process.env.PARLEY_BIN = dst;
}
const { Server, cleanupAll } = await import('../e2e/lib/server.mjs');
const { api } = await import('../e2e/lib/http.mjs');
// The cluster harness and the CometD client only for --cluster.
const clusterLib = opt.cluster ? await import('../cluster/lib/cluster.mjs') : null;
const bayeuxLib = opt.cluster ? await import('../e2e/lib/bayeux.mjs') : null;

// ---------------------------------------------------------------------------------------------
// Records

const SERVICE = 'customer-support';
const RUN = `R${opt.seed.toString(36)}`;
const MARK_RE = new RegExp(`${RUN}\\|([A-Za-z0-9_-]+)\\|(\\d+)`);
const MODE_VIS = { Monitor: 'Supervisors', Coach: 'Agents', BargeIn: 'All' };
const SWITCH_TO = { SwitchToMonitor: 'Monitor', SwitchToCoach: 'Coach', SwitchToBargeIn: 'BargeIn' };

/** Every operation sent, in send order. */
const ops = [];
/** marker key "client|seq" → message op */
const byMarker = new Map();
/** chat id → { customer: CustomerClient|null, ops: [] } */
const chats = new Map();
const violations = [];
const notes = [];
const stats = { kills: 0, restarts: 0, relogins: 0, ccStarts: 0, netErrors: 0, missedOffers: 0, checkedMessages: 0, checkedChats: 0, checks: 0 };
/** --cluster only: kills of the desk holder, clients moved to another node, answers per node. */
const clusterStats = { ownerKills: 0, moves: 0, answeredBy: {} };
const killTimes = [];
let running = true;
/** The system under test: SingleServer or ClusterSystem (see "The system under test"). */
let sut;

function chatRec(id) {
  let c = chats.get(id);
  if (!c) { c = { id, customer: null, ops: [] }; chats.set(id, c); }
  return c;
}

function violation(kind, detail) {
  const v = { kind, ...detail, seed: opt.seed };
  violations.push(v);
  log(`VIOLATION ${kind}: ${JSON.stringify(detail).slice(0, 1500)}`);
}

/** Deviations from the spec that are not a loss of an acknowledged operation (exit 1 only with --strict). */
const findings = [];
function finding(kind, detail) {
  findings.push({ kind, ...detail, seed: opt.seed });
  vlog(`FINDING ${kind}: ${JSON.stringify(detail).slice(0, 600)}`);
}

function lastKillBefore(t) {
  let k;
  for (const x of killTimes) if (x <= t) k = x;
  return k;
}

function opInfo(op) {
  if (!op) return op;
  const o = { id: op.id, client: op.client, kind: op.kind, chatId: op.chatId, outcome: op.outcome, sentAtMs: op.t0, answeredAtMs: op.t1 };
  for (const k of ['text', 'key', 'value', 'state', 'reason', 'mode', 'target', 'op', 'answer']) if (op[k] !== undefined) o[k] = op[k];
  const kAfter = killTimes.find((x) => x >= (op.t1 ?? op.t0));
  if (kAfter !== undefined) o.nextKillMsAfterAnswer = kAfter - (op.t1 ?? op.t0);
  return o;
}

// ---------------------------------------------------------------------------------------------
// HTTP with outcome classification

function errCode(e) {
  let c = e;
  for (let i = 0; i < 4 && c; i++) {
    if (c.code && typeof c.code === 'string') return c.code;
    if (c.name === 'TimeoutError') return 'TIMEOUT';
    c = c.cause;
  }
  return e?.message?.slice(0, 80) || 'error';
}

/**
 * api() that never throws: {neterr} on a transport failure. `jar` is the client's stickiness
 * cookie (--cluster): sent with every request and updated from the answers, as a browser does.
 */
async function req(method, p, o = {}, jar = null) {
  try {
    if (!jar) return await api(sut.target, method, p, { timeoutMs: 10_000, ...o });
    const before = jar.node;
    const r = await api(sut.target, method, p, { timeoutMs: 10_000, ...o, cookie: jar.header(o.cookie) });
    if (jar.update(r.setCookies) && before) clusterStats.moves++;
    const node = r.headers.get('x-parley-node');
    if (node) clusterStats.answeredBy[node] = (clusterStats.answeredBy[node] || 0) + 1;
    return r;
  } catch (e) {
    stats.netErrors++;
    return { neterr: errCode(e) };
  }
}

/** GWS outcome: ack | failed | unknown. */
function gwsOutcome(r) {
  if (r.neterr) return 'unknown';
  if (r.status === 200 && r.json?.statusCode === 0) return 'ack';
  if (r.json && Number.isInteger(r.json.statusCode) && r.json.statusCode > 0) return 'failed';
  return 'unknown';
}

/** Customer outcome: ack only with chatEnded:false (an ended chat answers 0 without applying). */
function custOutcome(r) {
  if (r.neterr) return 'unknown';
  if (r.status === 200 && r.json?.statusCode === 0) return r.json.chatEnded === false ? 'ack' : 'ended';
  if (r.json && Number.isInteger(r.json.statusCode) && r.json.statusCode > 0) return 'failed';
  return 'unknown';
}

function formBody(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    if (k === 'userData' && v && typeof v === 'object') {
      for (const [dk, dv] of Object.entries(v)) u.append(`userData[${dk}]`, String(dv));
    } else u.append(k, String(v));
  }
  return u.toString();
}

function customerPost(p, params, jar = null) {
  return req('POST', `/genesys/2/chat/${SERVICE}${p}`, {
    body: formBody(params), headers: { 'content-type': 'application/x-www-form-urlencoded' },
  }, jar);
}

let opSeq = 0;
function newOp(client, kind, fields) {
  const op = { id: ++opSeq, client: client.name, kind, seq: ++client.seq, t0: now(), outcome: 'pending', ...fields };
  ops.push(op);
  if (op.chatId) chatRec(op.chatId).ops.push(op);
  return op;
}
function finish(op, outcome, r) {
  op.outcome = outcome;
  op.t1 = now();
  if (outcome === 'failed' || (outcome === 'unknown' && !r?.neterr)) op.answer = r?.neterr || `${r?.status} ${r?.text?.slice(0, 200)}`;
  if (outcome === 'unknown' && r?.neterr) op.answer = r.neterr;
}
function marker(client, seq) {
  return `${RUN}|${client.name}|${seq}`;
}

const rint = (rng, a, b) => a + Math.floor(rng() * (b - a + 1));
const pick = (rng, arr) => arr[Math.floor(rng() * arr.length)];

// ---------------------------------------------------------------------------------------------
// Customers

class CustomerClient {
  constructor(i) {
    this.name = `cust${i}`;
    this.seq = 0;
    this.rng = newRng();
    this.nChats = 0;
    this.chat = null; // {chatId, userId, secureKey, alias, nickname, ended, sends}
    this.chatsAll = [];
    this.jar = sut.newJar();
  }

  async run() {
    while (running) {
      if (!this.chat) {
        await this.requestChat();
        await sleep(rint(this.rng, 100, 400));
        continue;
      }
      const c = this.chat;
      const x = this.rng();
      let r;
      if (x < 0.45) r = await this.send(c);
      else if (x < 0.55) r = await this.updateData(c);
      else if (x < 0.58 && c.sends >= 3) r = await this.disconnect(c);
      else r = await this.simple(c, '/refresh', {});
      if (r && !r.neterr && r.status === 404 && r.json?.errors?.[0]?.code === 104) {
        const rec = chatRec(c.chatId);
        const endOps = rec.ops.filter((o) => (o.op === 'Complete' || o.kind === 'disconnect') && o.outcome !== 'failed');
        if (endOps.length) {
          // The chat ended (Complete/disconnect sent) and the server restarted before this
          // customer noticed: see the finding in verify().
          finding('customer-api-forgets-ended-chat', { chat: c.chatId, client: this.name, when: 'during the load', got: 'HTTP 404 code 104 after a restart', endedBy: endOps.map(opInfo) });
        } else {
          violation('acknowledged-chat-unknown', { chat: c.chatId, client: this.name, expected: 'the chat whose request was answered statusCode 0 still exists (it was never completed)', got: `HTTP 404 code 104: ${r.text.slice(0, 200)}` });
        }
        c.ended = true;
        this.chat = null;
      } else if (r && !r.neterr && r.json?.chatEnded === true) {
        c.ended = true;
        this.chat = null;
        await sleep(rint(this.rng, 200, 800));
      } else if (r?.neterr) {
        await sleep(rint(this.rng, 100, 300));
      }
      if (c.sends > 25 && !c.ended && this.rng() < 0.1) {
        await this.disconnect(c);
        this.chat = null;
      }
      await sleep(rint(this.rng, 150, 500));
    }
  }

  async requestChat() {
    const nickname = `${this.name}n${++this.nChats}`;
    const seq = this.seq + 1;
    const text = `${marker(this, seq)} hello`;
    const initVal = `v${seq}`;
    const op = newOp(this, 'request', { text, nickname, key: 'cinit', value: initVal });
    byMarker.set(`${this.name}|${op.seq}`, op);
    const r = await customerPost('', { nickname, text, subject: 'crash', userData: { cinit: initVal } }, this.jar);
    const out = custOutcome(r);
    finish(op, out, r);
    if (out === 'ack' && typeof r.json.chatId === 'string') {
      const c = { chatId: r.json.chatId, userId: r.json.userId, secureKey: r.json.secureKey, alias: r.json.alias, nickname, ended: false, sends: 0 };
      op.chatId = c.chatId;
      const rec = chatRec(c.chatId);
      rec.customer = c;
      rec.ops.push(op);
      this.chat = c;
      this.chatsAll.push(c);
    }
  }

  cred(c) {
    return { userId: c.userId, secureKey: c.secureKey, alias: c.alias };
  }

  async simple(c, p, params) {
    return customerPost(`/${c.chatId}${p}`, { ...this.cred(c), ...params }, this.jar);
  }

  async send(c) {
    const seq = this.seq + 1;
    const text = `${marker(this, seq)} customer says ${seq}`;
    const op = newOp(this, 'msg', { chatId: c.chatId, text, nickname: c.nickname, vis: 'All' });
    byMarker.set(`${this.name}|${op.seq}`, op);
    const r = await this.simple(c, '/send', { message: text });
    finish(op, custOutcome(r), r);
    c.sends++;
    return r;
  }

  async updateData(c) {
    const key = `cu_${this.name}`;
    const value = `v${this.seq + 1}`;
    const op = newOp(this, 'userdata', { chatId: c.chatId, key, value });
    const r = await this.simple(c, '/updateData', { userData: { [key]: value } });
    finish(op, custOutcome(r), r);
    return r;
  }

  async disconnect(c) {
    const op = newOp(this, 'disconnect', { chatId: c.chatId });
    const r = await this.simple(c, '/disconnect', {});
    const out = custOutcome(r);
    finish(op, out, r);
    return r;
  }
}

// ---------------------------------------------------------------------------------------------
// GWS users (agents and supervisors)

function stateKey(s) {
  if (!s) return 'LoggedOut';
  return s.state === 'Ready' ? 'Ready' : `NotReady(${s.reason ?? ''})`;
}

class GwsUser {
  constructor(name, isSupervisor) {
    this.name = name;
    this.isSupervisor = isSupervisor;
    this.seq = 0;
    this.rng = newRng();
    this.cookie = null;
    this.csrf = null;
    this.id = null;
    this.needCheck = true;
    this.stateOps = []; // state-changing ops (StartContactCenterSession, Ready, NotReady)
    this.ccAcked = false;
    this.desired = 'Ready';
    // --cluster: the stickiness cookie, shared by the REST calls and the CometD connection.
    this.via = sut.newBrowser(name);
    this.jar = this.via?.cookie ?? null;
  }

  async login() {
    for (;;) {
      const r = await req('GET', '/api/v2/me', { auth: this.name }, this.jar);
      if (r.status === 200 && r.json?.statusCode === 0 && r.cookie) {
        this.cookie = r.cookie;
        this.csrf = r.csrf;
        this.id = r.json.user.id;
        return true;
      }
      if (!running && !this.finalPhase) return false;
      await sleep(r.status === 429 ? 1000 : 150);
    }
  }

  /** A request with the session; on 401/403(csrf) log in again and repeat (GETs) or report. */
  async call(method, p, body) {
    if (!this.cookie) await this.login();
    const o = { cookie: this.cookie };
    if (method !== 'GET') o.csrf = this.csrf;
    if (body !== undefined) o.body = body;
    const r = await req(method, p, o, this.jar);
    if (!r.neterr && (r.status === 401 || (r.status === 403 && r.json?.statusCode === 3))) {
      stats.relogins++;
      notes.push(`${this.name}: session refused (HTTP ${r.status}) at ${now()} ms; logging in again`);
      this.cookie = null;
      this.needCheck = true;
    }
    if (r.neterr) this.needCheck = true;
    return r;
  }

  /** The state-changing op, recorded. */
  async stateOp(kind, p, body, expect) {
    const op = newOp(this, 'agentstate', { op: kind, state: expect });
    const r = await this.call('POST', p, body);
    const out = gwsOutcome(r);
    finish(op, out, r);
    this.stateOps.push(op);
    if (kind === 'StartContactCenterSession' && out === 'ack') this.ccAcked = true;
    return out;
  }

  /** The states the agent may be in now, from its own (sequential) records. */
  allowedStates() {
    let i = this.stateOps.length - 1;
    while (i >= 0 && this.stateOps[i].outcome !== 'ack') i--;
    const allowed = new Set();
    allowed.add(i >= 0 ? this.stateOps[i].state : 'LoggedOut');
    for (let k = i + 1; k < this.stateOps.length; k++) if (this.stateOps[k].outcome === 'unknown') allowed.add(this.stateOps[k].state);
    return allowed;
  }

  /** Read the channel state: undefined on a network error, null when logged out. */
  async channelState() {
    const r = await this.call('GET', '/api/v2/me/channels');
    if (r.neterr || r.status !== 200 || r.json?.statusCode !== 0) return undefined;
    const ch = (r.json.channels || []).find((c) => c.channel === 'chat');
    return ch ? ch.userState : null;
  }

  /** After a connection error: make sure of the session, compare the state with the records. */
  async ensure() {
    while (running || this.finalPhase) {
      const s = await this.channelState();
      if (s === undefined) { await sleep(150); continue; }
      const key = stateKey(s);
      const allowed = this.allowedStates();
      if (!allowed.has(key)) {
        if (key === 'NotReady(Missed offer)') {
          stats.missedOffers++;
          notes.push(`${this.name}: set NotReady(Missed offer) by the server at ${now()} ms`);
          this.stateOps.push({ op: 'server', state: key, outcome: 'ack', t0: now(), t1: now() });
        } else {
          violation('agent-state', { client: this.name, when: 'after reconnecting (during the load)', expected: [...allowed], got: key, stateOps: this.stateOps.slice(-4).map(opInfo) });
          this.stateOps.push({ op: 'observed', state: key, outcome: 'ack', t0: now(), t1: now() });
        }
      }
      if (s === null) {
        if (this.ccAcked) {
          // Only a violation if the last acknowledged session start is not followed by unknowns
          // (we never end the session): the allowed-state check above already reported it.
        }
        stats.ccStarts++;
        await this.stateOp('StartContactCenterSession', '/api/v2/me', { operationName: 'StartContactCenterSession', channels: ['chat'] }, 'NotReady()');
        continue;
      }
      this.needCheck = false;
      this.current = key;
      return key;
    }
    return undefined;
  }

  async setState(target) {
    if (target === 'Ready') return this.stateOp('Ready', '/api/v2/me/channels/chat', { operationName: 'Ready' }, 'Ready');
    const reason = `nr-${this.name}-${this.seq + 1}`;
    return this.stateOp('NotReady', '/api/v2/me/channels/chat', { operationName: 'NotReady', reason }, `NotReady(${reason})`);
  }

  async myChats() {
    const r = await this.call('GET', '/api/v2/me/chats');
    if (r.neterr || r.status !== 200 || r.json?.statusCode !== 0) return null;
    return r.json.chats;
  }

  async chatOp(chatId, body, fields = {}) {
    const op = newOp(this, fields.kind || 'chatop', { chatId, op: body.operationName, ...fields });
    if (op.kind === 'msg') byMarker.set(`${this.name}|${op.seq}`, op);
    const r = await this.call('POST', `/api/v2/me/chats/${chatId}`, body);
    const out = gwsOutcome(r);
    finish(op, out, r);
    if (!r.neterr && r.status === 404) {
      // The chat is unknown to the server: a violation if anything on it was acknowledged to us.
      const acked = chatRec(chatId).ops.find((o) => o.outcome === 'ack' && o.client === this.name && (o.op === 'Accept' || o.kind === 'supervised'));
      if (acked) violation('acknowledged-chat-unknown', { chat: chatId, client: this.name, expected: 'the chat exists (an operation on it was acknowledged)', got: `HTTP 404 on ${body.operationName}`, acked: opInfo(acked) });
    }
    return out;
  }

  async textOp(chatId, opName, vis) {
    const seq = this.seq + 1;
    const text = `${marker(this, seq)} ${opName} ${seq}`;
    return this.chatOp(chatId, { operationName: opName, text }, { kind: 'msg', text, nickname: this.name, vis });
  }
}

class AgentClient extends GwsUser {
  constructor(name) {
    super(name, false);
    this.budget = new Map(); // chatId → actions left before Complete
    this.rejected = new Set();
  }

  async run() {
    while (running) {
      if (!this.cookie) { if (!(await this.login())) break; this.needCheck = true; }
      if (this.needCheck) {
        const k = await this.ensure();
        if (k === undefined) break;
      }
      // Desired state: mostly Ready; now and then NotReady for a while.
      if (this.rng() < 0.03) this.desired = this.desired === 'Ready' ? 'NotReady' : 'Ready';
      if (this.desired === 'Ready' && this.current !== 'Ready') {
        const out = await this.setState('Ready');
        if (out === 'ack') this.current = 'Ready';
      } else if (this.desired === 'NotReady' && this.current === 'Ready') {
        const out = await this.setState('NotReady');
        if (out === 'ack') this.current = 'NotReady';
      }
      const list = await this.myChats();
      if (list) {
        // A server-side NotReady (missed offer) shows only on the channel; re-read it sometimes.
        if (this.rng() < 0.05) this.needCheck = true;
        for (const chat of list) {
          if (!running) break;
          chatRec(chat.id);
          const caps = chat.capabilities || [];
          if (chat.state === 'Invited') {
            if (this.rng() < 0.15 && !this.rejected.has(chat.id)) {
              this.rejected.add(chat.id);
              await this.chatOp(chat.id, { operationName: 'Reject' });
            } else {
              await this.chatOp(chat.id, { operationName: 'Accept' });
            }
          }
        }
        const live = list.filter((c) => c.state === 'Chatting');
        if (live.length && running) {
          const chat = pick(this.rng, live);
          await this.act(chat);
        }
      }
      await sleep(rint(this.rng, 40, 140));
    }
  }

  async act(chat) {
    const caps = new Set(chat.capabilities || []);
    if (!this.budget.has(chat.id)) this.budget.set(chat.id, rint(this.rng, 4, 14));
    const left = this.budget.get(chat.id);
    const customerGone = !caps.has('SendMessage');
    if ((left <= 0 || customerGone) && caps.has('Complete')) {
      await this.chatOp(chat.id, { operationName: 'Complete' });
      return;
    }
    this.budget.set(chat.id, left - 1);
    const x = this.rng();
    if (x < 0.55 && caps.has('SendMessage')) await this.textOp(chat.id, 'SendMessage', 'All');
    else if (x < 0.62 && caps.has('SendToAgents')) await this.textOp(chat.id, 'SendToAgents', 'Agents');
    else if (x < 0.74 && caps.has('UpdateUserData')) {
      const key = `uu_${this.name}`;
      const value = `v${this.seq + 1}`;
      await this.chatOp(chat.id, { operationName: 'UpdateUserData', userData: { [key]: value } }, { kind: 'userdata', key, value });
    } else if (x < 0.86 && caps.has('AttachUserData')) {
      const key = `ua_${this.name}`;
      const value = `v${this.seq + 1}`;
      await this.chatOp(chat.id, { operationName: 'AttachUserData', userData: { [key]: value } }, { kind: 'userdata', key, value });
    } else if (caps.has('SetDisposition')) {
      const value = `d${this.seq + 1}`;
      await this.chatOp(chat.id, { operationName: 'SetDisposition', disposition: value }, { kind: 'userdata', key: 'DispositionCode', value });
    }
  }
}

class SupervisorClient extends GwsUser {
  constructor(name, agents) {
    super(name, true);
    this.agents = agents;
    this.supOps = new Map(); // agent name → [ops]
  }

  async run() {
    while (running) {
      if (!this.cookie) { if (!(await this.login())) break; this.needCheck = true; }
      if (this.needCheck) {
        const k = await this.ensure();
        if (k === undefined) break;
      }
      if (this.rng() < 0.12) {
        const ag = pick(this.rng, this.agents);
        if (ag.id) {
          const y = this.rng();
          const mode = y < 0.45 ? 'Monitor' : y < 0.9 ? 'Coach' : 'none';
          const body = mode === 'none' ? { operationName: 'CancelSupervisorMonitoring' } : { operationName: mode, includeCurrentChats: true };
          const op = newOp(this, 'supervise', { target: ag.name, mode });
          const r = await this.call('POST', `/api/v2/users/${ag.id}/channels/chat`, body);
          finish(op, gwsOutcome(r), r);
          if (!this.supOps.has(ag.name)) this.supOps.set(ag.name, []);
          this.supOps.get(ag.name).push(op);
        }
      }
      const list = await this.myChats();
      if (list) {
        const live = list.filter((c) => c.state === 'Chatting');
        for (const c of live) chatRec(c.id);
        if (live.length && running) {
          const chat = pick(this.rng, live);
          const caps = new Set(chat.capabilities || []);
          const x = this.rng();
          if (x < 0.35) {
            const switches = ['SwitchToMonitor', 'SwitchToCoach', 'SwitchBargeIn'].filter((s) => caps.has(s));
            if (switches.length) {
              const s = pick(this.rng, switches);
              const opName = s === 'SwitchBargeIn' ? 'SwitchToBargeIn' : s;
              await this.chatOp(chat.id, { operationName: opName }, { kind: 'switch', mode: SWITCH_TO[opName] });
            }
          } else if (x < 0.7) {
            const sends = ['SendToAgents', 'SendMessage'].filter((s) => caps.has(s));
            if (sends.length) {
              const s = pick(this.rng, sends);
              await this.textOp(chat.id, s, s === 'SendToAgents' ? 'Agents' : 'sup');
            }
          }
        }
      }
      await sleep(rint(this.rng, 80, 200));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The system under test: one server on its data directory (the default), or with --cluster N
// a cluster of N nodes behind HAProxy. Both offer the same calls, so the load, the killer and
// the checks do not depend on which it is.

class SingleServer {
  constructor() {
    this.srv = new Server({ dataDir: path.join(workDir, 'data') });
    fs.mkdirSync(this.srv.dataDir, { recursive: true });
    this.log = '';
  }

  /** What api() is given. */
  get target() { return this.srv; }
  describe() { return `server up on ${this.srv.base}, data dir ${this.srv.dataDir}`; }
  where() { return `server log ${path.join(workDir, 'server.log')}, data dir ${this.srv.dataDir}`; }
  /** A simulated client's stickiness: none without a proxy. */
  newJar() { return null; }
  newBrowser() { return null; }
  nextKillDelay(rng) { return 300 + rng() * 1700; }

  keepLog() {
    this.log += `\n=== incarnation ${stats.restarts} (exit ${JSON.stringify(this.srv.exit)}) ===\n${this.srv.stderr.slice(-20000)}`;
    if (this.log.length > 2_000_000) this.log = this.log.slice(-1_000_000);
  }

  async start() {
    let lastErr;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await this.srv.start();
        return;
      } catch (e) {
        lastErr = e;
        this.keepLog();
        log(`server start failed (attempt ${attempt + 1}): ${String(e.message).split('\n')[0]}`);
        if (this.srv.running) await this.srv.kill();
        await sleep(500);
      }
    }
    throw new Error(`the server does not start again on its data directory: ${lastErr?.message}`);
  }

  /** SIGKILL, then start again on the same data directory and port. */
  async crash() {
    killTimes.push(now());
    await this.srv.kill();
    stats.kills++;
    this.keepLog();
    if (this.srv.exit?.signal !== 'SIGKILL') notes.push(`incarnation ended by ${JSON.stringify(this.srv.exit)} before our SIGKILL`);
    await this.start();
    stats.restarts++;
  }

  /** After the load: one more crash, so that everything is read back from the disk. */
  crashAll() { return this.crash(); }

  saveLogs() {
    this.keepLog();
    fs.writeFileSync(path.join(workDir, 'server.log'), this.log);
  }

  async stop() { await this.srv.stop().catch(() => this.srv.kill()); }
  async abort() { if (this.srv.running) await this.srv.kill(); }
}

class ClusterSystem {
  constructor(nodes) {
    this.size = nodes;
    this.cluster = null;
  }

  get target() { return this.cluster.url; }
  describe() { return `cluster of ${this.size} nodes up behind ${this.cluster.url} (HAProxy), directory ${this.cluster.dir}`; }
  where() { return `node logs, HAProxy, PostgreSQL and NATS in ${this.cluster?.dir}`; }
  newJar() { return new clusterLib.StickyCookie(); }
  /** A GWS user's "browser": its stickiness cookie for REST and for its CometD connection. */
  newBrowser(name) { return this.cluster.client({ sticky: true, name }); }
  /** Kills spread over the load: a failover of the desk takes seconds. */
  nextKillDelay(rng) { return (0.5 + rng()) * (opt.seconds * 1000) / (opt.kills + 1); }

  async start() {
    // The directory is kept on a failure (stop({keep})); PostgreSQL needs one of its own.
    this.cluster = await clusterLib.startCluster({ nodes: this.size, keep: true });
  }

  /** SIGKILL one node — the desk holder about half of the time — and start it again after a pause. */
  async crash(rng) {
    const owner = await this.cluster.owner();
    const victim = owner && rng() < 0.5 ? owner : pick(rng, this.cluster.nodes).name;
    killTimes.push(now());
    await this.kill(victim);
    if (victim === owner) clusterStats.ownerKills++;
    vlog(`killed ${victim}${victim === owner ? ' (the desk holder)' : ''}`);
    await sleep(500 + rng() * 2500);
    await this.restart(victim);
  }

  async kill(node) {
    const before = await this.cluster.status();
    if (!new RegExp(`^${node}\\s+running`, 'm').test(before.text)) {
      notes.push(`${node} had already exited before our SIGKILL at ${now()} ms (see its log)`);
    } else {
      await this.cluster.killNode(node);
    }
    stats.kills++;
  }

  async restart(node) {
    let lastErr;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await this.cluster.startNode(node);
        stats.restarts++;
        return;
      } catch (e) {
        lastErr = e;
        log(`${node} start failed (attempt ${attempt + 1}): ${String(e.message).split('\n').slice(0, 3).join(' / ')}`);
        await sleep(500);
      }
    }
    throw new Error(`${node} does not start again: ${lastErr?.message}`);
  }

  /** After the load: every node killed, then started again: everything is read back from PostgreSQL. */
  async crashAll() {
    killTimes.push(now());
    for (const n of this.cluster.nodes) await this.kill(n.name);
    for (const n of this.cluster.nodes) await this.restart(n.name);
    await this.cluster.waitReady();
  }

  saveLogs() { /* the nodes log into the cluster directory */ }

  async stop({ keep = false } = {}) {
    this.cluster.keep = keep;
    await this.cluster.stop();
  }

  async abort() { if (this.cluster) await this.stop({ keep: true }); }
}

/**
 * --cluster: a GWS user's CometD connection (official client, websocket, /v2/me/*) through
 * HAProxy with the user's stickiness cookie. When its node dies the connection drops; the
 * client comes back through HAProxy onto another node by a re-handshake (402 unknown client).
 */
class PushWatcher {
  constructor(user) {
    this.user = user;
    this.handshakes = []; // times of successful handshakes
    this.subscribed = []; // times of successful /v2/me/* subscriptions
    this.states = []; // {t, key} of each /v2/me/channels notification
  }

  start() {
    const { via } = this.user;
    const c = via.run(() => bayeuxLib.officialClient(via.cluster.srv, { transport: 'websocket', user: this.user.name }));
    this.client = c;
    c.addListener('/meta/handshake', (m) => {
      if (!m.successful) return;
      this.handshakes.push(now());
      c.subscribe('/v2/me/*', (msg) => {
        if (msg.channel === '/v2/me/channels') this.states.push({ t: now(), key: stateKey(bayeuxLib.chatState(msg)) });
      }, (r) => { if (r.successful) this.subscribed.push(now()); });
    });
    via.run(() => c.handshake());
  }

  stop() { return this.client ? bayeuxLib.disconnect(this.client) : undefined; }
}

/**
 * --cluster, after the checks: every GWS user's CometD connection came back after the last
 * restart, and a state change made now is pushed on it.
 */
async function verifyPushes(users) {
  const since = killTimes[killTimes.length - 1];
  const waitFor = async (cond, ms) => {
    for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (cond()) return true;
    return cond();
  };
  await Promise.all(users.map(async (u) => {
    const w = u.push;
    stats.checks++;
    // The client's reconnect back-off grows while every node is down: allow it a minute.
    if (!(await waitFor(() => w.subscribed.some((t) => t > since), 70_000))) {
      violation('push-not-resumed', { client: u.name, expected: 'a successful CometD handshake and /v2/me/* subscription through HAProxy after the last restart', got: `handshakes at ${JSON.stringify(w.handshakes.slice(-3))} ms, last kill at ${since} ms` });
      return;
    }
    const out = await u.setState('NotReady');
    if (out !== 'ack') {
      notes.push(`${u.name}: the push probe (NotReady) was answered ${out}; not checked`);
      return;
    }
    const key = u.stateOps[u.stateOps.length - 1].state;
    stats.checks++;
    if (!(await waitFor(() => w.states.some((x) => x.key === key), 15_000))) {
      violation('push-not-resumed', { client: u.name, expected: `ChannelStateChangeMessageV2 ${key} on /v2/me/channels after the acknowledged NotReady`, got: JSON.stringify(w.states.slice(-3)) });
    }
  }));
}

async function killer(rng) {
  while (stats.kills < opt.kills) {
    await sleep(sut.nextKillDelay(rng));
    vlog(`kill #${stats.kills + 1}`);
    await sut.crash(rng);
  }
}

// ---------------------------------------------------------------------------------------------
// Checks

function allowedFromWrites(writes, absentAllowed) {
  // writes: this key's ops in send order (one writer per key). Allowed final values: the last
  // acknowledged one, or any later unknown one; before any ack, absence too.
  let i = writes.length - 1;
  while (i >= 0 && writes[i].outcome !== 'ack') i--;
  const allowed = new Set();
  if (i >= 0) allowed.add(writes[i].value);
  else if (absentAllowed) allowed.add(undefined);
  for (let k = i + 1; k < writes.length; k++) if (writes[k].outcome === 'unknown' || writes[k].outcome === 'ended') allowed.add(writes[k].value);
  return allowed;
}

const atMostOnce = (o) => o === 'unknown' || o === 'ended' || o === 'pending';

/** HTTP 429 (per-address / per-user request limits, failed-secureKey throttle): wait Retry-After. */
async function throttled(r) {
  stats.throttled = (stats.throttled || 0) + 1;
  const s = Number(r.headers?.get?.('retry-after'));
  await sleep(Number.isFinite(s) && s > 0 ? Math.min(s, 60) * 1000 : 1000);
}

async function verify(auditor, agents, supervisors, customers) {
  const readOk = async (p, who = auditor) => {
    for (let i = 0; i < 200; i++) {
      const r = await who.call('GET', p);
      if (!r.neterr && r.status === 429) { await throttled(r); continue; } // rate limit: wait, no change
      if (!r.neterr && r.status !== 401 && !(r.status === 403 && r.json?.statusCode === 3)) return r;
      await sleep(200);
    }
    throw new Error(`GET ${p}: no answer`);
  };
  const custRefresh = async (c) => {
    for (let i = 0; i < 200; i++) {
      const r = await customerPost(`/${c.chatId}/refresh`, { userId: c.userId, secureKey: c.secureKey, alias: c.alias, transcriptPosition: 1 });
      if (!r.neterr && r.status === 429) { await throttled(r); continue; }
      if (!r.neterr) return r;
      await sleep(200);
    }
    throw new Error(`customer refresh ${c.chatId}: no answer`);
  };
  const nicknameOf = (op) => op.nickname ?? op.client;

  // Global occurrence counts of every marker (an op must never appear in two places).
  const seenMarker = new Map(); // key → [{chat, index}]
  let endedProbes = 0; // the customer API throttles 104 answers (20 a minute per address)

  for (const rec of chats.values()) {
    const C = rec.id;
    const anyAck = rec.ops.some((o) => o.outcome === 'ack');
    const tr = await readOk(`/api/v2/chats/${C}/transcript?format=json`);
    if (tr.status === 404) {
      if (anyAck) {
        violation('acknowledged-chat-missing', { chat: C, expected: 'the chat exists (operations on it were acknowledged)', got: 'HTTP 404', acked: rec.ops.filter((o) => o.outcome === 'ack').slice(0, 5).map(opInfo) });
      }
      continue;
    }
    if (tr.status !== 200 || !Array.isArray(tr.json?.messages)) {
      violation('read-failed', { chat: C, expected: 'transcript', got: tr.text?.slice(0, 300) });
      continue;
    }
    stats.checkedChats++;
    const msgs = tr.json.messages;
    const idx = msgs.map((m) => m.index);
    if (!idx.every((v, i) => v === i + 1)) violation('transcript-not-dense', { chat: C, expected: '1..n', got: idx.join(',') });

    // --- messages (supervisor audience: everything)
    const count = new Map();
    const pos = new Map();
    for (const m of msgs) {
      const t = m.text ?? '';
      const mm = MARK_RE.exec(t);
      if (!mm) continue;
      const key = `${mm[1]}|${mm[2]}`;
      stats.checkedMessages++;
      if (!seenMarker.has(key)) seenMarker.set(key, []);
      seenMarker.get(key).push({ chat: C, index: m.index });
      count.set(key, (count.get(key) || 0) + 1);
      if (!pos.has(key)) pos.set(key, m.index);
      const op = byMarker.get(key);
      if (!op) {
        violation('message-never-sent', { chat: C, expected: 'no such message', got: m });
        continue;
      }
      if (m.type !== 'Text') violation('message-type', { chat: C, expected: 'Text', got: m, op: opInfo(op) });
      if (op.chatId && op.chatId !== C) violation('message-in-wrong-chat', { chat: C, expected: `in chat ${op.chatId}`, got: m, op: opInfo(op) });
      if (op.outcome === 'failed') violation('failed-operation-applied', { chat: C, expected: 'a refused operation changes nothing', got: m, op: opInfo(op) });
      if (m.from?.nickname !== nicknameOf(op)) violation('message-sender', { chat: C, expected: nicknameOf(op), got: m.from, op: opInfo(op) });
      if (op.vis === 'Agents' && m.visibility !== 'Agents') violation('message-visibility', { chat: C, expected: 'Agents', got: m, op: opInfo(op) });
      stats.checks++;
    }
    const msgOps = rec.ops.filter((o) => o.kind === 'msg' || (o.kind === 'request' && o.chatId === C));
    for (const op of msgOps) {
      const key = `${op.client}|${op.seq}`;
      const n = count.get(key) || 0;
      stats.checks++;
      if (op.outcome === 'ack' && n !== 1) violation(n === 0 ? 'acknowledged-message-lost' : 'message-duplicated', { chat: C, expected: `exactly once: ${op.text}`, got: `${n} times`, op: opInfo(op), lastKillBeforeAnswer: lastKillBefore(op.t1) });
      else if (atMostOnce(op.outcome) && n > 1) violation('message-duplicated', { chat: C, expected: `at most once (unknown outcome): ${op.text}`, got: `${n} times`, op: opInfo(op) });
      else if (op.outcome === 'failed' && n !== 0) { /* reported above */ }
    }
    // per-sender order of acknowledged messages
    const bySender = new Map();
    for (const op of msgOps) {
      if (op.outcome !== 'ack') continue;
      if (!bySender.has(op.client)) bySender.set(op.client, []);
      bySender.get(op.client).push(op);
    }
    for (const [sender, list] of bySender) {
      list.sort((a, b) => a.seq - b.seq);
      let prev = 0;
      let prevOp;
      for (const op of list) {
        const p = pos.get(`${op.client}|${op.seq}`);
        if (p === undefined) continue;
        stats.checks++;
        if (p < prev) violation('message-order', { chat: C, sender, expected: `${op.text} after ${prevOp.text}`, got: `index ${p} < ${prev}`, ops: [opInfo(prevOp), opInfo(op)] });
        prev = p;
        prevOp = op;
      }
    }

    // --- the chat object (observer view): state, participants, user data
    const view = await readOk(`/api/v2/chats/${C}`);
    const chatObj = view.status === 200 ? view.json?.chat : undefined;
    if (!chatObj) {
      violation('read-failed', { chat: C, expected: 'GET /api/v2/chats/{id} as a supervisor', got: view.text?.slice(0, 300) });
      continue;
    }
    const ud = chatObj.userData || {};
    const writesByKey = new Map();
    for (const op of rec.ops) {
      if (op.kind !== 'userdata' && !(op.kind === 'request' && op.chatId === C)) continue;
      if (!writesByKey.has(op.key)) writesByKey.set(op.key, []);
      writesByKey.get(op.key).push(op);
    }
    for (const [key, writes] of writesByKey) {
      writes.sort((a, b) => a.id - b.id);
      const allowed = allowedFromWrites(writes, true);
      stats.checks++;
      if (!allowed.has(ud[key])) {
        violation('user-data', { chat: C, key, expected: [...allowed], got: ud[key] === undefined ? '(absent)' : ud[key], writes: writes.slice(-4).map(opInfo) });
      }
    }

    // --- Accept / Reject / Complete
    const joinedBy = new Map(); // nickname → count of ParticipantJoined
    for (const m of msgs) if (m.type === 'ParticipantJoined' && m.from?.type === 'Agent') joinedBy.set(m.from.nickname, (joinedBy.get(m.from.nickname) || 0) + 1);
    const completes = rec.ops.filter((o) => o.op === 'Complete');
    const completeAcked = completes.some((o) => o.outcome === 'ack');
    const ended = chatObj.state === 'Completed';
    for (const ag of agents) {
      const accepts = rec.ops.filter((o) => o.client === ag.name && o.op === 'Accept');
      const n = joinedBy.get(ag.name) || 0;
      stats.checks++;
      if (accepts.some((o) => o.outcome === 'ack')) {
        if (n !== 1) violation('accept', { chat: C, agent: ag.name, expected: 'joined exactly once (Accept acknowledged)', got: `${n} ParticipantJoined`, ops: accepts.map(opInfo) });
      } else if (accepts.some((o) => atMostOnce(o.outcome))) {
        if (n > 1) violation('accept', { chat: C, agent: ag.name, expected: 'joined at most once (Accept outcome unknown)', got: `${n} ParticipantJoined`, ops: accepts.map(opInfo) });
      } else if (n !== 0) {
        violation('accept', { chat: C, agent: ag.name, expected: 'never joined (no Accept answered 0 or unknown)', got: `${n} ParticipantJoined`, ops: accepts.map(opInfo) });
      }
    }
    const acceptedBy = agents.filter((ag) => rec.ops.some((o) => o.client === ag.name && o.op === 'Accept' && o.outcome === 'ack'));
    if (completeAcked) {
      stats.checks++;
      if (!ended) violation('complete', { chat: C, expected: 'Completed (Complete acknowledged)', got: chatObj.state, ops: completes.map(opInfo) });
      for (const ag of acceptedBy) {
        const r = await readOk(`/api/v2/me/chats/${C}`, ag);
        stats.checks++;
        if (r.json?.chat?.state !== 'Completed') violation('complete', { chat: C, agent: ag.name, expected: "Completed in the agent's view", got: r.json?.chat?.state ?? r.text?.slice(0, 200) });
      }
    } else if (completes.length === 0 && acceptedBy.length) {
      stats.checks++;
      if (ended) violation('complete', { chat: C, expected: 'not Completed (accepted, and no Complete was ever sent)', got: chatObj.state });
      for (const ag of acceptedBy) {
        const p = (chatObj.participants || []).find((x) => x.nickname === ag.name && x.type === 'Agent');
        stats.checks++;
        if (!p) violation('accept', { chat: C, agent: ag.name, expected: 'a participant of the live chat (Accept acknowledged, no Complete)', got: (chatObj.participants || []).map((x) => x.nickname) });
        const r = await readOk(`/api/v2/me/chats/${C}`, ag);
        stats.checks++;
        if (r.json?.chat?.state !== 'Chatting') violation('accept', { chat: C, agent: ag.name, expected: "Chatting in the agent's view", got: r.json?.chat?.state ?? r.text?.slice(0, 200) });
      }
    }

    // --- supervisors: per-chat mode switches (ParticipantRejoined in the supervisor audience)
    for (const sup of supervisors) {
      const sw = rec.ops.filter((o) => o.client === sup.name && o.kind === 'switch').sort((a, b) => a.id - b.id);
      const ev = msgs.filter((m) => m.type === 'ParticipantRejoined' && m.from?.nickname === sup.name);
      const acked = sw.filter((o) => o.outcome === 'ack').length;
      const unk = sw.filter((o) => atMostOnce(o.outcome)).length;
      stats.checks++;
      if (ev.length < acked || ev.length > acked + unk) {
        violation('supervisor-switch', { chat: C, supervisor: sup.name, expected: `${acked}..${acked + unk} switch events`, got: `${ev.length}`, ops: sw.slice(-6).map(opInfo) });
      }
      let i = sw.length - 1;
      while (i >= 0 && sw[i].outcome !== 'ack') i--;
      if (i >= 0) {
        const allowed = new Set([MODE_VIS[sw[i].mode]]);
        for (let k = i + 1; k < sw.length; k++) if (atMostOnce(sw[k].outcome)) allowed.add(MODE_VIS[sw[k].mode]);
        const last = ev[ev.length - 1];
        stats.checks++;
        if (last && !allowed.has(last.from?.visibility)) violation('supervisor-switch', { chat: C, supervisor: sup.name, expected: `last switch to visibility ${[...allowed]}`, got: last, ops: sw.slice(-4).map(opInfo) });
        if (!ended) {
          const p = (chatObj.participants || []).find((x) => x.nickname === sup.name);
          stats.checks++;
          if (p && !allowed.has(p.visibility)) violation('supervisor-switch', { chat: C, supervisor: sup.name, expected: `participant visibility ${[...allowed]}`, got: p, ops: sw.slice(-4).map(opInfo) });
        }
      }
    }

    // --- the customer's view
    const cust = rec.customer;
    if (cust && (!ended || endedProbes < 5)) {
      if (ended) endedProbes++;
      const r = await custRefresh(cust);
      if (ended && r.status === 404 && r.json?.errors?.[0]?.code === 104) {
        // customer.md: "chat already ended → 200, statusCode 0, chatEnded:true, remaining
        // events"; README: chats with their whole logs survive a restart. After a restart the
        // customer API does not find a finished chat (only live chats are loaded), while the
        // GWS side still has its whole log.
        finding('customer-api-forgets-ended-chat', { chat: C, when: 'final check', expected: 'HTTP 200, chatEnded:true, the transcript', got: 'HTTP 404 code 104 (the GWS transcript has the chat)' });
        continue;
      }
      if (r.status !== 200 || r.json?.statusCode !== 0) {
        violation('customer-view', { chat: C, expected: 'the customer can read the acknowledged chat', got: r.text?.slice(0, 300) });
        continue;
      }
      const cm = r.json.messages || [];
      const cidx = cm.map((m) => m.index);
      if (!cidx.every((v, i2) => v === i2 + 1)) violation('customer-transcript-not-dense', { chat: C, expected: '1..n', got: cidx.join(',') });
      const ccount = new Map();
      const cpos = new Map();
      for (const m of cm) {
        const mm = MARK_RE.exec(m.text ?? '');
        if (!mm || m.type !== 'Message') continue;
        const key = `${mm[1]}|${mm[2]}`;
        ccount.set(key, (ccount.get(key) || 0) + 1);
        if (!cpos.has(key)) cpos.set(key, m.index);
        const op = byMarker.get(key);
        stats.checks++;
        if (!op) violation('message-never-sent', { chat: C, view: 'customer', got: m });
        else if (op.vis === 'Agents') violation('customer-sees-agents-only', { chat: C, expected: 'not visible to the customer', got: m, op: opInfo(op) });
        else if (op.chatId && op.chatId !== C) violation('message-in-wrong-chat', { chat: C, view: 'customer', got: m, op: opInfo(op) });
      }
      const custSeen = [];
      for (const op of msgOps) {
        const key = `${op.client}|${op.seq}`;
        const n = ccount.get(key) || 0;
        stats.checks++;
        if (op.vis === 'Agents' || op.vis === 'sup') {
          if (n > 1) violation('customer-view', { chat: C, expected: 'at most once', got: `${n} times`, op: opInfo(op) });
          continue;
        }
        if (op.outcome === 'ack' && n !== 1) violation('customer-view', { chat: C, expected: `exactly once in the customer's transcript: ${op.text}`, got: `${n} times`, op: opInfo(op) });
        else if (n > 1) violation('customer-view', { chat: C, expected: `at most once: ${op.text}`, got: `${n} times`, op: opInfo(op) });
        if (op.outcome === 'ack') custSeen.push(op);
      }
      const bySender2 = new Map();
      for (const op of custSeen) {
        if (!bySender2.has(op.client)) bySender2.set(op.client, []);
        bySender2.get(op.client).push(op);
      }
      for (const [sender, list] of bySender2) {
        list.sort((a, b) => a.seq - b.seq);
        let prev = 0;
        for (const op of list) {
          const p = cpos.get(`${op.client}|${op.seq}`);
          if (p === undefined) continue;
          if (p < prev) violation('customer-message-order', { chat: C, sender, expected: 'acknowledged order', got: `index ${p} after ${prev}`, op: opInfo(op) });
          prev = p;
        }
      }
      const disc = rec.ops.filter((o) => o.kind === 'disconnect' && o.outcome === 'ack');
      stats.checks++;
      if ((completeAcked || disc.length) && r.json.chatEnded !== true) {
        violation('customer-view', { chat: C, expected: 'chatEnded:true (Complete or disconnect acknowledged)', got: `chatEnded:${r.json.chatEnded}`, ops: [...completes, ...disc].map(opInfo) });
      }
      if (!completeAcked && completes.length === 0 && !rec.ops.some((o) => o.kind === 'disconnect') && r.json.chatEnded !== false) {
        violation('customer-view', { chat: C, expected: 'chatEnded:false (never completed nor disconnected)', got: `chatEnded:${r.json.chatEnded}` });
      }
    }
  }

  // markers seen in more than one place (e.g. an unknown-outcome chat request duplicated)
  for (const [key, where] of seenMarker) {
    if (where.length > 1) {
      const op = byMarker.get(key);
      const sameChat = where.every((w) => w.chat === where[0].chat);
      if (!sameChat || !op?.chatId) violation('message-duplicated', { expected: 'at most once anywhere', got: where, op: opInfo(op) });
    }
  }
  // acknowledged messages whose chat was never readable are reported above (chat missing).

  // --- agent states
  for (const u of [...agents, ...supervisors]) {
    let s;
    for (let i = 0; i < 100 && s === undefined; i++) {
      s = await u.channelState();
      if (s === undefined) await sleep(500);
    }
    const key = stateKey(s);
    const allowed = u.allowedStates();
    stats.checks++;
    if (!allowed.has(key) && !(key === 'NotReady(Missed offer)')) {
      violation('agent-state', { client: u.name, when: 'final', expected: [...allowed], got: key, stateOps: u.stateOps.slice(-4).map(opInfo) });
    } else if (!allowed.has(key)) {
      notes.push(`${u.name}: final state NotReady(Missed offer) set by the server`);
    }
  }

  // --- supervisions (GET /api/v2/users/{agent}/channels/chat)
  for (const ag of agents) {
    const r = await readOk(`/api/v2/users/${ag.id}/channels/chat`);
    if (r.status !== 200 || !Array.isArray(r.json?.supervisors)) {
      violation('read-failed', { agent: ag.name, expected: 'the supervisions list', got: r.text?.slice(0, 300) });
      continue;
    }
    for (const sup of supervisors) {
      const list = sup.supOps.get(ag.name) || [];
      const mine = r.json.supervisors.filter((x) => x.userId === sup.id);
      const got = mine.length === 0 ? 'none' : mine.length === 1 ? mine[0].mode : `duplicated ${JSON.stringify(mine)}`;
      const allowed = allowedFromWrites(list.map((o) => ({ ...o, value: o.mode })), false);
      if (allowed.size === 0 || !list.some((o) => o.outcome === 'ack')) allowed.add('none');
      stats.checks++;
      if (!allowed.has(got)) violation('supervision', { agent: ag.name, supervisor: sup.name, expected: [...allowed], got, ops: list.slice(-4).map(opInfo) });
      if (mine.length === 1 && mine[0].supervisorMonitoringMode && mine[0].supervisorMonitoringMode !== 'AllChats') {
        violation('supervision', { agent: ag.name, supervisor: sup.name, expected: 'AllChats', got: mine[0] });
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Main

async function createUsers(names, roles) {
  for (const userName of names) {
    for (;;) {
      const r = await req('POST', '/api/v2/users', {
        auth: 'admin',
        body: { userName, password: 'password', firstName: userName, lastName: 'Crash', roles },
      });
      if (r.status === 200 && r.json?.statusCode === 0) break;
      if (r.json?.statusCode === 18 || r.json?.statusCode === 19) break; // exists
      if (!r.neterr) throw new Error(`create user ${userName}: HTTP ${r.status} ${r.text}`);
      await sleep(200);
    }
  }
}

/**
 * --self-test: falsify the records before checking, so that the checker must report each kind
 * (proves it is not vacuous). The run must then exit 1 with exactly these kinds.
 */
function injectFaults(agents, supervisors) {
  const rec = [...chats.values()].find((r) => r.ops.some((o) => o.kind === 'msg' && o.outcome === 'ack' && o.client.startsWith('agent')) &&
    r.ops.some((o) => o.kind === 'userdata' && o.outcome === 'ack'));
  if (!rec) throw new Error('self-test: no chat with acknowledged agent messages and user data');
  const real = rec.ops.find((o) => o.kind === 'msg' && o.outcome === 'ack' && o.client.startsWith('agent'));
  const cl = { name: real.client, seq: 1e6 };
  const lost = newOp(cl, 'msg', { chatId: rec.id, text: `${marker(cl, 1e6 + 1)} never stored`, nickname: real.client, vis: 'All' });
  lost.outcome = 'ack'; // 1: an "acknowledged" message that the server never had → lost
  byMarker.set(`${lost.client}|${lost.seq}`, lost);
  const other = rec.ops.find((o) => o.kind === 'msg' && o.outcome === 'ack' && o !== real && o !== lost);
  if (other) byMarker.delete(`${other.client}|${other.seq}`); // 2: a stored message nobody sent
  const ud = rec.ops.filter((o) => o.kind === 'userdata' && o.outcome === 'ack').pop();
  const w = newOp({ name: ud.client, seq: 2e6 }, 'userdata', { chatId: rec.id, key: ud.key, value: 'never-written' });
  w.outcome = 'ack'; // 3: a later "acknowledged" user-data value
  const ag = agents[0];
  ag.stateOps.push({ op: 'Ready', state: 'NotReady(self-test)', outcome: 'ack', t0: now(), t1: now() }); // 4
  const sup = supervisors[0];
  if (!sup.supOps.has(ag.name)) sup.supOps.set(ag.name, []);
  const cur = sup.supOps.get(ag.name).filter((o) => o.outcome === 'ack').pop();
  sup.supOps.get(ag.name).push({ id: 9e9, client: sup.name, kind: 'supervise', target: ag.name, mode: cur?.mode === 'Coach' ? 'Monitor' : 'Coach', outcome: 'ack' }); // 5
  log(`self-test: faults injected in chat ${rec.id}, ${ag.name}'s state, ${sup.name}→${ag.name} supervision`);
}

async function main() {
  sut = opt.cluster ? new ClusterSystem(opt.cluster) : new SingleServer();
  await sut.start();
  log(sut.describe());

  const agentNames = ['agent1', 'agent2'];
  for (let i = 3; i <= opt.agents; i++) agentNames.push(`agent${i}`);
  const supNames = ['supervisor1'];
  for (let i = 2; i <= opt.supervisors; i++) supNames.push(`supervisor${i}`);
  await createUsers(agentNames.slice(2), ['ROLE_AGENT']);
  await createUsers(supNames.slice(1), ['ROLE_AGENT', 'ROLE_SUPERVISOR']);
  await createUsers(['auditor'], ['ROLE_AGENT', 'ROLE_SUPERVISOR']);

  const agents = agentNames.map((n) => new AgentClient(n));
  const supervisors = supNames.map((n) => new SupervisorClient(n, agents));
  const customers = Array.from({ length: opt.customers }, (_, i) => new CustomerClient(i + 1));
  const auditor = new GwsUser('auditor', true);
  for (const u of [...agents, ...supervisors]) await u.login();
  await auditor.login();
  const watched = opt.cluster ? [...agents, ...supervisors] : [];
  for (const u of watched) {
    u.push = new PushWatcher(u);
    u.push.start();
  }
  log(`users ready: ${agentNames.join(',')} / ${supNames.join(',')}; load starts`);

  const killRng = newRng();
  const loops = [...agents, ...supervisors, ...customers].map((c) => c.run().catch((e) => {
    violation('client-crashed', { client: c.name, got: String(e.stack || e) });
  }));
  const loadStart = now();
  const killing = killer(killRng);
  await Promise.all([killing, sleep(opt.seconds * 1000)]);
  running = false;
  log(`load stops after ${((now() - loadStart) / 1000).toFixed(1)} s; waiting for the clients`);
  await Promise.all(loops);

  // One more crash after the load, so that everything is read back from the disk.
  await sut.crashAll();
  log(`final SIGKILL + restart done (${stats.kills} kills); verifying`);
  for (const u of [...agents, ...supervisors, auditor]) u.finalPhase = true;
  if (opt.selfTest) injectFaults(agents, supervisors);
  await verify(auditor, agents, supervisors, customers);
  if (watched.length) {
    await verifyPushes(watched);
    await Promise.all(watched.map((u) => u.push.stop()));
  }

  const count = (o) => ops.filter((x) => x.outcome === o).length;
  const secs = ((Date.now() - T0) / 1000).toFixed(1);
  const summary = `ops=${ops.length} acknowledged=${count('ack')} unknown=${count('unknown')} ended=${count('ended')} ` +
    `failed=${count('failed')} kills=${stats.kills} chats=${stats.checkedChats}/${chats.size} messages=${stats.checkedMessages} ` +
    `checks=${stats.checks} relogins=${stats.relogins} ccStarts=${stats.ccStarts} missedOffers=${stats.missedOffers} throttled=${stats.throttled || 0} ` +
    `netErrors=${stats.netErrors} findings=${findings.length} time=${secs}s seed=${opt.seed}`;
  if (opt.cluster) {
    const rehandshakes = watched.reduce((n, u) => n + Math.max(0, u.push.handshakes.length - 1), 0);
    console.log(`cluster: ${opt.cluster} nodes, desk-holder kills=${clusterStats.ownerKills}, clients moved to another node=${clusterStats.moves}, ` +
      `CometD re-handshakes=${rehandshakes}, answers by node=${JSON.stringify(clusterStats.answeredBy)}`);
  }
  const failedBy = {};
  for (const o of ops) {
    if (o.outcome !== 'failed') continue;
    const k = `${o.op || o.kind}:${String(o.answer).slice(0, 3)}`;
    failedBy[k] = (failedBy[k] || 0) + 1;
  }
  if (Object.keys(failedBy).length) console.log(`refused operations (definite errors, checked to have changed nothing where observable): ${JSON.stringify(failedBy)}`);
  const fkinds = {};
  for (const f of findings) fkinds[f.kind] = (fkinds[f.kind] || 0) + 1;
  if (findings.length) {
    console.log(`findings (spec deviations that lose no acknowledged operation): ${JSON.stringify(fkinds)}`);
    for (const f of findings.slice(0, 3)) console.log(`  ${JSON.stringify(f).slice(0, 800)}`);
    if (opt.strict) for (const f of findings) violations.push(f);
  }
  if (violations.length) {
    process.env.PARLEY_E2E_KEEP = '1';
    const evidence = path.join(workDir, 'evidence.json');
    fs.writeFileSync(evidence, JSON.stringify({ opt, summary, violations, findings, notes, killTimes, ops }, null, 1));
    sut.saveLogs();
    await sut.stop({ keep: true });
    console.log(`\nFAIL: ${violations.length} violation(s); seed=${opt.seed}`);
    const kinds = {};
    for (const v of violations) kinds[v.kind] = (kinds[v.kind] || 0) + 1;
    console.log(`by kind: ${JSON.stringify(kinds)}`);
    for (const v of violations.slice(0, 30)) console.log(JSON.stringify(v).slice(0, 3000));
    if (notes.length) console.log(`notes:\n  ${notes.slice(0, 20).join('\n  ')}`);
    console.log(`evidence: ${evidence} (ops log, kill times), ${sut.where()}`);
    console.log(`summary: ${summary}`);
    process.exit(1);
  }
  if (notes.length) console.log(`notes:\n  ${notes.slice(0, 20).join('\n  ')}${notes.length > 20 ? `\n  … ${notes.length - 20} more` : ''}`);
  console.log(`PASS: ${summary}`);
  if (opt.cluster) await sut.stop();
  await cleanupAll();
  fs.rmSync(workDir, { recursive: true, force: true });
  process.exit(0);
}

main().catch(async (e) => {
  console.error(`crash_test harness error (seed=${opt.seed}): ${e.stack || e}`);
  try { sut?.saveLogs(); } catch { /* ignore */ }
  console.error(`work dir kept: ${workDir}${opt.cluster ? `; ${sut?.where()}` : ''}`);
  try { await sut?.abort(); } catch { /* ignore */ }
  process.exit(2);
});
