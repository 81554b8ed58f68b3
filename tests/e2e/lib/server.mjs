// Harness for black-box tests of the Parley server: start/stop/restart the real binary on a
// free port and a temporary data directory, and run the command-line tool.
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root (tests/e2e/lib → three directories up). */
export const REPO = path.resolve(here, '..', '..', '..');
/** The server binary: $PARLEY_BIN or <repo>/build/parley. */
export const BIN = process.env.PARLEY_BIN || path.join(REPO, 'build', 'parley');

export const DEMO_PASSWORD = 'password';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Latency budgets in the tests are for the release binary; under AddressSanitizer
// (PARLEY_SLOW=1, the e2e-asan run, on a 2-core box shared with another test file) every
// step is about three times slower, so budgets are multiplied by this.
export const TIME_SCALE = process.env.PARLEY_SLOW === '1' ? 3 : 1;

/** A TCP port that was free a moment ago (bind to port 0, read it, close). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** A fresh temporary directory, removed by cleanupAll(). */
export function tempDir(prefix = 'parley-e2e-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** The environment for child processes: ours without any PARLEY_* option variable. */
function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('PARLEY_')) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

const servers = new Set();
const tempDirs = [];

/**
 * Shared-store modes, to run the same black-box tests against the scale-out stack:
 * - PARLEY_TEST_PG=postgres://user@host:port: every server gets a fresh PostgreSQL database
 *   (created with psql) instead of its SQLite data directory;
 * - with PARLEY_TEST_NATS=nats://host:port as well, every server is a pair of nodes of one
 *   cluster: a hidden node that holds the desk, and the node the test talks to, which
 *   forwards every API request and CometD sign-in to it over NATS and delivers its
 *   notifications. Both get the test's flags; restarts and kills act on both.
 */
const TEST_PG = process.env.PARLEY_TEST_PG || '';
const TEST_NATS = TEST_PG ? process.env.PARLEY_TEST_NATS || '' : '';
/** True when servers keep their data in PostgreSQL, not in their data directory. */
export const SHARED_STORE = TEST_PG !== '';
/** True when each server is a two-node cluster (see above). */
export const CLUSTER_PAIR = TEST_NATS !== '';

