// Harness for black-box tests of a Parley cluster: start and stop a throw-away cluster with
// scripts/cluster.sh (PostgreSQL, NATS, N `parley serve` nodes, HAProxy in front), kill and
// restart single nodes, find the node that holds the desk, and make clients that reach the
// cluster through HAProxy the way a browser does — pinned to a chosen node by the PARLEYNODE
// stickiness cookie, sticky to the node HAProxy picked for them, or balanced anew on every
// request — while recording which node answered each of their requests (X-Parley-Node).
// The clients themselves are in clients.mjs.
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, BIN, sleep, runProcess } from '../../e2e/lib/server.mjs';
import { ClusterClient } from './clients.mjs';
import { disconnect, waitUntil } from '../../e2e/lib/bayeux.mjs';

export const SCRIPT = path.join(REPO, 'scripts', 'cluster.sh');
export { COOKIE, NODE_HEADER, StickyCookie } from './clients.mjs';

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
