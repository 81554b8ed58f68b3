// One customer chat: the credentials, the events received (by index, each exactly once and in
// order), the messages the customer is sending, and the transport that carries them (CometD
// push, or REST polling when CometD cannot be reached). The view listens to its events:
//   'event'   detail: a customer-API message object, in index order, never twice
//   'pending' detail: the customer's messages not yet seen back in the transcript,
//             {id, text, state:'sending'|'sent'|'failed'}
//   'status'  detail: {connection:'connecting'|'online'|'reconnecting', mode:'push'|'poll'}
//   'ended'   the chat is over for the customer
//   'error'   detail: an Error the customer should hear about
import { CustomerApi } from './api.js';
import { PushTransport } from './push.js';
import { PollTransport } from './poll.js';
import { saveChat, forgetChat } from './store.js';

const TYPING_IDLE_MS = 3000;    // the customer stopped typing after this long without a key

let localIds = 0;

export class ChatSession extends EventTarget {
  constructor({ base, service, forcePolling = false }) {
    super();
    this.base = base;
    this.service = service;
    this.api = new CustomerApi(base, service);
    this.forcePolling = forcePolling;
    this.events = new Map(); // index → event, including ones received ahead of a gap
    this.lastIndex = 0;      // every event up to this index has been emitted
    this.pending = [];
    this.ended = false;
    this.nickname = '';
    this.limits = null;      // file limits, from the file-client-cfg-get notice
    this.typingTimer = null;
    this.typingSent = false;
  }

  get cred() { return this.api.cred; }

  #emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }
  #save() { if (!this.ended) saveChat(this.service, { cred: this.cred, nickname: this.nickname, lastIndex: this.lastIndex }); }

  /** A new chat: request it over REST, then attach a transport. */
  async request({ nickname, subject, emailAddress }) {
    this.nickname = nickname;
    const first = await this.api.requestChat({ nickname, subject, emailAddress });
    this.#save();
    this.receive(first);
    await this.#attach();
  }

  /** Resume a saved chat after a reload: the page is new, so read the transcript from 1. */
  async resume(saved) {
    this.api.cred = saved.cred;
    this.nickname = saved.nickname;
    await this.#attach();
  }

