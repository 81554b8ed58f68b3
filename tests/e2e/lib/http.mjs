// HTTP helpers: a small fetch wrapper for the JSON API and a raw-socket client for the
// protocol-limit tests.
import net from 'node:net';
import assert from 'node:assert/strict';
import { DEMO_PASSWORD } from './server.mjs';

export function basic(user, password = DEMO_PASSWORD) {
  return 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
}

/** The "JSESSIONID=value" pair from a Set-Cookie list, and the whole header line. */
export function sessionCookie(setCookies) {
  for (const line of setCookies || []) {
    const pair = line.split(';')[0].trim();
    if (pair.startsWith('JSESSIONID=')) return { pair, line };
  }
  return null;
}

/**
 * Call the server.
 * @param {{base:string}|string} server  a Server (or a base URL)
 * @param {string} method
 * @param {string} path
 * @param {object} [o]
 * @param {string|string[]} [o.auth] user name (demo password) or [user, password] → Basic
 * @param {string|{cookie:string}} [o.cookie] "JSESSIONID=..." or a session from login()
 * @param {string} [o.csrf] X-CSRF-TOKEN value
 * @param {*} [o.body] object → JSON; string or Buffer sent as is
 * @param {object} [o.headers] extra headers
 * @returns {Promise<{status:number, headers:Headers, text:string, json:any,
 *           setCookies:string[], cookie:string|null, cookieLine:string|null, csrf:string|null}>}
 */
export async function api(server, method, path, o = {}) {
  const base = typeof server === 'string' ? server : server.base;
  const headers = { connection: 'close', ...(o.headers || {}) };
  if (o.auth) {
    const [u, p] = Array.isArray(o.auth) ? o.auth : [o.auth, DEMO_PASSWORD];
    headers.authorization = basic(u, p);
  }
  if (o.cookie) headers.cookie = typeof o.cookie === 'string' ? o.cookie : o.cookie.cookie;
  if (o.csrf) headers['x-csrf-token'] = o.csrf;
  let body;
  if (o.body !== undefined) {
    if (typeof o.body === 'string' || Buffer.isBuffer(o.body) || o.body instanceof Uint8Array) {
      body = o.body;
    } else {
      body = JSON.stringify(o.body);
    }
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'application/json; charset=utf-8';
    }
  }
  let r;
  let text;
  try {
    r = await fetch(base + path, {
      method,
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(o.timeoutMs || 15_000),
    });
    text = await r.text();
  } catch (e) {
    let msg = `${method} ${path}: request failed: ${e.cause?.code || e.cause?.message || e.message}`;
    if (typeof server === 'object' && server.exit) {
      msg += `\nthe server has exited: ${JSON.stringify(server.exit)}\n${server.output()}`;
    }
    const err = new Error(msg, { cause: e });
    throw err;
  }
  let json;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  const setCookies = r.headers.getSetCookie();
  const sc = sessionCookie(setCookies);
  return {
    status: r.status,
    headers: r.headers,
    text,
    json,
    setCookies,
    cookie: sc ? sc.pair : null,
    cookieLine: sc ? sc.line : null,
    csrf: r.headers.get('x-csrf-token'),
  };
}

/** Short description of a response for assertion messages. */
export function show(res) {
  if (!res) return String(res);
  const t = res.text ?? (res.body ? res.body.toString('utf8') : '');
  return `HTTP ${res.status} ${t.length > 600 ? t.slice(0, 600) + '…' : t}`;
}

/** Assert HTTP status and body statusCode (statusCode may be an array of accepted values). */
export function expectStatus(res, httpStatus, statusCode, what = '') {
  const pre = what ? `${what}: ` : '';
  assert.equal(res.status, httpStatus, `${pre}expected HTTP ${httpStatus}, got ${show(res)}`);
  if (statusCode !== undefined) {
    assert.ok(res.json && typeof res.json === 'object', `${pre}expected a JSON body, got ${show(res)}`);
    const ok = Array.isArray(statusCode) ? statusCode.includes(res.json.statusCode) : res.json.statusCode === statusCode;
    assert.ok(ok, `${pre}expected statusCode ${JSON.stringify(statusCode)}, got ${show(res)}`);
    if (res.json.statusCode !== 0) {
      assert.equal(typeof res.json.statusMessage, 'string', `${pre}an error needs a statusMessage: ${show(res)}`);
    }
  }
  return res;
}

export function expectOk(res, what = '') {
  return expectStatus(res, 200, 0, what);
}

/** Exactly the "Access denied" answer, without WWW-Authenticate. */
export function expectAccessDenied(res, what = '') {
  expectStatus(res, 401, 20, what);
  assert.equal(res.json.statusMessage, 'Access denied', `${what}: ${show(res)}`);
  assert.equal(res.headers.get('www-authenticate'), null, `${what}: must not send WWW-Authenticate`);
}

/**
 * Log in with Basic on GET /api/v2/me; returns {cookie, csrf, user, res}.
 */
