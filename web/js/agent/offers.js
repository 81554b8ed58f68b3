// Incoming offers: one prominent card per chat in state Invited, with Accept, Reject and a
// countdown to the offer's deadline (`offerExpiresAt`; 30 s, the server default, if absent).
// The card goes away when the server moves the chat out of Invited (accepted, rejected,
// timed out, or withdrawn), never on a local timer alone.
import { el, formatDuration } from '../gws.js';
import { parseGwsTime } from './time.js';
import { chatTitle } from './people.js';

const DEFAULT_OFFER_MS = 30_000;

export function setupOffers({ client, store, container, announce, onAccepted }) {
  const cards = new Map(); // chat id -> {node, timer}

  function deadlineOf(chat) {
    const t = parseGwsTime(chat.offerExpiresAt);
    return Number.isFinite(t) ? t : Date.now() + DEFAULT_OFFER_MS;
  }

  function remove(id) {
    const card = cards.get(id);
    if (!card) return;
    clearInterval(card.timer);
    const hadFocus = card.node.contains(document.activeElement);
    card.node.remove();
    cards.delete(id);
    if (hadFocus) document.getElementById('main').focus();
  }

  function show(entry) {
    const { chat } = entry;
    if (cards.has(chat.id)) return;
    const deadline = deadlineOf(chat);
    const who = chatTitle(chat);
    const countdown = el('span', { class: 'countdown', 'data-testid': 'offer-countdown' });
    const error = el('p', { class: 'error', role: 'alert', hidden: true });
    const accept = el('button', { type: 'button', class: 'accept' }, 'Accept');
    const reject = el('button', { type: 'button', class: 'danger' }, 'Reject');
    const titleId = `offer-title-${chat.id}`;
    const node = el('article', { class: 'offer-card', 'aria-labelledby': titleId, dataset: { chatId: chat.id } },
      el('h2', { id: titleId }, `Incoming chat from ${who}`),
      chat.subject ? el('p', { class: 'subject' }, 'Subject: ', el('strong', {}, chat.subject)) : null,
      el('p', {}, 'Time left to answer: ', countdown),
      el('div', { class: 'row' }, accept, reject),
      error);

    const act = async (operationName) => {
      accept.disabled = reject.disabled = true;
      error.hidden = true;
      try {
        if (operationName === 'Accept') onAccepted(chat.id);
        // Customers see the agent by first name, as on a shop's site, not by login name.
        const body = { operationName };
        if (operationName === 'Accept' && client.me?.firstName) body.nickname = client.me.firstName;
        await client.post(`/api/v2/me/chats/${encodeURIComponent(chat.id)}`, body);
      } catch (e) {
        error.textContent = `${operationName} failed: ${e.message}`;
        error.hidden = false;
        accept.disabled = reject.disabled = false;
      }
    };
    accept.addEventListener('click', () => act('Accept'));
    reject.addEventListener('click', () => act('Reject'));

    const tick = () => {
      const left = deadline - Date.now();
      countdown.textContent = left > 0 ? formatDuration(left + 999) : 'expired';
      countdown.classList.toggle('urgent', left < 10_000);
    };
    tick();
    const timer = setInterval(tick, 250);
    cards.set(chat.id, { node, timer });
    container.append(node);
    announce(`Incoming chat from ${who}${chat.subject ? `, subject ${chat.subject}` : ''}. Accept or reject.`, true);
  }

  store.addEventListener('chat', ({ detail: { entry } }) => {
    if (entry.chat.state === 'Invited') show(entry);
    else remove(entry.id);
    // An offer that ended without being accepted leaves nothing behind.
    if (!entry.wasChatting && entry.chat.state !== 'Invited') store.forget(entry.id);
  });
}