function createDatabase(name) {
  const r = spawnSync('psql', [`${TEST_PG}/postgres`, '-qXc', `CREATE DATABASE ${name}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cannot create database ${name}: ${r.stderr || r.error}`);
}

function tail(s, n = 4000) {
  return s.length > n ? '…' + s.slice(-n) : s;
}

export class Server {
  /**
   * @param {object} o
   * @param {string[]} [o.flags]  extra flags for `parley serve`
   * @param {object} [o.env]      extra environment variables
   * @param {string} [o.dataDir]  data directory (default: a new temporary one)
   * @param {boolean} [o.demo]    pass --demo (default true)
   * @param {number} [o.port]     port (default: a free one)
   * @param {boolean} [o.listenFlag] pass --listen (default true)
   * @param {boolean} [o.dataDirFlag] pass --data-dir (default true)
   */
  constructor(o = {}) {
    this.flags = o.flags || [];
    this.env = o.env || {};
    this.dataDir = o.dataDir || tempDir();
    this.demo = o.demo !== false;
    this.port = o.port || 0;
    this.listenFlag = o.listenFlag !== false;
    this.dataDirFlag = o.dataDirFlag !== false;
    this.proc = null;
    this.holder = null;  // CLUSTER_PAIR: the node that holds the desk
    this.database = SHARED_STORE ? `parley_t${process.pid}_${Math.random().toString(36).slice(2, 10)}` : '';
    this.databaseCreated = false;
    this.stdout = '';
    this.stderr = '';
    this.exit = null; // {code, signal}
  }

  get base() {
    return `http://127.0.0.1:${this.port}`;
  }

  args() {
    const a = ['serve'];
    if (this.listenFlag) a.push('--listen', `127.0.0.1:${this.port}`);
    if (this.dataDirFlag) a.push('--data-dir', this.dataDir);
    if (this.demo) a.push('--demo');
    return a.concat(this.sharedStoreArgs('edge'), this.flags);
  }

  sharedStoreArgs(nodeName) {
    if (!SHARED_STORE) return [];
    const a = ['--store', `${TEST_PG}/${this.database}`];
    if (CLUSTER_PAIR) a.push('--bus', TEST_NATS, '--cluster-name', this.database, '--node-name', nodeName);
    return a;
  }

  /** CLUSTER_PAIR: starts the desk-holding node and waits until it serves the desk. */
  async startHolder() {
    if (!this.holderPort) this.holderPort = await freePort();
    const args = ['serve', '--listen', `127.0.0.1:${this.holderPort}`, '--data-dir', path.join(this.dataDir, 'holder')];
    if (this.demo) args.push('--demo');
    // Notifications carry absolute URIs: a cluster names the address its clients use.
    const scheme = this.flags.includes('--tls-cert') ? 'https' : 'http';
    if (!this.flags.includes('--public-base-url')) args.push('--public-base-url', `${scheme}://127.0.0.1:${this.port}`);
    // The test's flags shape the desk (timeouts, limits, services): the holder needs them.
    // Its own address replaces any --listen among them; TLS ends at the node the client
    // talks to, so the holder (reached over the bus) needs none.
    const flags = [];
    for (let i = 0; i < this.flags.length; i++) {
      if (['--listen', '--tls-cert', '--tls-key'].includes(this.flags[i])) { i++; continue; }
      flags.push(this.flags[i]);
    }
    const proc = spawn(BIN, args.concat(this.sharedStoreArgs('holder'), flags), {
      env: cleanEnv(this.env),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const holder = { proc, exit: null, stderr: '' };
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (d) => { holder.stderr = (holder.stderr + d).slice(-8000); });
    holder.exited = new Promise((resolve) => proc.on('exit', (code, signal) => { holder.exit = { code, signal }; resolve(); }));
    this.holder = holder;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (holder.exit) throw new Error(`the desk-holding node exited: ${JSON.stringify(holder.exit)}\n${holder.stderr}`);
      try {
        const r = await fetch(`http://127.0.0.1:${this.holderPort}/healthz`, { signal: AbortSignal.timeout(1000) });
        const body = await r.text();
        if (body.includes('"role":"owner"')) return;
      } catch { /* not up yet */ }
      await sleep(50);
    }
    throw new Error(`the desk-holding node did not take the desk\n${holder.stderr}`);
  }

  async stopHolder(signal) {
    const h = this.holder;
    if (!h) return;
    this.holder = null;
    if (!h.exit) {
      h.proc.kill(signal);
      const done = await Promise.race([h.exited.then(() => true), sleep(5000).then(() => false)]);
      if (!done) { h.proc.kill('SIGKILL'); await h.exited; }
    }
  }

  /** Spawn the process and wait until GET /healthz answers 200. */
  async start() {
    if (!this.port) this.port = await freePort();
    if (!fs.existsSync(BIN)) throw new Error(`server binary not found: ${BIN} (set PARLEY_BIN)`);
    if (SHARED_STORE && !this.databaseCreated) {
      createDatabase(this.database);
      this.databaseCreated = true;
    }
    if (CLUSTER_PAIR && !this.holder) await this.startHolder();
    this.stdout = '';
    this.stderr = '';
    this.exit = null;
    const proc = spawn(BIN, this.args(), {
      env: cleanEnv(this.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    servers.add(this);
    proc.stdout.setEncoding('utf8');
    proc.stderr.setEncoding('utf8');
    proc.stdout.on('data', (d) => { this.stdout += d; });
    proc.stderr.on('data', (d) => { this.stderr += d; });
    this.exited = new Promise((resolve) => {
      proc.on('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
      proc.on('error', (err) => {
        this.exit = { code: null, signal: null, error: err };
        resolve(this.exit);
      });
    });
    await this.waitHealthy(10_000);
    return this;
  }

  /** Poll GET /healthz every 50 ms until 200; fail with the server's output after timeoutMs. */
  async waitHealthy(timeoutMs = 10_000, port = this.port) {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer';
    while (Date.now() < deadline) {
      if (this.exit) {
        throw new Error(`server exited (${JSON.stringify(this.exit)}) before it was healthy\n` +
          `args: ${this.args().join(' ')}\n${this.output()}`);
      }
      try {
        const r = await fetch(`http://127.0.0.1:${port}/healthz`, {
          headers: { connection: 'close' },
          signal: AbortSignal.timeout(1000),
        });
        await r.arrayBuffer();
        if (r.status === 200) return;
        last = `HTTP ${r.status}`;
      } catch (e) {
        last = String(e.cause?.code || e.message);
      }
      await sleep(50);
    }
    throw new Error(`server not healthy on port ${port} after ${timeoutMs} ms (last: ${last})\n` +
      `args: ${this.args().join(' ')}\n${this.output()}`);
  }

  output() {
    return `--- stderr ---\n${tail(this.stderr)}\n--- stdout ---\n${tail(this.stdout)}`;
  }

  get running() {
    return this.proc !== null && this.exit === null;
  }

  /**
   * SIGTERM; resolves with the exit code (null if it died by a signal). If the process has not
   * exited after timeoutMs it is SIGKILLed and the promise rejects.
   */
  async stop(timeoutMs = 5000) {
    if (!this.proc) return null;
    await this.stopHolder('SIGTERM');
    if (!this.exit) {
      this.proc.kill('SIGTERM');
      const t0 = Date.now();
      const res = await Promise.race([this.exited, sleep(timeoutMs).then(() => null)]);
      this.lastStopMs = Date.now() - t0;
      if (!res) {
        this.proc.kill('SIGKILL');
        await this.exited;
        throw new Error(`server did not exit within ${timeoutMs} ms of SIGTERM\n${this.output()}`);
      }
    }
    servers.delete(this);
    return this.exit.code;
  }

  /** SIGKILL and wait for the process to be gone. */
  async kill() {
    await this.stopHolder('SIGKILL');
    if (!this.proc) return;
    if (!this.exit) {
      this.proc.kill('SIGKILL');
      await this.exited;
    }
    servers.delete(this);
  }

  /** Stop (SIGTERM) and start again on the same data directory and port. */
  async restart(opts = {}) {
    if (this.running) await this.stop();
    if (opts.flags) this.flags = opts.flags;
    if (opts.env) this.env = opts.env;
    if (opts.newPort) this.port = 0;
    return this.start();
  }
}

/** Start a server; see Server's constructor for the options. */
export async function startServer(o = {}) {
  const s = new Server(o);
  await s.start();
  return s;
}

/** Stop every server this process started (SIGTERM, then SIGKILL) and remove temp dirs. */
export async function cleanupAll() {
  for (const s of [...servers]) {
    try {
      await s.stop(5000);
    } catch {
      await s.kill();
    }
  }
  if (!process.env.PARLEY_E2E_KEEP) {
    for (const d of tempDirs.splice(0)) {
      try { fs.rmSync(d, { recursive: true, force: true }); } catch { /* ignore */ }
    }
  }
}

process.on('exit', () => {
  for (const s of servers) {
    try { if (s.running) s.proc.kill('SIGKILL'); } catch { /* ignore */ }
    try { if (s.holder && !s.holder.exit) s.holder.proc.kill('SIGKILL'); } catch { /* ignore */ }
  }
});

/**
 * Run a program; resolves with {code, signal, stdout, stderr} (never rejects on a non-zero
 * exit). It is killed after timeoutMs.
 */
export function runProcess(command, args, { env = process.env, timeoutMs = 30_000 } = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8');
    p.stderr.setEncoding('utf8');
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', (e) => { clearTimeout(timer); reject(e); });
    p.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * Run the parley command line; resolves with {code, signal, stdout, stderr}.
 * @param {string[]} args
 */
export async function runCli(args, { env = {}, timeoutMs = 30_000 } = {}) {
  if (!fs.existsSync(BIN)) throw new Error(`server binary not found: ${BIN} (set PARLEY_BIN)`);
  return runProcess(BIN, args, { env: cleanEnv(env), timeoutMs });
}