export async function login(server, user, password = DEMO_PASSWORD) {
  const res = await api(server, 'GET', '/api/v2/me', { auth: [user, password] });
  expectOk(res, `login ${user}`);
  assert.ok(res.cookie, `login ${user}: no JSESSIONID cookie in ${JSON.stringify(res.setCookies)}`);
  return { cookie: res.cookie, csrf: res.csrf, user: res.json.user, res };
}

/** Convenience: POST with the session cookie and its CSRF token. */
export function post(server, session, path, body) {
  return api(server, 'POST', path, { cookie: session.cookie, csrf: session.csrf, body });
}

/** The chat channel entry of GET /api/v2/me/channels for a Basic user. */
export async function channels(server, auth) {
  const opts = typeof auth === 'string' || Array.isArray(auth) ? { auth } : { cookie: auth.cookie };
  const res = await api(server, 'GET', '/api/v2/me/channels', opts);
  expectOk(res, 'GET /api/v2/me/channels');
  assert.ok(Array.isArray(res.json.channels), `channels must be an array: ${show(res)}`);
  return res.json.channels;
}

export async function expectHealthy(server, what = '') {
  const r = await api(server, 'GET', '/healthz');
  assert.equal(r.status, 200, `server should still answer /healthz ${what}: ${show(r)}`);
}

// ---------------------------------------------------------------------------------------------
// Raw socket client

/** Parse one HTTP/1.1 response from the front of buf; null if incomplete. */
function parseResponse(buf, closed) {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd < 0) return null;
  const head = buf.subarray(0, headEnd).toString('latin1');
  const lines = head.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
  if (!m) throw new Error(`not an HTTP response: ${JSON.stringify(lines[0])}`);
  const headers = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i < 0) continue;
    const k = l.slice(0, i).trim().toLowerCase();
    const v = l.slice(i + 1).trim();
    headers[k] = headers[k] !== undefined ? headers[k] + ', ' + v : v;
  }
  const status = Number(m[1]);
  let pos = headEnd + 4;
  let body;
  if (status === 204 || status === 304 || (status >= 100 && status < 200)) {
    body = Buffer.alloc(0);
  } else if (/chunked/i.test(headers['transfer-encoding'] || '')) {
    const parts = [];
    for (;;) {
      const le = buf.indexOf('\r\n', pos);
      if (le < 0) return null;
      const size = parseInt(buf.subarray(pos, le).toString('latin1').split(';')[0], 16);
      if (Number.isNaN(size)) throw new Error('bad chunk size');
      pos = le + 2;
      if (size === 0) {
        const te = buf.indexOf('\r\n\r\n', pos - 2);
        if (te < 0) return null;
        pos = te + 4;
        break;
      }
      if (buf.length < pos + size + 2) return null;
      parts.push(buf.subarray(pos, pos + size));
      pos += size + 2;
    }
    body = Buffer.concat(parts);
  } else if (headers['content-length'] !== undefined) {
    const n = Number(headers['content-length']);
    if (buf.length < pos + n) return null;
    body = buf.subarray(pos, pos + n);
    pos += n;
  } else {
    if (!closed) return null;
    body = buf.subarray(pos);
    pos = buf.length;
  }
  const text = body.toString('utf8');
  let json;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  return { consumed: pos, res: { status, headers: { get: (k) => headers[k.toLowerCase()] ?? null, raw: headers }, body, text, json } };
}

export class RawConn {
  static open(port, host = '127.0.0.1') {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ port, host }, () => resolve(new RawConn(sock)));
      sock.once('error', reject);
    });
  }

  constructor(sock) {
    this.sock = sock;
    this.buf = Buffer.alloc(0);
    this.closed = false;
    this.error = null;
    this.waiters = [];
    sock.on('data', (d) => { this.buf = Buffer.concat([this.buf, d]); this.notify(); });
    sock.on('end', () => { this.closed = true; this.notify(); });
    sock.on('close', () => { this.closed = true; this.notify(); });
    sock.on('error', (e) => { this.error = e; this.closed = true; this.notify(); });
  }

  notify() {
    const w = this.waiters.splice(0);
    for (const f of w) f();
  }

  waitEvent(ms) {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.waiters.push(() => { clearTimeout(t); resolve(); });
    });
  }

  /** Write; never throws (the server may have closed already). */
  write(data) {
    return new Promise((resolve) => {
      if (this.sock.destroyed) { resolve(false); return; }
      try {
        this.sock.write(data, (err) => resolve(!err));
      } catch {
        resolve(false);
      }
    });
  }

  /** The next complete response, or null if the connection closed first / timed out. */
  async readResponse(timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const p = parseResponse(this.buf, this.closed);
      if (p) {
        this.buf = this.buf.subarray(p.consumed);
        return p.res;
      }
      if (this.closed) return null;
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await this.waitEvent(left);
    }
  }

  /** True if the server closed the connection within timeoutMs. */
  async waitClosed(timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await this.waitEvent(left);
    }
    return true;
  }

  destroy() {
    this.sock.destroy();
  }
}

/** Send data on a new connection and read one response (null if none came). */
export async function rawRequest(port, data, timeoutMs = 5000) {
  const c = await RawConn.open(port);
  try {
    await c.write(data);
    return await c.readResponse(timeoutMs);
  } finally {
    c.destroy();
  }
}
