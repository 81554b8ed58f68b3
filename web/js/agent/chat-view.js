// One chat's tab panel: header (customer, subject, state, supervisor sign), transcript with
// typing indicator, composer, and the side panels (actions, user data).
import { el } from '../gws.js';
import { renderMessage, TYPING_TYPES } from './transcript.js';
import { createComposer } from './composer.js';
import { createActions } from './actions.js';
import { createUserData } from './userdata.js';
import { entryTitle, myParticipant } from './people.js';
import { rememberColleagues, supervisorSigns, signText } from './supervisor-sign.js';

export function createChatView({ entry, client, meId, directory, onClose }) {
  const id = entry.id;
  const operate = (body) => client.post(`/api/v2/me/chats/${encodeURIComponent(id)}`, body);

  const title = el('h3', { class: 'chat-title' });
  const subject = el('span', { class: 'muted subject' });
  const stateBadge = el('span', { class: 'badge chat-state' });
  const signs = el('span', { class: 'supervisor-signs', role: 'status' });
  const transcript = el('ol', { class: 'transcript', role: 'log', 'aria-label': 'Transcript', tabindex: 0 });
  const typing = el('p', { class: 'typing muted', 'aria-live': 'polite' });
  const status = el('p', { class: 'chat-status', role: 'status' });
  const error = el('p', { class: 'error', role: 'alert', hidden: true });
  const ended = el('div', { class: 'ended row', hidden: true },
    el('span', {}, 'This chat has ended.'),
    el('button', { type: 'button', class: 'secondary', onclick: () => onClose(id) }, 'Close chat'));

  const showError = (text) => { error.textContent = text; error.hidden = false; };
  const showInfo = (text) => { error.hidden = true; status.textContent = text; };
  const composer = createComposer({ chatId: id, operate, onError: showError });
  const actions = createActions({ entry, directory, operate, onError: showError, onInfo: showInfo });
  const userData = createUserData({ entry, operate, onError: showError });

  const panel = el('section', { role: 'tabpanel', id: `panel-${id}`, 'aria-labelledby': `tab-${id}`, class: 'chat-panel', tabindex: 0, dataset: { chatId: id } },
    el('header', { class: 'chat-head row' }, title, subject, stateBadge, signs),
    el('div', { class: 'chat-body' },
      el('div', { class: 'conversation' }, transcript, typing, status, error, ended, composer.node),
      el('aside', { class: 'side' }, actions.node, userData.node)));

  function renderTyping() {
    const names = [...entry.typing.values()];
    typing.textContent = names.length ? `${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} typing…` : '';
  }

  function addMessages(messages) {
    const me = myParticipant(entry.chat, meId);
    for (const m of messages) {
      const pid = m.from?.participantId;
      if (TYPING_TYPES.has(m.type)) {
        if (pid && pid !== me?.participantId) {
          if (m.type === 'TypingStarted') entry.typing.set(pid, m.from.nickname);
          else entry.typing.delete(pid);
        }
        continue;
      }
      if (pid && (m.type === 'Text' || m.type === 'ParticipantLeft')) entry.typing.delete(pid);
      const li = renderMessage(m, { meParticipantId: me?.participantId });
      // Keep index order even if a gap fill delivers older items after newer ones.
      const after = [...transcript.children].find((n) => Number(n.dataset.index) > m.index);
      transcript.insertBefore(li, after || null);
    }
    renderTyping();
    transcript.scrollTop = transcript.scrollHeight;
  }

  function update() {
    const { chat } = entry;
    if (chat.state === 'Chatting') rememberColleagues(entry, meId);
    directory.learnFrom(chat);
    title.textContent = `Chat with ${entryTitle(entry)}`;
    subject.textContent = chat.subject ? `Subject: ${chat.subject}` : '';
    const live = chat.state === 'Chatting';
    stateBadge.textContent = live ? 'Chatting' : 'Ended';
    stateBadge.className = `badge chat-state ${live ? 'ok' : 'warn'}`;
    ended.hidden = live;
    if (!live) { entry.typing.clear(); renderTyping(); }
    signs.replaceChildren(...supervisorSigns(entry, meId).map((s) =>
      el('span', { class: `badge ${s.kind}`, dataset: { sign: s.kind } }, signText(s))));
    composer.update(chat.capabilities);
    actions.update(chat.capabilities);
    userData.update(chat);
  }

  return { panel, update, addMessages, showError, focusComposer: composer.focus };
}
