// Keeps the ChatStore in step with the server: /v2/me/chats notifications while connected,
// and a REST re-read (chat list, then each chat's log from the first missing index) when a
// new Bayeux session starts, since a new session does not get what was sent to the old one.
import { chatIdOf, LIVE_STATES } from './store.js';

export function followChats(client, store) {
  client.on('/v2/me/chats', (data) => {
    if (data.messageType === 'ChatStateChangeMessage') {
      if (data.chat) store.upsert(data.chat);
      if (data.notificationType === 'Error') store.error(chatIdOf(data), data.errorMessage || 'The operation failed');
    } else if (data.messageType === 'MessageLogUpdated') {
      const id = chatIdOf(data);
      // The first log of a chat (on Accept) replays history: it is not "new" for unread counts.
      const first = store.get(id) && store.get(id).messages.size === 0;
      store.addMessages(id, data.messages, { live: !first });
    }
  });
}

// Re-reads every open chat and fills each log's gap; chats that vanished from the list
// while we were away are marked finished so their tabs stop offering operations.
export async function resync(client, store) {
  const { chats = [] } = await client.get('/api/v2/me/chats');
  const open = new Set();
  for (const chat of chats) {
    open.add(chat.id);
    store.upsert(chat);
    if (chat.state === 'Invited') continue; // an offer has no log to show yet
    const from = store.contiguousIndex(chat.id) + 1;
    const { messages = [] } = await client.get(`/api/v2/me/chats/${encodeURIComponent(chat.id)}/messages?fromIndex=${from}`);
    store.addMessages(chat.id, messages, { live: from > 1 });
  }
  for (const entry of store.chats.values()) {
    if (!open.has(entry.id) && LIVE_STATES.has(entry.chat.state)) {
      store.upsert({ ...entry.chat, state: 'Completed', capabilities: [] });
    }
  }
}
