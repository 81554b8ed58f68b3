// The message composer of one chat: choose the audience ("To customer" or "Agents only"),
// type (typing start/stop notifications follow the agent's keystrokes) and send.
import { el } from '../gws.js';

const TYPING_IDLE_MS = 3000;

const OPS = {
  all: { send: 'SendMessage', start: 'SendStartTypingNotification', stop: 'SendStopTypingNotification' },
  agents: { send: 'SendToAgents', start: 'SendStartTypingToAgentsNotification', stop: 'SendStopTypingToAgentsNotification' },
};

export function createComposer({ chatId, operate, onError }) {
  const name = `audience-${chatId}`;
  const toAll = el('input', { type: 'radio', name, value: 'all', id: `${name}-all`, checked: true });
  const toAgents = el('input', { type: 'radio', name, value: 'agents', id: `${name}-agents` });
  const agentsHint = el('span', { class: 'muted hint' }, '(needs another agent in the chat)');
  const text = el('textarea', { id: `message-${chatId}`, rows: 2, maxlength: 16384, 'aria-describedby': `message-help-${chatId}` });
  const send = el('button', { type: 'submit' }, 'Send');
  const form = el('form', { class: 'composer' },
    el('fieldset', { class: 'audience' },
      el('legend', {}, 'Send to'),
      el('label', { class: 'inline', for: toAll.id }, toAll, ' To customer'),
      el('label', { class: 'inline', for: toAgents.id }, toAgents, ' Agents only (whisper)'),
      agentsHint),
    el('label', { for: text.id }, 'Message'),
    text,
    el('p', { id: `message-help-${chatId}`, class: 'muted hint' }, 'Enter sends, Shift+Enter starts a new line.'),
    el('div', { class: 'row' }, send));

  let caps = new Set();
  let typingOps = null; // the ops of the audience we told "typing started", or null
  let idle = null;

  const audience = () => (toAgents.checked ? 'agents' : 'all');

  async function stopTyping() {
    clearTimeout(idle);
    const ops = typingOps;
    typingOps = null;
    if (ops && caps.has(ops.stop)) await operate({ operationName: ops.stop }).catch(() => {});
  }

  text.addEventListener('input', () => {
    if (!text.value.trim()) { stopTyping(); return; }
    const ops = OPS[audience()];
    if (typingOps !== ops) {
      if (typingOps) stopTyping();
      if (caps.has(ops.start)) {
        typingOps = ops;
        operate({ operationName: ops.start }).catch(() => {});
      }
    }
    clearTimeout(idle);
    idle = setTimeout(stopTyping, TYPING_IDLE_MS);
  });
  for (const r of [toAll, toAgents]) r.addEventListener('change', () => stopTyping());

  text.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const value = text.value.trim();
    if (!value) return;
    const ops = OPS[audience()];
    send.disabled = true;
    try {
      await stopTyping();
      await operate({ operationName: ops.send, text: value });
      text.value = '';
    } catch (err) {
      onError(`Message not sent: ${err.message}`);
    } finally {
      send.disabled = !caps.has(ops.send);
      text.focus();
    }
  });

  // Capabilities decide what can be sent now (README principle 4).
  function update(capabilities) {
    caps = new Set(capabilities || []);
    const canAgents = caps.has('SendToAgents');
    const canAll = caps.has('SendMessage');
    toAgents.disabled = !canAgents;
    agentsHint.hidden = canAgents;
    toAll.disabled = !canAll;
    if (toAgents.checked && !canAgents) toAll.checked = true;
    if (toAll.checked && !canAll && canAgents) toAgents.checked = true;
    const canSend = canAll || canAgents;
    form.hidden = !canSend;
    send.disabled = !caps.has(OPS[audience()].send);
    if (!canSend) { clearTimeout(idle); typingOps = null; }
  }

  return { node: form, update, focus: () => text.focus() };
}
