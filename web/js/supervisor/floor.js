// The floor view: every agent, their chat-channel state and their live chats with a ticking
// duration. Loaded with GET /api/v2/users?roles=ROLE_AGENT&subresources=channels,chats and
// kept live by /v2/me/floor FloorUpdated (the changed agent entries). Rows are updated in
// place so that keyboard focus on a row's button survives a live update.
import { el, formatDuration } from '/web/js/gws.js';
import { announce } from './announce.js';

const FLOOR_PATH = '/api/v2/users?roles=ROLE_AGENT&subresources=channels,chats';
const MODE_WORDS = { Monitor: 'monitoring', Coach: 'coaching', BargeIn: 'barged in' };

/** The chat-channel state of a floor entry, in words, with a badge class. */
export function stateOf(agent) {
  const chat = (agent.channels || []).find((c) => c.channel === 'chat') || agent.channels?.[0];
  if (!chat) return { text: 'Logged out', cls: 'off' };
  const s = chat.userState || {};
  if (s.state === 'Ready') return { text: 'Ready', cls: 'ok' };
  if (s.state === 'NotReady') return { text: s.reason ? `Not ready (${s.reason})` : 'Not ready', cls: 'warn' };
  return { text: s.displayName || s.state || 'Unknown', cls: '' };
}

export class Floor extends EventTarget {
  constructor(gws, tbody, me) {
    super();
    this.gws = gws;
    this.tbody = tbody;
    this.me = me;
    this.agents = new Map(); // id -> floor entry
    this.rows = new Map(); // id -> { tr, stateCell, chatsCell }
    this.timer = setInterval(() => this.tick(), 1000);
  }

  async load() {
    const r = await this.gws.get(FLOOR_PATH);
    this.apply(r.users || [], { quiet: true });
  }

  /** Entries from a GET or a FloorUpdated; announces state changes unless quiet. */
  apply(entries, { quiet = false } = {}) {
    for (const a of entries) {
      const before = this.agents.get(a.id);
      this.agents.set(a.id, a);
      if (!quiet && before && stateOf(before).text !== stateOf(a).text) announce(`${a.userName} is now ${stateOf(a).text}`);
      this.#render(a);
    }
    this.dispatchEvent(new CustomEvent('change', { detail: { ids: entries.map((a) => a.id) } }));
  }

  byName(userName) {
    return [...this.agents.values()].find((a) => a.userName === userName);
  }

  /** The agent whose live chats include this chat (a supervised chat's handling agent). */
  agentOfChat(chatId) {
    return [...this.agents.values()].find((a) => (a.chats || []).some((c) => c.id === chatId && a.id !== this.me.id));
  }

  #row(a) {
    let row = this.rows.get(a.id);
    if (row) return row;
    const name = el('th', { scope: 'row' });
    const stateCell = el('td', { class: 'agent-state' });
    const chatsCell = el('td', { class: 'agent-chats' });
    const button = el('button', {
      type: 'button', class: 'secondary', 'aria-label': `Supervise ${a.userName}`,
      onclick: () => this.dispatchEvent(new CustomEvent('supervise', { detail: { id: a.id } })),
    }, 'Supervise…');
    // Supervising yourself makes no sense; the server has no use for it either.
    if (a.id === this.me.id) button.disabled = true;
    const tr = el('tr', { dataset: { agent: a.userName } }, name, stateCell, chatsCell, el('td', {}, button));
    row = { tr, name, stateCell, chatsCell };
    this.rows.set(a.id, row);
    // Keep the table in user-name order however the entries arrive.
    const after = [...this.tbody.children].find((r) => r.dataset.agent > a.userName);
    this.tbody.insertBefore(tr, after || null);
    return row;
  }

  #render(a) {
    const row = this.#row(a);
    const full = [a.firstName, a.lastName].filter(Boolean).join(' ');
    row.name.replaceChildren(a.userName, a.id === this.me.id ? ' (you)' : '',
      ...(full ? [' ', el('span', { class: 'muted full-name' }, full)] : []));
    const s = stateOf(a);
    row.stateCell.replaceChildren(el('span', { class: `badge state ${s.cls}` }, s.text));
    const chats = a.chats || [];
    if (!chats.length) {
      row.chatsCell.replaceChildren(el('span', { class: 'muted' }, 'No chats'));
      return;
    }
    row.chatsCell.replaceChildren(el('ul', { class: 'floor-chats' }, chats.map((c) => {
      const since = Date.parse(c.receivedDate);
      const sups = (c.supervisors || []).map((s) => `${s.nickname} ${MODE_WORDS[s.mode] || s.mode}`);
      return el('li', { dataset: { chat: c.id } },
        el('span', { class: 'customer' }, c.nickname || 'Customer'), ' ',
        el('span', { class: 'duration', dataset: { since: String(since) }, title: 'Time since the chat arrived' },
          Number.isFinite(since) ? formatDuration(Date.now() - since) : ''),
        c.state !== 'Chatting' ? el('span', { class: 'muted' }, ` (${c.state})`) : '',
        sups.length ? el('span', { class: 'muted sups' }, ` · ${sups.join(', ')}`) : '');
    })));
  }

  /** Durations tick every second without re-rendering rows. */
  tick() {
    const now = Date.now();
    for (const span of this.tbody.querySelectorAll('.duration[data-since]')) {
      const since = Number(span.dataset.since);
      if (Number.isFinite(since)) span.textContent = formatDuration(now - since);
    }
  }

  stop() {
    clearInterval(this.timer);
  }
}
