// The agent desktop's and supervisor console's connection to Parley: the GWS v2 REST API
// (session cookie + CSRF token after a Basic sign-in) and its CometD notifications
// (/api/v2/notifications) through the official CometD client.
import { CometD, AckExtension } from '/web/vendor/cometd/cometd.js';

export class ApiError extends Error {
  constructor(status, body) {
    const message = body?.statusMessage || `HTTP ${status}`;
    super(message);
    this.status = status;
    this.statusCode = body?.statusCode;
    this.body = body;
  }
}

export class GwsClient {
  constructor(base = '') {
    this.base = base;
    this.csrf = null;
    this.me = null;
    this.cometd = null;
    this.listeners = new Map(); // channel -> Set of callbacks
    this.onConnectionChange = () => {};
  }

  // Signs in with the user's name and password; the server answers a session cookie.
  async signIn(userName, password) {
    const r = await fetch(this.base + '/api/v2/me', {
      headers: { authorization: 'Basic ' + btoa(unescape(encodeURIComponent(`${userName}:${password}`))) },
      credentials: 'include',
    });
    const body = await r.json().catch(() => null);
    if (!r.ok || body?.statusCode !== 0) throw new ApiError(r.status, body);
    this.csrf = r.headers.get('x-csrf-token');
    this.me = body.user;
    this.#watchForAnotherSignIn();
    return this.me;
  }

  // The session cookie belongs to the browser, not the tab: signing in as someone else in
  // another tab of the same browser replaces this tab's session. Check whenever the tab comes
  // back into view, and stop the page before it acts as the other user.
  #watchForAnotherSignIn() {
    if (this.watching) return;
    this.watching = true;
    const check = async () => {
      if (document.visibilityState !== 'visible' || !this.me) return;
      const r = await fetch(this.base + '/api/v2/me', { credentials: 'include' }).catch(() => null);
      const body = r ? await r.json().catch(() => null) : null;
      const now = body?.user?.userName;
      if (now && now !== this.me.userName) showSessionReplaced(this.me.userName, now);
    };
    document.addEventListener('visibilitychange', check);
    window.addEventListener('focus', check);
  }

  async request(method, path, body) {
    const headers = {};
    if (this.csrf && method !== 'GET') headers['x-csrf-token'] = this.csrf;
    let payload;
    if (body instanceof FormData) {
      payload = body;
    } else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const r = await fetch(this.base + path, { method, headers, body: payload, credentials: 'include' });
    const token = r.headers.get('x-csrf-token');
    if (token) this.csrf = token;
    const text = await r.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { json = null; }
    if (!r.ok || (json && typeof json.statusCode === 'number' && json.statusCode !== 0)) throw new ApiError(r.status, json);
    return json;
  }

  get(path) { return this.request('GET', path); }
  post(path, body = {}) { return this.request('POST', path, body); }
  put(path, body = {}) { return this.request('PUT', path, body); }
  delete(path) { return this.request('DELETE', path); }

  // Opens the notification channel and subscribes to `/v2/me/**`; `on(channel, fn)` receives
  // each message's `data`. `onReconnect` runs after a new Bayeux session so the page can
  // re-read its state (notifications sent while disconnected are not replayed to a new session).
  connect(onReconnect = () => {}) {
    return new Promise((resolve, reject) => {
      const cometd = new CometD();
      this.cometd = cometd;
      cometd.registerExtension('ack', new AckExtension());
      cometd.configure({ url: new URL('/api/v2/notifications', this.base || location.href).href, logLevel: 'warn' });
      let first = true;
      let handshakes = 0;
      cometd.addListener('/meta/handshake', (m) => {
        if (!m.successful) return;
        // Every successful handshake after the first is a new session: state may have been missed.
        handshakes += 1;
        if (handshakes > 1) onReconnect();
      });
      cometd.addListener('/meta/connect', (m) => {
        if (cometd.isDisconnected()) return;
        this.onConnectionChange(m.successful === true);
      });
      cometd.handshake((reply) => {
        if (!reply.successful) {
          if (first) reject(new Error(reply.error || 'could not open notifications'));
          return;
        }
        cometd.batch(() => {
          cometd.subscribe('/v2/me/**', (m) => this.#dispatch(m));
        });
        if (first) {
          first = false;
          resolve();
        }
      });
    });
  }

  on(channel, callback) {
    if (!this.listeners.has(channel)) this.listeners.set(channel, new Set());
    this.listeners.get(channel).add(callback);
  }

  #dispatch(message) {
    for (const cb of this.listeners.get(message.channel) || []) cb(message.data);
  }

  async signOut() {
    try { this.cometd?.disconnect(); } catch { /* the page is leaving anyway */ }
    try { await this.post('/api/v2/me', { operationName: 'EndContactCenterSession' }); } catch { /* not in one */ }
  }
}

// Covers the page: it must not go on acting as a user whose session is gone.
function showSessionReplaced(was, now) {
  if (document.getElementById('session-replaced')) return;
  const box = el('div', { id: 'session-replaced', role: 'alertdialog', 'aria-modal': 'true',
    'aria-labelledby': 'session-replaced-title', class: 'session-replaced' },
    el('div', { class: 'panel' },
      el('h2', { id: 'session-replaced-title' }, 'Signed in elsewhere in this browser'),
      el('p', {}, `This page was signed in as ${was}, but this browser has since signed in as ${now} in another tab. ` +
        'A browser holds one sign-in per site: to work as two users at once, use a private window (or another browser) for the second.'),
      el('button', { type: 'button', onclick: () => location.reload() }, 'Reload and sign in again')));
  document.body.append(box);
  box.querySelector('button').focus();
}

// Small DOM helper: el('li', {class: 'x', onclick: fn}, 'text', child).
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (k === 'class') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

export function formatDuration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
