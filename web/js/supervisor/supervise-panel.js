// The per-agent supervision panel: start Monitor / Coach / BargeIn with a scope (AllChats or
// NextChat) and "include current chats", list the agent's active supervisions (a Parley
// extension: GET /api/v2/users/{id}/channels/chat) and cancel ours.
import { el } from '/web/js/gws.js';
import { announce } from './announce.js';

const MODE_WORDS = { Monitor: 'Monitor', Coach: 'Coach', BargeIn: 'Barge in' };
const SCOPE_WORDS = { AllChats: 'all chats', NextChat: 'next chat only' };

export class SupervisePanel {
  constructor(gws, me, floor) {
    this.gws = gws;
    this.me = me;
    this.floor = floor;
    this.agentId = null;
    this.section = document.getElementById('supervise-panel');
    this.heading = document.getElementById('supervise-heading');
    this.form = document.getElementById('supervise-form');
    this.list = document.getElementById('supervision-list');
    this.error = document.getElementById('supervise-error');
    this.returnFocus = null;
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.start();
    });
    document.getElementById('supervise-close').addEventListener('click', () => this.close());
    this.section.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.close();
    });
    // NextChat ends by itself once the agent accepts a chat: re-read when the agent changes.
    floor.addEventListener('change', (e) => {
      if (this.agentId && e.detail.ids.includes(this.agentId)) this.refresh();
    });
  }

  get agent() {
    return this.floor.agents.get(this.agentId);
  }

  path() {
    return `/api/v2/users/${encodeURIComponent(this.agentId)}/channels/chat`;
  }

  open(agentId) {
    this.returnFocus = document.activeElement;
    this.agentId = agentId;
    this.heading.textContent = `Supervise ${this.agent?.userName || 'agent'}`;
    this.error.textContent = '';
    this.section.hidden = false;
    this.heading.focus();
    this.refresh();
  }

  close() {
    this.section.hidden = true;
    this.agentId = null;
    if (this.returnFocus?.isConnected) this.returnFocus.focus();
  }

  async refresh() {
    const id = this.agentId;
    if (!id) return;
    try {
      const r = await this.gws.get(this.path());
      if (id === this.agentId) this.#renderList(r.supervisors || []);
    } catch (err) {
      this.error.textContent = `Could not read the supervisions: ${err.message}`;
    }
  }

  #renderList(supervisors) {
    if (!supervisors.length) {
      this.list.replaceChildren(el('li', { class: 'muted' }, 'No active supervision.'));
      return;
    }
    this.list.replaceChildren(...supervisors.map((s) => {
      const mine = s.userId === this.me.id;
      const text = `${s.nickname}${mine ? ' (you)' : ''}: ${MODE_WORDS[s.mode] || s.mode}, ${SCOPE_WORDS[s.supervisorMonitoringMode] || s.supervisorMonitoringMode}`;
      return el('li', { class: 'supervision', dataset: { mode: s.mode, scope: s.supervisorMonitoringMode } },
        el('span', {}, text), ' ',
        mine ? el('button', { type: 'button', class: 'secondary', onclick: () => this.cancel() }, 'Cancel supervision') : '');
    }));
  }

  async start() {
    const data = new FormData(this.form);
    const body = {
      operationName: data.get('mode'),
      supervisorMonitoringMode: data.get('scope'),
      includeCurrentChats: data.get('includeCurrent') === 'on',
    };
    this.error.textContent = '';
    const button = document.getElementById('supervise-start');
    button.disabled = true;
    try {
      await this.gws.post(this.path(), body);
      announce(`Supervising ${this.agent?.userName}: ${MODE_WORDS[body.operationName]}, ${SCOPE_WORDS[body.supervisorMonitoringMode]}`);
      await this.refresh();
    } catch (err) {
      this.error.textContent = `Could not start supervising: ${explain(err)}`;
    } finally {
      button.disabled = false;
    }
  }

  /** Stop supervising this agent; chats we are already in are kept (we Leave them ourselves). */
  async cancel(agentId = this.agentId) {
    this.error.textContent = '';
    try {
      await this.gws.post(`/api/v2/users/${encodeURIComponent(agentId)}/channels/chat`, { operationName: 'CancelSupervisorMonitoring' });
      announce(`Stopped supervising ${this.floor.agents.get(agentId)?.userName || 'the agent'}`);
      if (agentId === this.agentId) await this.refresh();
      return true;
    } catch (err) {
      if (agentId === this.agentId) this.error.textContent = `Could not cancel: ${explain(err)}`;
      throw err;
    }
  }
}

/** The server's statusCodes in words a supervisor can act on. */
export function explain(err) {
  if (err.status === 401) return 'your session has expired; sign in again.';
  if (err.statusCode === 5) return 'you do not have the supervisor role.';
  if (err.statusCode === 2) return `not possible now (${err.message}).`;
  if (err.statusCode === 6) return 'that agent or chat no longer exists.';
  return err.message || 'unknown error';
}
