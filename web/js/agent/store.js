// The agent's chats as the server last described them, fed by /v2/me/chats notifications and
// by REST re-reads. It is the one place that merges the two sources, so a message that arrives
// both pushed and through gap fill is kept once (messages are unique per chat by `index`,
// which the server keeps dense in the agent's audience).

export const LIVE_STATES = new Set(['Invited', 'Chatting']);

// "/chats/{id}" or ".../api/v2/chats/{id}" → id.
export function chatIdOf(data) {
  if (data.chat?.id) return data.chat.id;
  const ref = data.chatPath || data.chatUri || '';
  return ref.split('/').filter(Boolean).pop() || null;
}

export class ChatStore extends EventTarget {
  constructor() {
    super();
    this.chats = new Map(); // id -> entry
  }

  get(id) { return this.chats.get(id); }

  // Takes the chat object of a notification or a GET and merges it into the entry.
  // Emits 'chat' with {entry, previousState}.
  upsert(chat) {
    let entry = this.chats.get(chat.id);
    if (!entry) {
      entry = { id: chat.id, chat: {}, messages: new Map(), unread: 0, typing: new Map(), wasChatting: false };
      this.chats.set(chat.id, entry);
    }
    const previousState = entry.chat.state;
    entry.chat = { ...entry.chat, ...chat };
    if (chat.state === 'Chatting') entry.wasChatting = true;
    this.dispatchEvent(new CustomEvent('chat', { detail: { entry, previousState } }));
    return entry;
  }

  // Adds log messages, ignoring those already known; emits 'messages' with the new ones in
  // index order. `live` is false for the whole-log replay on Accept and for gap fill.
  addMessages(id, messages, { live = true } = {}) {
    const entry = this.chats.get(id);
    if (!entry) return [];
    const fresh = [];
    for (const m of messages || []) {
      if (!Number.isInteger(m.index) || entry.messages.has(m.index)) continue;
      entry.messages.set(m.index, m);
      fresh.push(m);
    }
    fresh.sort((a, b) => a.index - b.index);
    if (fresh.length) this.dispatchEvent(new CustomEvent('messages', { detail: { entry, messages: fresh, live } }));
    return fresh;
  }

  // The highest index n such that 1..n are all known: gap fill asks from n + 1.
  contiguousIndex(id) {
    const entry = this.chats.get(id);
    let n = 0;
    while (entry?.messages.has(n + 1)) n += 1;
    return n;
  }

  // An asynchronous failure of an operation on this chat (e.g. a transfer nobody accepted).
  error(id, message) {
    const entry = this.chats.get(id);
    if (entry) this.dispatchEvent(new CustomEvent('error', { detail: { entry, message } }));
  }

  forget(id) {
    this.chats.delete(id);
  }
}
