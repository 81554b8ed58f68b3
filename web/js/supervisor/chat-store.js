// The supervisor's chats as the server shows them to us: the latest chat object of each chat
// and its log, keyed by index. Fed by /v2/me/chats notifications and by REST re-reads after a
// reconnect; because the log is keyed by the (dense, per-audience) index, a message that comes
// both ways is kept once.

const FINISHED = new Set(['Completed', 'Revoked', 'LeftChat']);

export const isFinished = (state) => FINISHED.has(state);

/** "/chats/{id}" or ".../api/v2/chats/{id}" → id. */
function chatIdOf(data) {
  const from = data.chat?.id || data.chatPath || data.chatUri || '';
  return data.chat?.id || from.split('/').filter(Boolean).pop();
}

export class ChatStore extends EventTarget {
  constructor(gws) {
    super();
    this.gws = gws;
    this.chats = new Map(); // id -> { id, chat, messages: Map(index -> message), unread }
  }

  #entry(id) {
    let e = this.chats.get(id);
    if (!e) {
      e = { id, chat: null, messages: new Map(), unread: false, isNew: true };
      this.chats.set(id, e);
    }
    return e;
  }

  #changed(id, detail = {}) {
    this.dispatchEvent(new CustomEvent('change', { detail: { id, ...detail } }));
  }

  /** A /v2/me/chats notification. */
  handle(data) {
    const id = chatIdOf(data);
    if (!id) return;
    if (data.messageType === 'ChatStateChangeMessage') {
      if (data.notificationType === 'Error') {
        this.#changed(id, { error: data.errorMessage || 'The server reported an error for this chat.' });
        return;
      }
      if (data.chat) this.#setChat(id, data.chat);
    } else if (data.messageType === 'MessageLogUpdated') {
      const e = this.#entry(id);
      const added = this.#addMessages(e, data.messages || []);
      // A log can arrive before we know the chat object (e.g. right after a reconnect).
      if (!e.chat) this.refreshChat(id);
      if (added.length) this.#changed(id, { added });
    }
  }

  #setChat(id, chat) {
    const e = this.#entry(id);
    const before = e.chat?.state;
    e.chat = chat;
    const joined = e.isNew && chat.state === 'Chatting';
    if (joined) e.isNew = false;
    this.#changed(id, { stateChanged: before !== chat.state, joined });
  }

  #addMessages(e, messages) {
    const added = [];
    for (const m of messages) {
      if (!Number.isInteger(m.index) || e.messages.has(m.index)) continue;
      e.messages.set(m.index, m);
      added.push(m);
    }
    return added;
  }

  /** The log in index order. */
  log(id) {
    const e = this.chats.get(id);
    return e ? [...e.messages.values()].sort((a, b) => a.index - b.index) : [];
  }

  lastIndex(id) {
    const e = this.chats.get(id);
    return e && e.messages.size ? Math.max(...e.messages.keys()) : 0;
  }

  async refreshChat(id) {
    try {
      const r = await this.gws.get(`/api/v2/me/chats/${encodeURIComponent(id)}`);
      if (r?.chat) this.#setChat(id, r.chat);
    } catch (err) {
      // 404: we are no longer a participant (the spec never reveals chats we may not see).
      const e = this.chats.get(id);
      if (err.statusCode === 6 && e?.chat) this.#setChat(id, { ...e.chat, state: 'Completed', capabilities: [] });
    }
  }

  /** Fill the gap of one chat's log from the last index we hold. */
  async fillLog(id) {
    const from = this.lastIndex(id) + 1;
    const r = await this.gws.get(`/api/v2/me/chats/${encodeURIComponent(id)}/messages?fromIndex=${from}`);
    const added = this.#addMessages(this.#entry(id), r?.messages || []);
    if (added.length) this.#changed(id, { added });
  }

  /**
   * Re-read everything after signing in or after a new Bayeux session: the live chats, the gap
   * in each log, and the final state of chats we held that are no longer live.
   */
  async resync() {
    const r = await this.gws.get('/api/v2/me/chats');
    const live = new Set();
    for (const chat of r?.chats || []) {
      live.add(chat.id);
      this.#setChat(chat.id, chat);
    }
    const jobs = [];
    for (const [id, e] of this.chats) {
      if (live.has(id)) jobs.push(this.fillLog(id));
      else if (e.chat && !isFinished(e.chat.state)) jobs.push(this.refreshChat(id).then(() => this.fillLog(id).catch(() => {})));
    }
    await Promise.all(jobs);
  }

  remove(id) {
    this.chats.delete(id);
    this.#changed(id, { removed: true });
  }
}
