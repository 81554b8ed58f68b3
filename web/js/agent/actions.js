// The operations panel of one chat: Complete, Leave, Transfer (to an agent or a queue),
// Consult, Conference (Invite) and disposition. Each control is shown only while the chat's
// `capabilities` contain its operation, because the server refuses anything else.
import { el } from '../gws.js';

const DEFAULT_QUEUE = 'customer-support';

export function createActions({ entry, directory, operate, onError, onInfo }) {
  const id = entry.id;
  const button = (label, cls = 'secondary') => el('button', { type: 'button', class: cls }, label);

  const complete = button('Complete', 'primary');
  const leave = button('Leave');
  const agentInput = el('input', { id: `target-agent-${id}`, list: 'agent-directory', autocomplete: 'off', 'aria-describedby': `target-help-${id}` });
  const transfer = button('Transfer');
  const consult = button('Consult');
  const invite = button('Conference');
  const queueInput = el('input', { id: `target-queue-${id}`, value: DEFAULT_QUEUE });
  const toQueue = button('Transfer to queue');
  const disposition = el('input', { id: `disposition-${id}` });
  const setDisposition = button('Set disposition');

  const agentGroup = el('div', { class: 'group' },
    el('label', { for: agentInput.id }, 'Another agent'),
    agentInput,
    el('p', { id: `target-help-${id}`, class: 'muted hint' }, "A colleague's user name (such as agent2) or user id."),
    el('div', { class: 'row' }, transfer, consult, invite));
  const queueGroup = el('div', { class: 'group' },
    el('label', { for: queueInput.id }, 'Queue'), queueInput, el('div', { class: 'row' }, toQueue));
  const dispositionGroup = el('div', { class: 'group' },
    el('label', { for: disposition.id }, 'Disposition'), disposition, el('div', { class: 'row' }, setDisposition));
  const endGroup = el('div', { class: 'row' }, complete, leave);

  const node = el('section', { class: 'actions', 'aria-label': 'Chat actions' },
    el('h4', {}, 'Actions'), endGroup, agentGroup, queueGroup, dispositionGroup);

  async function run(body, done) {
    try {
      await operate(body);
      if (done) onInfo(done);
    } catch (e) {
      onError(`${body.operationName} failed: ${e.message}`);
    }
  }

  function withAgent(operationName, verb) {
    const target = directory.resolve(agentInput.value);
    if (!target) { onError('Choose an agent first.'); agentInput.focus(); return; }
    entry.invitees ??= new Set();
    entry.invitees.add(target.id); // an agent I bring in is not a supervisor (supervisor-sign.js)
    run({ operationName, targetUri: target.targetUri }, `${verb} ${agentInput.value.trim()}: waiting for them to accept.`);
  }

  complete.addEventListener('click', () => run({ operationName: 'Complete' }));
  leave.addEventListener('click', () => run({ operationName: 'Leave' }));
  transfer.addEventListener('click', () => withAgent('Transfer', 'Transfer offered to'));
  consult.addEventListener('click', () => withAgent('Consult', 'Consultation offered to'));
  invite.addEventListener('click', () => withAgent('Invite', 'Conference invitation sent to'));
  toQueue.addEventListener('click', () => {
    const queueName = queueInput.value.trim();
    if (!queueName) { onError('Name a queue first.'); queueInput.focus(); return; }
    run({ operationName: 'Transfer', queueName });
  });
  setDisposition.addEventListener('click', () => {
    const value = disposition.value.trim();
    if (!value) { onError('Enter a disposition first.'); disposition.focus(); return; }
    run({ operationName: 'SetDisposition', disposition: value }, `Disposition set to ${value}.`);
  });

  function update(capabilities) {
    const caps = new Set(capabilities || []);
    complete.hidden = !caps.has('Complete');
    leave.hidden = !caps.has('Leave');
    endGroup.hidden = complete.hidden && leave.hidden;
    transfer.hidden = !caps.has('Transfer');
    consult.hidden = !caps.has('Consult');
    invite.hidden = !caps.has('Invite');
    agentGroup.hidden = transfer.hidden && consult.hidden && invite.hidden;
    queueGroup.hidden = !caps.has('Transfer');
    dispositionGroup.hidden = !caps.has('SetDisposition');
    node.hidden = endGroup.hidden && agentGroup.hidden && queueGroup.hidden && dispositionGroup.hidden;
  }

  return { node, update };
}
