// Agents this desktop can name as transfer / consult / conference targets. GET /api/v2/users
// is for supervisors and admins only (platform.md), so a plain agent falls back to the agents
// it has met in its chats, and may type a colleague's user name (the server resolves it), a
// user id or a user URI.
import { el } from '../gws.js';
import { userIdOf } from './people.js';

export class AgentDirectory {
  constructor(client, meId) {
    this.client = client;
    this.meId = meId;
    this.byName = new Map(); // userName/nickname -> user id
    this.list = el('datalist', { id: 'agent-directory' });
    document.body.append(this.list);
  }

  async load(roles = []) {
    if (!roles.includes('ROLE_SUPERVISOR') && !roles.includes('ROLE_ADMIN')) return; // would be 403
    try {
      const { users = [] } = await this.client.get('/api/v2/users?roles=ROLE_AGENT');
      for (const u of users) this.add(u.userName, u.id);
    } catch { /* not a supervisor: learn agents from chats instead */ }
  }

  add(name, id) {
    if (!name || !id || id === this.meId || this.byName.has(name)) return;
    this.byName.set(name, id);
    this.list.append(el('option', { value: name }));
  }

  learnFrom(chat) {
    for (const p of chat.participants || []) if (p.type === 'Agent') this.add(p.nickname, userIdOf(p));
  }

  // A name from the list, a user id, or a user URI → the targetUri the API takes.
  resolve(input) {
    const value = input.trim();
    if (!value) return null;
    const id = this.byName.get(value) || value.split('/').filter(Boolean).pop();
    return { id, targetUri: new URL(`/api/v2/users/${encodeURIComponent(id)}`, location.href).href };
  }
}