  async #attach() {
    const common = {
      nextPosition: () => this.lastIndex + 1,
      onEnvelope: (b) => this.receive(b),
      onState: (s) => this.#transportState(s),
    };
    this.#emit('status', { connection: 'connecting' });
    if (!this.forcePolling) {
      const push = new PushTransport({ ...common, base: this.base, service: this.service, cred: this.cred });
      try {
        await push.start();
        this.transport = push;
        this.#emit('status', { connection: 'online', mode: 'push' });
        return;
      } catch (e) {
        console.info('Parley: CometD unavailable, polling instead:', e.message);
      }
    }
    await this.#startPolling(common);
  }

  async #startPolling(common) {
    this.transport = new PollTransport({ ...common, api: this.api });
    this.#emit('status', { connection: 'online', mode: 'poll' });
    await this.transport.start();
  }

  #transportState(state) {
    const mode = this.transport?.kind;
    if (state === 'failed' && mode === 'push' && !this.ended) {
      // CometD has been unreachable for long: REST may still get through.
      this.transport.stop();
      this.#startPolling({
        nextPosition: () => this.lastIndex + 1,
        onEnvelope: (b) => this.receive(b),
        onState: (s) => this.#transportState(s),
      }).catch((e) => this.#emit('error', e));
      return;
    }
    this.#emit('status', { connection: state === 'failed' ? 'reconnecting' : state, mode });
  }

  /** The network came back (window 'online'): do not wait for the next backoff. */
  nudge() { this.transport?.resync(); }

  /** Take in an answer envelope (REST answer or CometD push). */
  receive(b) {
    if (!b) return;
    if (b.statusCode !== 0) {
      const code = b.errors?.[0]?.code;
      if (code === 104) this.#end(); // the chat is unknown to the server: nothing to resume
      else this.#emit('error', new Error(b.errors?.[0]?.message || 'The chat service refused the request'));
      return;
    }
    if (b.chatId && this.cred && b.chatId !== this.cred.chatId) return;
    for (const m of b.messages || []) if (m.index > this.lastIndex) this.events.set(m.index, m);
    const before = this.lastIndex;
    while (this.events.has(this.lastIndex + 1)) {
      const m = this.events.get(++this.lastIndex);
      this.#take(m);
      this.#emit('event', m);
    }
    // Events beyond a gap (the server's own position ran ahead of ours): ask for the gap.
    if ([...this.events.keys()].some((i) => i > this.lastIndex + 1)) this.transport?.resync();
    if (this.lastIndex !== before) this.#save();
    if (b.chatEnded) this.#end();
  }

  #take(m) {
    if (m.type === 'Notice' && m.text === 'file-client-cfg-get') this.limits = m.userData || null;
    if (m.type === 'Message' && m.from?.type === 'Client') {
      // Our own message, stored by the server: the matching pending one is now sent.
      const i = this.pending.findIndex((p) => p.text === m.text);
      if (i >= 0) {
        this.pending.splice(i, 1);
        this.#emit('pending', this.pending);
      }
    }
  }

  #end() {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.typingTimer);
    this.transport?.stop();
    forgetChat(this.service);
    for (const p of this.pending) if (p.state === 'sending') p.state = 'failed';
    this.#emit('pending', this.pending);
    this.#emit('ended');
  }

  /** Send a message: pending (sending → sent or failed) until it comes back as an event. */
  send(text) {
    const p = { id: ++localIds, text, state: 'sending' };
    this.pending.push(p);
    this.#deliver(p);
  }

  /** Try a failed message again. */
  retry(id) {
    const p = this.pending.find((x) => x.id === id);
    if (p && p.state === 'failed' && !this.ended) this.#deliver(p);
  }

  // Messages go over REST whichever transport pushes: its statusCode 0 is the server's word
  // that the message is stored (a CometD publish reply only says it was received), and a
  // network failure shows at once instead of after a timeout.
  #deliver(p) {
    p.state = 'sending';
    this.#emit('pending', this.pending);
    this.#stopTyping();
    this.api.send(p.text).then((answer) => {
      if (this.pending.includes(p)) p.state = 'sent'; // stored; its echo may come by push
      this.receive(answer);
      this.#emit('pending', this.pending);
    }, () => {
      if (!this.pending.includes(p)) return; // its echo arrived meanwhile: it was stored
      p.state = 'failed';
      this.#emit('pending', this.pending);
    });
  }

  /** Call on every keystroke in the message box: sends startTyping / stopTyping. */
  typing(hasText) {
    clearTimeout(this.typingTimer);
    if (!hasText) return this.#stopTyping();
    if (!this.typingSent) {
      this.typingSent = true;
      this.transport?.typing(true).catch(() => {});
    }
    this.typingTimer = setTimeout(() => this.#stopTyping(), TYPING_IDLE_MS);
  }

  #stopTyping() {
    clearTimeout(this.typingTimer);
    if (!this.typingSent) return;
    this.typingSent = false;
    this.transport?.typing(false).catch(() => {});
  }

  /** Upload a file after checking the server's limits; throws an Error to show. */
  async upload(file) {
    if (!this.limits) this.receive(await this.api.fileLimits());
    const l = this.limits || {};
    const max = Number(l['upload-max-file-size']);
    const types = String(l['upload-file-types'] || '').split(';').filter(Boolean);
    const ext = file.name.includes('.') ? file.name.split('.').pop().toLowerCase() : '';
    if (max && file.size > max) throw new Error(`${file.name} is too large: the limit is ${formatSize(max)}.`);
    if (types.length && !types.includes(ext)) throw new Error(`Files of this type cannot be sent. Allowed: ${types.join(', ')}.`);
    if (Number(l['used-upload-max-files']) >= Number(l['upload-max-files'])) {
      throw new Error(`No more files can be sent in this chat (at most ${l['upload-max-files']}).`);
    }
    if (Number(l['used-upload-max-total-size']) + file.size > Number(l['upload-max-total-size'])) {
      throw new Error(`This file would pass the chat's total limit of ${formatSize(Number(l['upload-max-total-size']))}.`);
    }
    const answer = await this.api.upload(file);
    this.limits = null; // the used-* counts changed: re-read before the next upload
    this.receive(answer);
  }

  download(fileId) { return this.api.download(fileId); }

  /** End the chat for the customer. */
  async end() {
    try {
      await this.transport.disconnect();
    } catch {
      await this.api.disconnect().then((b) => this.receive(b)).catch(() => {});
    }
    // Over CometD the chatEnded push follows; do not leave the customer waiting for it.
    this.#end();
  }

  /** Leave without ending (page teardown in tests). */
  close() { this.transport?.stop(); }
}

export function formatSize(n) {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(n % (1024 * 1024) ? 1 : 0)} MiB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KiB`;
  return `${n} bytes`;
}
