// The chats the agent handles, one tab each (WAI-ARIA tabs pattern: arrow keys, Home and
// End move between tabs and select them). Inactive tabs count unread messages.
import { el } from '../gws.js';
import { createChatView } from './chat-view.js';
import { entryTitle } from './people.js';

const COUNTED = new Set(['Text', 'PushUrl', 'FileUploaded']);

export function setupTabs({ client, store, meId, directory, tablist, panels, empty, announce }) {
  const views = new Map(); // chat id -> {tab, view, label, unread}
  let active = null;
  let focusNext = null; // a chat the agent just accepted: select it when its tab appears

  function select(id, { focusTab = false } = {}) {
    active = id;
    for (const [cid, v] of views) {
      const on = cid === id;
      v.tab.setAttribute('aria-selected', String(on));
      v.tab.tabIndex = on ? 0 : -1;
      v.view.panel.hidden = !on;
      if (on) {
        store.get(cid).unread = 0;
        renderTab(cid);
      }
    }
    if (focusTab) views.get(id)?.tab.focus();
    const entry = store.get(id);
    if (entry?.chat.capabilities?.includes('SetInFocus')) {
      client.post(`/api/v2/me/chats/${encodeURIComponent(id)}`, { operationName: 'SetInFocus' }).catch(() => {});
    }
  }

  function renderTab(id) {
    const v = views.get(id);
    const entry = store.get(id);
    if (!v || !entry) return;
    const ended = entry.chat.state !== 'Chatting';
    v.label.textContent = entryTitle(entry) + (ended ? ' (ended)' : '');
    v.unread.textContent = entry.unread ? String(entry.unread) : '';
    v.unread.hidden = !entry.unread;
    v.unread.setAttribute('aria-label', `${entry.unread} unread`);
    v.tab.classList.toggle('ended', ended);
  }

  function close(id) {
    const v = views.get(id);
    if (!v) return;
    v.tab.remove();
    v.view.panel.remove();
    views.delete(id);
    store.forget(id);
    empty.hidden = views.size > 0;
    if (active === id) {
      const next = views.keys().next().value;
      if (next) select(next, { focusTab: true });
      else { active = null; document.getElementById('main').focus(); }
    }
  }

  function create(entry) {
    const id = entry.id;
    const label = el('span', { class: 'tab-label' });
    const unread = el('span', { class: 'unread', hidden: true });
    const tab = el('button', { type: 'button', role: 'tab', id: `tab-${id}`, 'aria-controls': `panel-${id}`, 'aria-selected': 'false', tabindex: -1, dataset: { chatId: id } }, label, unread);
    const view = createChatView({ entry, client, meId, directory, onClose: close });
    view.panel.hidden = true;
    tab.addEventListener('click', () => select(id));
    tab.addEventListener('keydown', onKey);
    tablist.append(tab);
    panels.append(view.panel);
    views.set(id, { tab, view, label, unread });
    empty.hidden = true;
    view.update();
    view.addMessages([...entry.messages.values()].sort((a, b) => a.index - b.index));
    if (!active || focusNext === id) {
      focusNext = null;
      select(id);
      view.focusComposer();
    }
    renderTab(id);
  }

  function onKey(e) {
    const ids = [...views.keys()];
    const at = ids.indexOf(e.currentTarget.dataset.chatId);
    const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: ids.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    select(ids[(to + ids.length) % ids.length], { focusTab: true });
  }

  store.addEventListener('chat', ({ detail: { entry } }) => {
    if (!entry.wasChatting) return;
    if (!views.has(entry.id)) {
      if (entry.chat.state === 'Chatting') create(entry);
      return;
    }
    views.get(entry.id).view.update();
    renderTab(entry.id);
  });

  store.addEventListener('messages', ({ detail: { entry, messages, live } }) => {
    const v = views.get(entry.id);
    if (!v) return;
    v.view.addMessages(messages);
    if (!live) return;
    const news = messages.filter((m) => COUNTED.has(m.type) && m.from?.participantId !== myPid(entry));
    if (!news.length) return;
    if (active !== entry.id) {
      entry.unread += news.length;
      renderTab(entry.id);
      announce(`New message from ${news[news.length - 1].from?.nickname || 'someone'} in chat with ${entryTitle(entry)}`);
    }
  });

  store.addEventListener('error', ({ detail: { entry, message } }) => views.get(entry.id)?.view.showError(message));

  function myPid(entry) {
    return (entry.chat.participants || []).find((p) => (p.path || p.uri || '').endsWith(`/users/${meId}`))?.participantId;
  }

  return { expectAccepted: (id) => { focusNext = id; } };
}
