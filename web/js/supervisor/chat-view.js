// The supervised chats: one tab per chat and the open chat's panel (participants, the mode
// switch, the transcript, the "who sees what you type" banner and the composer, Leave and
// Cancel supervision).
//
// Safety rule: the composer is enabled only when the server has confirmed a sending mode
// (Coach or BargeIn) and no switch is pending; the banner and the send button always show
// the confirmed mode, never the one we asked for.
import { el } from '/web/js/gws.js';
import { announce } from './announce.js';
import { MODES, modeOf, myParticipant, visibilityWords } from './modes.js';
import { renderMessage } from './transcript.js';
import { isFinished } from './chat-store.js';
import { explain } from './supervise-panel.js';

const STATE_WORDS = { Chatting: 'Live', Revoked: 'Ended', Completed: 'You left', LeftChat: 'You left' };
const $ = (id) => document.getElementById(id);

export class ChatView {
  constructor(gws, me, store, floor, supervise) {
    Object.assign(this, { gws, me, store, floor, supervise });
    this.selected = null;
    this.pending = new Map(); // chat id -> the mode we asked to switch to
    this.tabs = $('chat-tabs');
    this.panel = $('chat-panel');
    this.modeButtons = [...$('mode-switch').querySelectorAll('button[data-mode]')];
    this.text = $('composer-text');
    this.sendButton = $('composer-send');

    store.addEventListener('change', (e) => this.#onChange(e.detail));
    floor.addEventListener('change', () => {
      // The floor names each chat's handling agent and supervisors: labels may change.
      this.#renderTabs();
      this.#renderPanel();
    });
    for (const b of this.modeButtons) b.addEventListener('click', () => this.switchTo(b.dataset.mode));
    $('composer').addEventListener('submit', (e) => {
      e.preventDefault();
      this.send();
    });
    // Enter sends, Shift+Enter starts a new line, as in every chat tool.
    this.text.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.send();
      }
    });
    $('chat-leave').addEventListener('click', () => this.leave());
    $('chat-cancel').addEventListener('click', () => this.cancelSupervision());
    $('chat-close').addEventListener('click', () => this.closeTab());
    this.tabs.addEventListener('keydown', (e) => this.#tabKeys(e));
  }

  #onChange({ id, added, joined, error, removed }) {
    const entry = this.store.chats.get(id);
    if (joined && entry?.chat) {
      announce(`Joined the chat with ${this.#customerName(entry.chat)} in ${MODES[modeOf(entry.chat, this.me.id)]?.label || 'supervision'} mode`);
      if (!this.selected) this.select(id, { focus: false });
    }
    if (entry && added?.length && id !== this.selected && added.some((m) => m.type === 'Text')) entry.unread = true;
    const p = this.pending.get(id);
    if (p && entry?.chat && modeOf(entry.chat, this.me.id) === p) {
      this.pending.delete(id);
      announce(MODES[p].banner);
    }
    if (error && id === this.selected) $('chat-error').textContent = error;
    if (removed && id === this.selected) this.selected = null;
    this.#renderTabs();
    if (id === this.selected) this.#renderPanel();
  }

  #customerName(chat) {
    return chat?.participants?.find((p) => p.type === 'Customer')?.nickname || 'customer';
  }

  /** The handling agent: from the floor when it knows, else the first agent who is not us. */
  #agentOf(id) {
    const fromFloor = this.floor.agentOfChat(id);
    if (fromFloor) return { id: fromFloor.id, name: fromFloor.userName };
    const chat = this.store.chats.get(id)?.chat;
    const p = (chat?.participants || []).find((x) => x.type === 'Agent' && x !== myParticipant(chat, this.me.id));
    return p ? { id: (p.path || p.uri || '').split('/').pop(), name: p.nickname } : null;
  }

  #tabLabel(entry) {
    const chat = entry.chat;
    const mode = modeOf(chat, this.me.id);
    const agent = this.#agentOf(entry.id);
    return [
      el('span', { class: 'tab-customer' }, this.#customerName(chat)),
      agent ? el('span', { class: 'muted' }, ` with ${agent.name}`) : '',
      mode ? el('span', { class: `badge mode-badge ${MODES[mode].className}` }, MODES[mode].label) : '',
      chat && isFinished(chat.state) ? el('span', { class: 'badge' }, STATE_WORDS[chat.state] || chat.state) : '',
      entry.unread ? el('span', { class: 'unread', title: 'New messages' }, ' •', el('span', { class: 'visually-hidden' }, ' new messages')) : '',
    ];
  }

  #renderTabs() {
    const entries = [...this.store.chats.values()].filter((e) => e.chat);
    $('no-chats').hidden = entries.length > 0;
    const existing = new Map([...this.tabs.children].map((t) => [t.dataset.chat, t]));
    for (const entry of entries) {
      let tab = existing.get(entry.id);
      if (!tab) {
        tab = el('button', {
          type: 'button', role: 'tab', id: `tab-${entry.id}`, 'aria-controls': 'chat-panel', dataset: { chat: entry.id },
          onclick: () => this.select(entry.id),
        });
        this.tabs.append(tab);
      }
      existing.delete(entry.id);
      const selected = entry.id === this.selected;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected || (!this.selected && entry === entries[0]) ? 0 : -1;
      tab.replaceChildren(...this.#tabLabel(entry));
    }
    for (const t of existing.values()) t.remove();
  }

  /** Arrow keys move between tabs (WAI-ARIA tabs pattern, automatic activation). */
  #tabKeys(e) {
    const tabs = [...this.tabs.querySelectorAll('[role=tab]')];
    const i = tabs.indexOf(document.activeElement);
    if (i < 0) return;
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    const t = tabs[(next + tabs.length) % tabs.length];
    this.select(t.dataset.chat);
  }

  select(id, { focus = true } = {}) {
    this.selected = id;
    const entry = this.store.chats.get(id);
    if (entry) entry.unread = false;
    $('chat-error').textContent = '';
    this.#renderTabs();
    this.#renderPanel();
    if (focus) $(`tab-${id}`)?.focus();
  }

  #supervisorParticipantIds(chat) {
    const userIds = new Set([this.me.id]);
    const agent = this.floor.agentOfChat(chat.id);
    for (const c of agent?.chats || []) if (c.id === chat.id) for (const s of c.supervisors || []) userIds.add(s.userId);
    return new Set((chat.participants || [])
      .filter((p) => userIds.has((p.path || p.uri || '').split('/').pop()))
      .map((p) => p.participantId));
  }

  #renderPanel() {
    const entry = this.store.chats.get(this.selected);
    this.panel.hidden = !entry?.chat;
    if (!entry?.chat) return;
    const chat = entry.chat;
    this.panel.setAttribute('aria-labelledby', `tab-${chat.id}`);
    const finished = isFinished(chat.state);
    const mode = modeOf(chat, this.me.id);
    const pending = this.pending.get(chat.id);
    const agent = this.#agentOf(chat.id);

    $('chat-title').textContent = `Chat with ${this.#customerName(chat)}${agent ? `, handled by ${agent.name}` : ''}`;
    const st = $('chat-state');
    st.textContent = STATE_WORDS[chat.state] || chat.state;
    st.className = `badge ${finished ? '' : 'ok'}`;

    const me = myParticipant(chat, this.me.id);
    $('participants').replaceChildren(...(chat.participants || []).map((p) => el('li', {},
      el('span', { class: 'who' }, p === me ? `${p.nickname} (you)` : p.nickname),
      el('span', { class: 'muted' }, ` — ${p.type === 'Customer' ? 'customer' : 'agent'}, ${visibilityWords(p.visibility)}`))));

    // The mode switch: pressed = the mode the server confirmed.
    const caps = new Set(chat.capabilities || []);
    for (const b of this.modeButtons) {
      const m = b.dataset.mode;
      b.setAttribute('aria-pressed', String(m === mode));
      b.classList.toggle('pending', m === pending);
      b.setAttribute('aria-busy', String(m === pending));
      const allowed = m === mode || caps.has(MODES[m].switchOp) || (m === 'BargeIn' && caps.has('SwitchBargeIn'));
      b.disabled = finished || !allowed || Boolean(pending);
    }

    // The banner: who sees what you type.
    const banner = $('mode-banner');
    const info = MODES[mode];
    banner.className = `mode-banner ${finished ? 'ended' : info?.className || ''}`;
    banner.textContent = finished ? 'This chat has ended for you; nothing can be sent.'
      : pending ? `Switching to ${MODES[pending].label}… (sending is paused)` : info?.banner || '';

    const canSend = !finished && !pending && Boolean(info?.sendOp) && caps.has(info.sendOp);
    this.text.disabled = !canSend;
    this.text.placeholder = finished ? 'The chat has ended' : info?.placeholder || '';
    $('composer-label').textContent = info?.sendOp ? info.sendLabel : 'Message (sending is off while monitoring)';
    this.sendButton.textContent = info?.sendLabel || 'Send';
    this.sendButton.disabled = !canSend;
    $('composer').className = `composer ${info?.className || ''}`;

    $('chat-leave').disabled = finished || !caps.has('Leave');
    $('chat-cancel').hidden = finished || !agent;
    $('chat-cancel').textContent = agent ? `Cancel supervision of ${agent.name}` : 'Cancel supervision';
    $('chat-close').hidden = !finished;

    this.#renderTranscript(chat);
  }

  #renderTranscript(chat) {
    const list = $('transcript');
    const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 8;
    const sups = this.#supervisorParticipantIds(chat);
    list.replaceChildren(...this.store.log(chat.id).map((m) => renderMessage(m, sups)).filter(Boolean));
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  async switchTo(mode) {
    const id = this.selected;
    const chat = this.store.chats.get(id)?.chat;
    if (!chat || modeOf(chat, this.me.id) === mode || this.pending.has(id)) return;
    this.pending.set(id, mode);
    $('chat-error').textContent = '';
    this.#renderPanel();
    try {
      await this.gws.post(`/api/v2/me/chats/${encodeURIComponent(id)}`, { operationName: MODES[mode].switchOp });
      // The ParticipantsUpdated notification confirms the mode; if it already came, finish here.
      const now = this.store.chats.get(id)?.chat;
      if (modeOf(now, this.me.id) === mode) this.pending.delete(id);
    } catch (err) {
      this.pending.delete(id);
      $('chat-error').textContent = `Could not switch to ${MODES[mode].label}: ${explain(err)}`;
    }
    if (id === this.selected) this.#renderPanel();
  }

  async send() {
    const id = this.selected;
    const chat = this.store.chats.get(id)?.chat;
    const info = MODES[modeOf(chat, this.me.id)];
    const text = this.text.value.trim();
    // Re-check at the moment of sending: never send in Monitor, never during a switch.
    if (!text || !info?.sendOp || this.pending.has(id) || this.text.disabled) return;
    $('chat-error').textContent = '';
    this.sendButton.disabled = true;
    try {
      await this.gws.post(`/api/v2/me/chats/${encodeURIComponent(id)}`, { operationName: info.sendOp, text });
      this.text.value = '';
    } catch (err) {
      $('chat-error').textContent = `Not sent: ${explain(err)}`;
    }
    if (id === this.selected) this.#renderPanel();
    this.text.focus();
  }

  async leave() {
    const id = this.selected;
    try {
      await this.gws.post(`/api/v2/me/chats/${encodeURIComponent(id)}`, { operationName: 'Leave' });
      announce('You left the chat');
    } catch (err) {
      $('chat-error').textContent = `Could not leave: ${explain(err)}`;
    }
  }

  async cancelSupervision() {
    const agent = this.#agentOf(this.selected);
    if (!agent) return;
    try {
      await this.supervise.cancel(agent.id);
      $('chat-error').textContent = '';
      announce(`Stopped supervising ${agent.name}. You stay in this chat until you leave it.`);
    } catch (err) {
      $('chat-error').textContent = `Could not cancel: ${explain(err)}`;
    }
  }

  closeTab() {
    const id = this.selected;
    const ids = [...this.store.chats.keys()];
    this.store.remove(id);
    const next = ids.find((x) => x !== id && this.store.chats.has(x));
    if (next) this.select(next);
    else $('chats-heading').focus();
  }
}
